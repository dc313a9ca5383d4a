"""Hypothesis strategies for hostile input: control and bidi characters, odd numbers."""

from __future__ import annotations

import math
import re
import urllib.parse

from hypothesis import strategies as st

#: Characters a probe reaches for: C0 controls, DEL, bidi overrides and
#: isolates, zero-width and BOM, fullwidth formula prefixes, markup.
SPECIALS = [
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\t", "\n", "\r",
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200b", "\u200e", "\ufeff", "\ufffd",
    "\uff1d", "\uff0b", "'", '"', "<", ">", "&", "=", "+", "-", "@", "%", "\\", "/", "..",
    "<script>alert(1)</script>", "{{7*7}}", "${7*7}", "%(x)s", "\u0661\u0662", "\uff11",
]
ODD_NUMBERS = [
    "nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "1_0", "0x10",
    "\u0661\u0662", "\uff11\uff12", " 5 ", "+5", "5,5", "5.5.5", "--5", "5-", ".", ",",
    "9" * 5000, "1" + "0" * 4400, "-" + "9" * 4301, "0" * 300 + "1", "1e5", "1E2",
]
#: Refused at the edge anywhere in a form value (tab, LF, CR are fine there).
FORBIDDEN_IN_VALUES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# No lone surrogates: they cannot be encoded into a request at all.
_chars = st.characters(exclude_categories=("Cs",))
plain_text = st.text(_chars, max_size=40)
nasty_text = st.one_of(
    plain_text,
    st.sampled_from(SPECIALS),
    st.lists(st.one_of(st.sampled_from(SPECIALS), plain_text), min_size=2, max_size=6).map(
        "".join
    ),
)
nasty_number = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text("0123456789", min_size=1, max_size=6000),
)


def any_value(valid: list[str]):
    """A form value: mostly near-valid, often hostile."""
    return st.one_of(st.sampled_from(valid), nasty_text, nasty_number) if valid else st.one_of(
        nasty_text, nasty_number)


def multi(values):
    """A form field as sent: missing (None), once, or duplicated."""
    return st.one_of(st.none(), values.map(lambda v: [v]), st.lists(values, min_size=2, max_size=3))


#: A URL path segment: hostile text or raw bytes (invalid UTF-8 included), quoted.
path_segment = st.one_of(
    nasty_text.map(lambda t: urllib.parse.quote(t, safe="")),
    st.binary(max_size=12).map(lambda b: urllib.parse.quote_from_bytes(b, safe="")),
    st.sampled_from(["town", "..", ".", "%2e%2e", "%00", "%ff%fe", "a%0a", "step", "go"]),
)
query_string = st.one_of(
    st.just(""),
    st.lists(st.tuples(nasty_text, nasty_text), max_size=4).map(
        lambda pairs: urllib.parse.urlencode(pairs)),
    st.binary(max_size=20).map(lambda b: "lang=" + urllib.parse.quote_from_bytes(b)),
)


def finite_or_none(value) -> bool:
    return value is None or math.isfinite(value)
