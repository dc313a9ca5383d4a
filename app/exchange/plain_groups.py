"""Opinion groups without numpy: the seeding stage's rule, in plain Python.

The web process must not load numpy on the participant path (it costs
start-up time and memory in every worker), yet the follow-up's feedback page
(:mod:`app.exchange.feedback`) needs the same opinion groups as routing
(:func:`app.exchange.seeding.opinion_groups`). The rule is the same:

- each anchor item that at least two participants answered and that varies
  is standardised (mean 0, population SD 1); a missing answer becomes 0
  (the mean);
- the score is the projection on the first principal component (the first
  right singular vector of the standardised matrix X, i.e. the leading
  eigenvector of X'X), here by power iteration on the small k x k matrix
  X'X until no coordinate moves by more than 1e-13;
- the sign makes the score correlate positively with the first varying
  anchor item; group "a" is a score >= 0, "b" below.

When the two leading eigenvalues are (nearly) equal the component is not
unique and the two implementations may split people differently; with real
anchor items (support for one proposal, views, left-right) the first
component dominates. tests/app/exchange/test_feedback.py holds this module
to numpy's SVD and to the routing's groups.
"""

from __future__ import annotations

import math

__all__ = ["pc1_groups"]

_TOLERANCE = 1e-13
_MAX_SWEEPS = 10_000


def pc1_groups(answers: dict[int, dict[str, float]], items: list[str]) -> dict[int, str]:
    """Participant id -> "a" or "b" by the sign of their first-component score.

    ``answers`` holds each participant's substantive anchor answers (item ->
    value; missing ones left out). Empty when fewer than 3 participants
    answered, or no item varies.

    >>> pc1_groups({1: {"x": 1.0}, 2: {"x": 2.0}, 3: {"x": 5.0}}, ["x"])
    {1: 'b', 2: 'b', 3: 'a'}
    """
    people = sorted(answers)
    if len(people) < 3:
        return {}
    columns = []
    for item in items:
        values = [answers[p][item] for p in people if item in answers[p]]
        if len(values) < 2:
            continue
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        if sd > 0:
            columns.append([(answers[p][item] - mean) / sd if item in answers[p] else 0.0
                            for p in people])
    if not columns:
        return {}
    vector = _leading_eigenvector(columns)
    scores = [sum(v * col[i] for v, col in zip(vector, columns, strict=True))
              for i in range(len(people))]
    if sum(s * x for s, x in zip(scores, columns[0], strict=True)) < 0:
        scores = [-s for s in scores]
    return {p: "a" if s >= 0 else "b" for p, s in zip(people, scores, strict=True)}


def _leading_eigenvector(columns: list[list[float]]) -> list[float]:
    """The unit leading eigenvector of X'X (X's columns given), by power iteration."""
    k = len(columns)
    gram = [[sum(a * b for a, b in zip(columns[i], columns[j], strict=True)) for j in range(k)]
            for i in range(k)]
    # Start from the row of largest norm: never orthogonal to the leading vector
    # when that vector has a non-zero coordinate there (X'X is positive semidefinite).
    start = max(range(k), key=lambda i: sum(x * x for x in gram[i]))
    vector = _unit(gram[start]) or [1.0] * k
    for _ in range(_MAX_SWEEPS):
        moved = _unit([sum(row[j] * vector[j] for j in range(k)) for row in gram])
        if moved is None:
            break
        if max(abs(a - b) for a, b in zip(moved, vector, strict=True)) <= _TOLERANCE:
            return moved
        vector = moved
    return vector


def _unit(vector: list[float]) -> list[float] | None:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else None
