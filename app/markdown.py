"""Markdown to safe HTML: render with Python-Markdown, then sanitise with nh3.

Survey texts are written by authors, not participants, but a campaign may be
loaded from anywhere, so nothing but a short list of formatting tags reaches
a participant's page.
"""

import markdown as md
import nh3
from markupsafe import Markup

__all__ = ["render_markdown"]

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a",
    "abbr", "code", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}


def render_markdown(source: str) -> Markup:
    """Render ``source`` and return sanitised HTML marked safe for templates."""
    html = md.markdown(source, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above  # nosec B704
