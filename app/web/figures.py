"""A survey's images on a page: a ``<figure>`` with alt text, size, caption and source.

An image is placed by ``{image:ID}`` on a line of its own in a Markdown text
(the rendered paragraph is replaced by the figure, after sanitising, so the
sanitiser never has to allow ``<img>``) or by ``image = "ID"`` on an item
(``templates/participant/_items.html`` calls :func:`survey_figure`). The
``src`` is the survey version's image URL (app/participant/images.py): the
version is a hash of every file, so the URL names the bytes exactly and the
browser may keep them for a year. ``width`` and ``height`` come from the
file's header so nothing moves while it loads; CSS scales it down to the
screen (``.figure img``: ``max-width: 100%; height: auto``).
"""

from __future__ import annotations

import re

from flask import g, url_for
from markupsafe import Markup, escape

__all__ = ["figure_html", "with_figures", "survey_figure", "image_url", "configure_figures"]

#: A placement line after rendering: a paragraph holding only ``{image:ID}``.
_PLACED = re.compile(r"<p>\{image:([a-z][a-z0-9_]*)\}</p>")
#: A placement line in the source: set apart by blank lines so it becomes its own paragraph.
_LINE = re.compile(r"^[ \t]*(\{image:[a-z][a-z0-9_]*\})[ \t]*$", re.MULTILINE)


def image_url(version: str, image) -> str:
    return url_for("images.image", version=version, name=image.file_name)


def figure_html(version: str, image, lang: str) -> Markup:
    """One image as a figure: alt text, intrinsic size, caption and source (sanitised Markdown)."""
    from app.web.markdown import render_markdown  # markdown imports this module

    parts = [Markup('<figure class="figure"><img src="{}" alt="{}" width="{}" height="{}" '
                    'loading="lazy" decoding="async">').format(
        image_url(version, image), image.alt.get(lang, ""), image.width, image.height)]
    notes = [render_markdown(text[lang]) for text in (image.caption, image.source)
             if text is not None and text.get(lang)]
    if notes:
        parts.append(Markup("<figcaption>") + Markup("").join(notes) + Markup("</figcaption>"))
    parts.append(Markup("</figure>"))
    return Markup("").join(parts)


def set_apart(source: str) -> str:
    """The Markdown ``source`` with every placement line between blank lines."""
    return _LINE.sub(lambda m: f"\n{m.group(1)}\n", source)


def with_figures(html: Markup, version: str, images, lang: str) -> Markup:
    """Rendered, sanitised ``html`` with each placement paragraph replaced by its figure."""
    if not images or "{image:" not in html:
        return html
    out = _PLACED.sub(
        lambda m: str(figure_html(version, images[m.group(1)], lang)) if m.group(1) in images
        else str(escape(m.group(0))), str(html))
    return Markup(out)  # noqa: S704 - sanitised parts and escaped attributes  # nosec B704


def survey_figure(image_id: str | None, lang: str) -> Markup:
    """The figure of an item's image in the page's survey (``g.survey``), or nothing."""
    survey = g.get("survey")
    if not image_id or survey is None or image_id not in survey.images:
        return Markup("")
    return figure_html(survey.version, survey.images[image_id], lang)


def configure_figures(app) -> None:
    """Templates place an item's image with ``survey_figure(image_id, lang)``."""
    app.jinja_env.globals["survey_figure"] = survey_figure
