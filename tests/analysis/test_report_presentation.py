"""How the report presents its numbers (issue #20, "Presentation a referee would reject").

References: AAPOR Standard Definitions (10th ed., 2023) define the completion
rate over invitations, so a rate over starters is named "completion among
starters" (Callegaro & DiSogra 2008); the APA Publication Manual (7th ed.) writes
small p-values as "p < .001"-style inequalities, never "p = <"; CONSORT 2010
item 17a asks that each estimate's interval be labelled.
"""

from __future__ import annotations

import html as htmllib
import re

import pytest

from analysis.pipeline import analyse_export
from analysis.report import render_report
from analysis.report.html import fmt, p_text


@pytest.fixture(scope="module")
def report(demo):
    res = analyse_export(demo, n_boot=0)
    return res, render_report(res)


def _section(page: str, ident: str) -> str:
    start = page.index(f'<section id="{ident}"')
    return page[start:page.index("</section>", start)]


def test_small_p_values_read_as_inequalities():
    assert fmt(3e-7, "p") == "&lt; 0.0001" and fmt(0.01234, "p_holm") == "0.0123"
    assert p_text(3e-7) == "p &lt; 0.0001" and p_text(0.5) == "p = 0.5000"


def test_no_p_equals_less_than_anywhere(report):
    _, page = report
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "p < 0.0001" in text or "< 0.0001" in text  # the demo has tiny p-values
    assert not re.search(r"p\s*=\s*<", text)


def test_answer_categories_print_as_whole_numbers(report):
    _, page = report
    section = _section(page, "ordinal")
    tables = re.findall(r"<table><caption>Answer shares.*?</table>", section, re.S)
    assert tables
    for t in tables:
        head = re.findall(r'<th scope="col">(.*?)</th>', t)
        col = head.index("category")
        for row in re.findall(r"<tr>(.*?)</tr>", t, re.S)[1:]:
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            assert re.fullmatch(r"\d+", cells[col]), cells[col]
    assert fmt(4.0, "df") == "4" and fmt(2.5, "df") == "2.500"


def test_completion_is_named_among_starters_not_aapor_completion_rate(report):
    _, page = report
    section = _section(page, "flow")
    assert '<th scope="col">completion among starters</th>' in section
    assert '<th scope="col">completion rate</th>' not in section


def test_methods_credit_stuart_maxwell_and_escape_item_placeholders(report):
    _, page = report
    methods = _section(page, "methods")
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", methods))
    assert "estimate_<item>" in text  # was swallowed as a tag
    assert "Parley's own implementation" in text and "(statsmodels" not in text
