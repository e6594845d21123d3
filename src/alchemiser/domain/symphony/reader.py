"""The s-expression reader for the `.clj` symphony form: text → positioned forms.

Real files weigh megabytes and nest hundreds of brackets deep, so the reader is one compiled
regular expression driven by `re.finditer` (tokenising happens in C) plus an explicit stack of
open containers: linear time, no Python recursion at any depth. Runs of brackets such as
`)])]))` are one token. Every form keeps the offset where it starts; its line and column are
worked out from that only when asked for (an error, a node's position).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable
from enum import IntEnum

from alchemiser.domain.errors import SymphonyParseError

MAX_DEPTH = 2_000
"""Deeper nesting is rejected with a clear error: the deepest real symphony nests 288 brackets,
and a limit keeps pathological input (100,000 open brackets) from reaching later stages."""


class Kind(IntEnum):
    LIST = 0
    VECTOR = 1
    MAP = 2
    STRING = 3
    NUMBER = 4
    KEYWORD = 5
    SYMBOL = 6
    NIL = 7
    BOOLEAN = 8


Atom = str | int | float | bool | None
Value = Atom | list["Form"]


class LineIndex:
    """Character offset → (line, column), by bisecting the offsets where lines start.

    Positions are worked out only when asked for (a node's position, an error), so reading
    does no per-token line bookkeeping.
    """

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        self._starts = array("q", [0])
        self._starts.extend(m.end() for m in _NEWLINE.finditer(text))

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


class Form:
    """One read form: a container (`value` = its items) or an atom (`value` = the Python value).

    A keyword's value is its name without the colon; a symbol's value is its name. `parsed`
    holds what an `on_close` hook made of a container (see `read_forms`).
    """

    __slots__ = ("_lines", "kind", "offset", "parsed", "value")

    def __init__(self, kind: Kind, value: Value, offset: int, lines: LineIndex) -> None:
        self.kind = kind
        self.value = value
        self.offset = offset
        self._lines = lines
        self.parsed: object = None

    @property
    def position(self) -> tuple[int, int]:
        """(line, column), both counted from 1."""
        return self._lines.position(self.offset)

    @property
    def line(self) -> int:
        return self.position[0]

    @property
    def column(self) -> int:
        return self.position[1]

    @property
    def items(self) -> list[Form]:
        """The contained forms of a list, vector or map (a map's keys and values alternate)."""
        value = self.value
        if not isinstance(value, list):
            raise TypeError(f"{self.kind.name} has no items")
        return value

    @property
    def text(self) -> str:
        """A string's, keyword's or symbol's text (`str(value)` for any other atom)."""
        value = self.value
        return value if isinstance(value, str) else str(value)

    @property
    def number(self) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{self.kind.name} is not a number")
        return float(value)

    @property
    def is_container(self) -> bool:
        return self.kind <= Kind.MAP

    def __repr__(self) -> str:
        line, column = self.position
        if self.is_container:
            return f"Form({self.kind.name}, {len(self.items)} items @{line}:{column})"
        return f"Form({self.kind.name}, {self.value!r} @{line}:{column})"


_NEWLINE = re.compile("\n")
_DELIM = r"\s,()\[\]{}\";"
_TOKEN = re.compile(
    rf"""
    (?:[\s,]++|;[^\n]*+)*+                              # whitespace, commas, comments
    (?:
        ([(\[{{]++)                                     # 1 openers (a run: "[(" is common)
      | ([)\]}}]++)                                     # 2 closers (a run: ")])]))" is common)
      | ("[^"\\]*+(?:\\.[^"\\]*+)*+")                   # 3 string
      | ([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![^{_DELIM}])   # 4 number
      | (:[^{_DELIM}]+)                                 # 5 keyword
      | ([^{_DELIM}]+)                                  # 6 symbol
      | (")                                             # 7 unterminated string
      | \Z                                              # end of input
    )
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "b": "\b", "f": "\f"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)
_OPENERS = {"(": Kind.LIST, "[": Kind.VECTOR, "{": Kind.MAP}
_CLOSER_OF = {Kind.LIST: ")", Kind.VECTOR: "]", Kind.MAP: "}"}
_KIND_OF_CLOSER = {")": Kind.LIST, "]": Kind.VECTOR, "}": Kind.MAP}
_NAMES = {Kind.LIST: "list", Kind.VECTOR: "vector", Kind.MAP: "map"}
_CONSTANTS: dict[str, tuple[Kind, Atom]] = {
    "nil": (Kind.NIL, None),
    "true": (Kind.BOOLEAN, True),
    "false": (Kind.BOOLEAN, False),
}


def _unescape(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if len(code) == 5 else _ESCAPES.get(code, code)

    return _ESCAPE.sub(one, body)


def read_forms(
    text: str,
    source: str = "<symphony>",
    on_close: Callable[[Form], object] | None = None,
) -> list[Form]:
    """Every top-level form of `text`, in order.

    `on_close`, if given, is called with each container as soon as it is complete (its children
    first, so a caller can build bottom-up in the same pass) and its result stored in `parsed`.

    Raises SymphonyParseError (file:line:column) for an unbalanced or mismatched bracket, an
    unterminated string, a map with an odd number of forms, or nesting deeper than MAX_DEPTH.
    """
    lines = LineIndex(text)
    top: list[Form] = []
    items = top  # the item list currently being filled
    stack: list[Form] = []  # open containers, innermost last
    append = items.append
    symbol, string, number, keyword = Kind.SYMBOL, Kind.STRING, Kind.NUMBER, Kind.KEYWORD

    def fail(message: str, offset: int) -> SymphonyParseError:
        line, column = lines.position(offset)
        return SymphonyParseError(message, source=source, line=line, column=column)

    for match in _TOKEN.finditer(text):
        group = match.lastindex
        if group == 2:
            offset = match.start(2)
            for closer in match.group(2):
                if not stack:
                    raise fail(f"unexpected '{closer}' with no open bracket to close", offset)
                form = stack.pop()
                if _KIND_OF_CLOSER[closer] is not form.kind:
                    line, column = form.position
                    raise fail(
                        f"expected '{_CLOSER_OF[form.kind]}' to close the {_NAMES[form.kind]} "
                        f"opened at {line}:{column}, found '{closer}'",
                        offset,
                    )
                if form.kind is Kind.MAP and len(items) % 2:
                    line, column = form.position
                    raise fail(f"map opened at {line}:{column} has a key without a value", offset)
                items = stack[-1].value if stack else top  # type: ignore[assignment]
                append = items.append
                if on_close is not None:
                    form.parsed = on_close(form)
                offset += 1
        elif group == 1:
            offset = match.start(1)
            run = match.group(1)
            if len(stack) + len(run) > MAX_DEPTH:
                raise fail(
                    f"nesting deeper than {MAX_DEPTH} brackets; a symphony never needs this",
                    offset + MAX_DEPTH - len(stack),
                )
            for opener in run:
                children: list[Form] = []
                form = Form(_OPENERS[opener], children, offset, lines)
                append(form)
                stack.append(form)
                items = children
                append = items.append
                offset += 1
        elif group == 6:
            name = match.group(6)
            constant = _CONSTANTS.get(name)
            if constant is None:
                append(Form(symbol, name, match.start(6), lines))
            else:
                append(Form(constant[0], constant[1], match.start(6), lines))
        elif group == 3:
            raw = match.group(3)[1:-1]
            if "\\" in raw:
                raw = _unescape(raw)
            append(Form(string, raw, match.start(3), lines))
        elif group == 4:
            literal = match.group(4)
            value: int | float
            if "." in literal or "e" in literal or "E" in literal:
                value = float(literal)
            elif len(literal) <= 30:
                value = int(literal)
            else:
                raise fail(f"number with {len(literal)} digits is too long", match.start(4))
            append(Form(number, value, match.start(4), lines))
        elif group == 5:
            append(Form(keyword, match.group(5)[1:], match.start(5), lines))
        elif group == 7:
            raise fail(
                "unterminated string: expected a closing '\"' before the end of the input",
                match.start(7),
            )
        else:  # end of input
            if stack:
                form = stack[-1]
                line, column = form.position
                raise fail(
                    f"unexpected end of input: expected '{_CLOSER_OF[form.kind]}' to close the "
                    f"{_NAMES[form.kind]} opened at {line}:{column}"
                    + (f" ({len(stack)} brackets still open)" if len(stack) > 1 else ""),
                    match.end(),
                )
            break
    return top
