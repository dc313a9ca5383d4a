"""The wide table's rows (one per participant), built as the long files stream past.

The long files come in participant order (answers by participant, then
answer), so a participant's wide row is complete when the next participant's
first answer arrives. Complete rows are spooled to a temporary file with
``marshal`` and read back ``chunk`` at a time by the format writers
(app/export/formats.py): memory holds one chunk of rows, whatever the size of
the campaign. The answer columns are known only at the end (in the order the
answers first appear), so a row spooled before a column appeared is padded
with missing cells when it is read back.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from analysis.contract import (
    answer_column,
    order_column,
    rank_column,
    split_order_column,
    split_wide_column,
    unescape_formula,
    upgrade_codebook,
    whole_numbers,
    wide_column,
)

__all__ = ["WideRows", "HELD_ROWS", "NOT_SHOWN_LABEL"]

#: The value label of an item's "not shown" code in SPSS and Stata files (1.11).
NOT_SHOWN_LABEL = "not shown"

#: Wide rows held in memory at most (spooled or handed to a writer at a time):
#: a wide row has a cell per answer column (hundreds), so even 256 rows are a
#: few MB, and 5000 (the long files' chunk) were 40 MB.
HELD_ROWS = 256


class WideRows:
    """Rows of participants.csv and answers.csv in; wide rows out, ``chunk`` at a time.

    ``chunk`` is capped at :data:`HELD_ROWS` (a wide row is far larger than a
    long one).

    Cells are as the wide formats hold them: participant cells and text
    answers raw (the spreadsheet escaping undone; each format escapes as it
    needs), numeric answers as floats, ``None`` when missing.
    """

    def __init__(self, codebook: dict, participant_columns: list[str], folder: Path,
                 chunk: int) -> None:
        self.participant_columns = list(participant_columns)
        # the codebook says which column holds an item's answer, never the type's name
        self.items = {i["id"]: i for i in upgrade_codebook(codebook)["items"]}
        self.lang = codebook["survey"]["languages"][0]
        self.chunk = min(chunk, HELD_ROWS)
        #: answer columns in order of first appearance, and whether each holds text
        self.columns: list[str] = []
        self.is_text: list[bool] = []
        #: whether each answer column holds whole numbers (ints; codebook ``integer``)
        self.is_integer: list[bool] = []
        self.count = 0
        self._keys: dict[tuple[str, str, str], tuple[int, bool, bool]] = {}
        # open as long as the rows are read (closed by close()); deleted when closed
        self._people_file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self._rows_file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self._orders_file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self._people: Iterator[list] | None = None
        self._current: list | None = None  # the participant whose answers are coming
        self._cells: dict[int, object] = {}
        self._out: list[list] = []
        self._finished = False

    # ------------------------------------------------------------------ in

    def add_participants(self, rows) -> None:
        marshal.dump([[unescape_formula(v) if isinstance(v, str) else v for v in row]
                      for row in rows], self._people_file)

    def add_answers(self, rows) -> None:
        """Rows in the columns of answers.csv (values and text as written there)."""
        keys, cells = self._keys, self._cells
        current = self._current
        current_id = current[0] if current is not None else None
        for public_id, _arm, phase, module, item, value, text, *_rest in rows:
            if public_id != current_id:
                self._end_participant()
                current = self._advance_to(public_id)
                current_id = public_id
                cells = self._cells
            key = keys.get((phase, module, item))
            if key is None:
                key = self._new_column(phase, module, item)
            index, is_text, whole = key
            # As the long files store it: the value, except for multiple
            # choice (a count) and answers with no value, where the text is
            # the answer (raw from here on: each format escapes as it needs).
            # A column of whole numbers (codebook ``integer``) holds ints.
            if is_text or value == "":
                cell = unescape_formula(text)
                if is_text and not cell and value not in ("", None):
                    # not shown (1.11): a text column holds the item's code as text
                    cell = f"{float(value):g}"
            elif whole and value.isdigit():
                cell = int(value)
            else:
                cell = float(value)
                if whole and cell.is_integer():
                    cell = int(cell)
            if is_text and not isinstance(cell, str):
                cell = str(cell)
            cells[index] = cell

    def _new_column(self, phase: str, module: str, item: str) -> tuple[int, bool, bool]:
        in_text = answer_column(self.items[item]) == "text"
        whole = whole_numbers(self.items[item])
        self.columns.append(wide_column(phase, module, item))
        self.is_text.append(in_text)
        self.is_integer.append(whole)
        key = self._keys[(phase, module, item)] = (len(self.columns) - 1, in_text, whole)
        return key

    def add_orders(self, rows) -> None:
        """Rows of display_order.csv (participant order, after every answer was added).

        Each becomes the cells ``<answer column>__position`` and, for shuffled
        options, ``<answer column>__order``, spooled and put into the
        participants' rows as they are read back (:meth:`chunks`).
        """
        spooled: list[tuple[str, list]] = []
        for public_id, phase, module, page, item, position, options in rows:
            cells = []
            # a place only where the page shuffles its items (the codebook says which)
            if page in (self.items[item].get("display_order") or {}).get("pages", ()):
                cells.append((self._order_index(phase, module, item, "position", False),
                              int(position)))
            if options:
                cells.append((self._order_index(phase, module, item, "order", True), options))
            if spooled and spooled[-1][0] == public_id:
                spooled[-1][1].extend(cells)
            else:
                spooled.append((public_id, cells))
        marshal.dump(spooled, self._orders_file)

    def _order_index(self, phase: str, module: str, item: str, kind: str, text: bool) -> int:
        key = (phase, module, f"{item}__{kind}")
        if key not in self._keys:
            self.columns.append(order_column(phase, module, item, kind))
            self.is_text.append(text)
            self.is_integer.append(not text)  # a place on the page: a whole number
            self._keys[key] = (len(self.columns) - 1, text, not text)
        return self._keys[key][0]

    def _orders(self) -> Iterator[tuple[str, list]]:
        f = self._orders_file
        f.flush()
        f.seek(0)
        while True:
            try:
                groups = marshal.load(f)  # noqa: S302 - our own spool file  # nosec B302
            except EOFError:
                return
            yield from groups

    def _people_rows(self) -> Iterator[list]:
        f = self._people_file
        f.flush()
        f.seek(0)
        while True:
            try:
                rows = marshal.load(f)  # noqa: S302 - our own spool file  # nosec B302
            except EOFError:
                return
            yield from rows

    def _advance_to(self, public_id: str) -> list:
        """The participant ``public_id``; those before it (no answers) are written as they are."""
        if self._people is None:
            self._people = self._people_rows()
        for person in self._people:
            if person[0] == public_id:
                self._current = person
                return person
            self._emit(person)
        raise ValueError(f"answers of {public_id!r}, who is not among the participants")

    def _end_participant(self) -> None:
        if self._current is not None:
            cells = self._cells
            answers = [None] * (max(cells) + 1 if cells else 0)
            for index, cell in cells.items():
                answers[index] = cell
            self._emit(self._current + answers)
            self._current, self._cells = None, {}

    def _emit(self, row: list) -> None:
        self._out.append(row)
        self.count += 1
        if len(self._out) >= self.chunk:
            marshal.dump(self._out, self._rows_file)
            self._out = []

    def finish(self) -> None:
        """Every participant written (those after the last answer too); no more rows come in."""
        if self._finished:
            return
        self._end_participant()
        if self._people is None:
            self._people = self._people_rows()
        for person in self._people:
            self._emit(person)
        if self._out:
            marshal.dump(self._out, self._rows_file)
            self._out = []
        self._people_file.close()
        self._finished = True

    # ------------------------------------------------------------------ out

    @property
    def names(self) -> list[str]:
        """Participant columns, answer columns, then one rank column per option of each
        ranking answer column (``analysis.contract.rank_column``)."""
        return self.participant_columns + self.columns + [name for name, *_ in self.ranks()]

    def ranks(self) -> list[tuple[str, int, str, str]]:
        """(rank column, answer column index, answer column, option id) of every rank column,
        in the order of the answer columns (known once the rows are finished)."""
        out = []
        for index, column in enumerate(self.columns):
            item = self.items.get(split_wide_column(column)[2])  # None: a display-order column
            if item is not None and item.get("text_coding") == "ranked_option_ids":
                out += [(rank_column(column, o["id"]), index, column, o["id"])
                        for o in item["options"]]
        return out

    def kind(self, j: int) -> str:
        """What column ``j`` of :attr:`names` holds: ``text`` (participant columns too),
        ``int`` (whole numbers: codebook ``integer``; ranks) or ``float``."""
        j -= len(self.participant_columns)
        if j < 0:
            return "text"
        if j >= len(self.columns):
            return "int"
        return "text" if self.is_text[j] else ("int" if self.is_integer[j] else "float")

    def chunks(self, chunk: int | None = None) -> Iterator[list[list]]:
        """The wide rows, each with every column, exactly ``chunk`` at a time (the last fewer)."""
        self.finish()
        chunk = chunk or self.chunk
        people = len(self.participant_columns)
        width = people + len(self.columns)
        ranks = [(people + index, option) for _, index, _, option in self.ranks()]
        f: BinaryIO = self._rows_file
        f.flush()
        f.seek(0)
        batch: list[list] = []
        # the display orders come in the participants' order, some with none
        orders = self._orders()
        pending = next(orders, None)
        offset = len(self.participant_columns)
        while True:
            try:
                rows = marshal.load(f)  # noqa: S302 - our own spool file  # nosec B302
            except EOFError:
                break
            for row in rows:
                if len(row) < width:
                    row.extend([None] * (width - len(row)))
                if pending is not None and pending[0] == row[0]:
                    for index, cell in pending[1]:
                        row[offset + index] = cell
                    pending = next(orders, None)
                if ranks:
                    _add_ranks(row, ranks)
                batch.append(row)
                if len(batch) == chunk:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def labels(self) -> tuple[dict, dict, dict]:
        """(column labels, value labels, missing codes) of the answer columns, from the codebook."""
        column_labels, value_labels, missing = {}, {}, {}
        for column, is_text, whole in zip(self.columns, self.is_text, self.is_integer,
                                          strict=True):
            if (shown := split_order_column(column)) is not None:
                phase, module, item_id, kind = shown
                head = f"{phase}_{module}" if module else phase
                what = "place on the page" if kind == "position" else "options as shown"
                column_labels[column] = f"[{head}] {item_id}: {what}"
                continue
            phase, module, item_id = split_wide_column(column)
            item = self.items[item_id]
            head = f"{phase}_{module}" if module else phase
            column_labels[column] = f"[{head}] {item['text'][self.lang]}"
            number = int if whole else float
            if not is_text and item["options"]:
                value_labels[column] = {number(o["code"]): o["label"][self.lang]
                                        for o in item["options"]}
            codes = [number(c) for c in item["missing_codes"]] if item["options"] else []
            if not is_text and item.get("not_shown_code") is not None:  # 1.11
                code = number(item["not_shown_code"])
                value_labels.setdefault(column, {})[code] = NOT_SHOWN_LABEL
                codes.append(code)
            if not is_text and codes:
                missing[column] = codes
        return {**column_labels, **self.rank_labels()}, value_labels, missing

    def rank_labels(self) -> dict[str, str]:
        """Variable labels of the rank columns: the option's label, then the item's wording."""
        labels = {}
        for name, _, column, option in self.ranks():
            phase, module, item_id = split_wide_column(column)
            item = self.items[item_id]
            label = next(o["label"][self.lang] for o in item["options"] if o["id"] == option)
            head = f"{phase}_{module}" if module else phase
            labels[name] = f"[{head}] rank of {label}: {item['text'][self.lang]}"
        return labels

    def close(self) -> None:
        self._people_file.close()
        self._rows_file.close()
        self._orders_file.close()



def _add_ranks(row: list, ranks: list[tuple[int, str]]) -> None:
    """Append each option's rank (1 = first; None: not ranked) from its answer's ranked ids."""
    order: dict[str, int] = {}
    cell_of = None
    for at, option in ranks:
        if at != cell_of:
            cell_of = at
            text = row[at]
            order = {o: k for k, o in enumerate(text.split("|"), start=1)} if text else {}
        row.append(order.get(option))
