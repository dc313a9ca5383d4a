"""Markdown to safe HTML: render with markdown-it-py, then sanitise with nh3.

Survey texts are written by authors, not participants, but a campaign may be
loaded from anywhere, so nothing but a short list of formatting tags reaches
a participant's page.

Cost: markdown-it-py (CommonMark) renders in time linear in the number of
links; Python-Markdown, used before, rescanned the rest of a paragraph for
every link, so a consent of 1,500 links took 20 s a view. The loader bounds
every text (``surveys.reader.MAX_TEXT_CHARS`` and ``MAX_TEXT_LINKS``), and a
survey's texts are rendered once per survey version and language and kept
(:func:`survey_html`), so a page view does not render Markdown at all.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.web.figures import set_apart, with_figures

__all__ = ["render_markdown", "survey_html"]

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a",
    "abbr", "code", "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}

#: CommonMark; raw HTML is parsed (for ``<abbr>``) and left to nh3 to sanitise.
_PARSER = MarkdownIt("commonmark")
#: Every link becomes an ``<a>``, and nh3 (``url_schemes`` below) decides which
#: addresses survive: markdown-it's own check would leave a refused link as its
#: literal source text (``[x](javascript:...)``) on the participant's page.
_PARSER.validateLink = lambda url: True

#: Rendered survey texts by (survey version, place, language). A version is a
#: content hash, so an entry never goes stale; the dict is emptied when it
#: grows past a size no real installation reaches (many surveys x texts x
#: languages), instead of evicting one by one.
_RENDERED: dict[tuple[str, str, str, bool], Markup] = {}
_RENDERED_MAX = 8192


def render_markdown(source: str) -> Markup:
    """Render ``source`` and return sanitised HTML marked safe for templates."""
    clean = nh3.clean(
        _PARSER.render(source),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704


def survey_html(version: str, place: str, lang: str, source: str, images=None,
                keep: bool = True) -> Markup:
    """``source`` (the text at ``place`` of survey ``version``) rendered once and kept.

    ``place`` names the text within the survey (``consent``, ``module:accord``);
    with the version and language it determines ``source``. ``images`` (the
    survey's) turns each ``{image:ID}`` line into its figure (app/web/figures.py).
    ``keep=False``: render without keeping (a text holding one participant's
    piped answers, app/participant/piping.py).
    """
    # Whether images were given is part of the key: a caller without them
    # must not leave the raw placement lines in the cache for one with them.
    key = (version, place, lang, images is not None)
    html = _RENDERED.get(key) if keep else None
    if html is None:
        if images:
            html = with_figures(render_markdown(set_apart(source)), version, images, lang)
        else:
            html = render_markdown(source)
        if not keep:  # a text of one participant's own (a piped answer): never kept
            return html
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        _RENDERED[key] = html
    return html
