"""Tables that never cut a number, at any terminal width.

Rich squeezes a table that is wider than the terminal by shortening its columns, and a number
that no longer fits ends in `…` (`187… │ 864…`): a trader cannot act on that. Here a numeric
column is never narrower than its widest figure and its header; text columns wrap (folding long
words). When even that does not fit, the columns are split over several tables stacked one
under the other, each repeating the key columns (the sleeve, the metric, the symbol) so every
row stays readable.

Every cell is literal text: a message holding `[sleeves]` prints as `[sleeves]`, never as
markup. Styled cells are passed as `rich.text.Text`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

Cell = str | Text

# Rich draws `│ a │ b │`: one space each side of a cell plus one rule per column and one more.
_PER_COLUMN = 3
_TEXT_MIN = 8  # a text column may wrap down to this width (or its longest word if shorter)


@dataclass(frozen=True)
class Column:
    """`numeric` columns are right-aligned and never wrapped or shortened."""

    header: str
    numeric: bool = False
    style: str | None = None


def number(header: str) -> Column:
    return Column(header, numeric=True)


def text(header: str, style: str | None = None) -> Column:
    return Column(header, style=style)


class FittedTable:
    """A table laid out for the width it is printed at (see the module docstring)."""

    def __init__(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Cell]],
        *,
        title: str | None = None,
        keys: int = 1,
    ) -> None:
        self.columns = list(columns)
        self.rows = [[c if isinstance(c, Text) else Text(c) for c in row] for row in rows]
        self.title = title
        self.keys = max(0, min(keys, len(self.columns) - 1))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        mins = [self._min_width(i) for i in range(len(self.columns))]
        if sum(mins) + _PER_COLUMN * len(mins) + 1 > options.max_width:
            # Stacked tables: the repeated key columns read best unwrapped, when there is room.
            natural = [max([len(self.columns[i].header), *(r[i].cell_len for r in self.rows)])
                       for i in range(self.keys)]  # fmt: skip
            widest_other = max(mins[self.keys :], default=0)
            if sum(natural) + widest_other + _PER_COLUMN * (self.keys + 1) + 1 <= options.max_width:
                mins[: self.keys] = natural
        for n, chunk in enumerate(_chunks(mins, self.keys, options.max_width)):
            title = self.title if n == 0 or self.title is None else f"{self.title} (continued)"
            table = self._table(chunk, mins, title)
            if title is not None:  # a narrow chunk must not fold its title letter by letter
                table.min_width = min(len(title), options.max_width)
            yield table

    def _min_width(self, i: int) -> int:
        column = self.columns[i]
        cells = [row[i].cell_len for row in self.rows]
        widest = max(cells, default=0)
        if column.numeric:
            return max(widest, len(column.header))
        words = [len(w) for w in column.header.split()]
        for row in self.rows:
            words.extend(len(w) for w in row[i].plain.split())
        longest_word = max(words, default=1)
        return max(min(widest, _TEXT_MIN), min(longest_word, _TEXT_MIN), 1)

    def _table(self, chunk: list[int], mins: list[int], title: str | None) -> Table:
        table = Table(title=None if title is None else Text(title))  # literal, like the cells
        for i in chunk:
            column = self.columns[i]
            table.add_column(
                column.header,
                justify="right" if column.numeric else "left",
                no_wrap=column.numeric,
                overflow="fold",
                min_width=mins[i],
                style=column.style,
            )
        for row in self.rows:
            table.add_row(*(row[i] for i in chunk))
        return table


def _chunks(mins: list[int], keys: int, width: int) -> Iterator[list[int]]:
    """Column indexes per stacked table: all of them when they fit, else the key columns plus
    as many of the others as fit, in order (at least one each, so progress is certain)."""
    total = sum(mins) + _PER_COLUMN * len(mins) + 1
    if total <= width:
        yield list(range(len(mins)))
        return
    key_cols = list(range(keys))
    used = sum(mins[:keys]) + _PER_COLUMN * keys + 1
    chunk: list[int] = []
    spent = used
    for i in range(keys, len(mins)):
        need = mins[i] + _PER_COLUMN
        if chunk and spent + need > width:
            yield key_cols + chunk
            chunk, spent = [], used
        chunk.append(i)
        spent += need
    if chunk:
        yield key_cols + chunk
