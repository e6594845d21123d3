"""JSON text ↔ Python values at any nesting depth.

The standard `json` module recurses (its C scanner and encoder give up near the recursion limit,
about 250 symphony levels deep). These fall back to an explicit stack only when the standard
module refuses, so ordinary scores keep the C speed and deep ones still load and save.
"""

from __future__ import annotations

import json
import re
from typing import Any

from alchemiser.domain.errors import SymphonyParseError

_TOKEN = re.compile(
    r"""[ \t\r\n]*(?:
        ("(?:[^"\\]|\\.)*+")                       # 1 string
      | (-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?) # 2 number
      | ([{}\[\]:,])                               # 3 punctuation
      | (true|false|null)                          # 4 literal
      | (\S)                                       # 5 anything else
      | \Z
    )""",
    re.VERBOSE | re.DOTALL,
)
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}()]")

MAX_DEPTH = 4_000
"""Deepest JSON nesting read. Composer JSON spends two brackets (an object and its `children`
list) per level where `.clj` spends one or two, so this matches the `.clj` reader's 2,000."""

MAX_INT_DIGITS = 4_000
"""Longer integers are read as floats (inf when huge): Python refuses to convert integers of
more than 4,300 digits, and no symphony number needs more than a handful. The importer and the
validator then report the value where it stands (not a whole number, not finite)."""


def _number(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else float(text)


def max_nesting(text: str) -> int:
    """The deepest bracket nesting of JSON or `.clj` text (brackets in strings do not count)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{(" else -1
        deepest = max(deepest, depth)
    return deepest


class DeepJSONError(ValueError):
    """Malformed JSON found by the iterative decoder; `position` is the character offset."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.msg = message
        self.lineno = text.count("\n", 0, position) + 1
        self.colno = position - (text.rfind("\n", 0, position) + 1) + 1
        super().__init__(f"{message}: line {self.lineno} column {self.colno}")


def refuse_too_deep(text: str, limit: int, source: str, form: str) -> None:
    """A writer never produces a file its reader refuses: text nested deeper than the reader's
    limit is an error here, not a file that fails to load later."""
    depth = max_nesting(text)
    if depth > limit:
        raise SymphonyParseError(
            f"as {form} this symphony nests {depth} brackets deep; the reader accepts {limit}",
            source=source,
            suggested_action="Keep it in its current form, or flatten the deepest branches.",
        )


def loads(text: str | bytes) -> Any:
    """`json.loads`, or the iterative decoder when the text nests too deeply for it."""
    try:
        return json.loads(text, parse_int=_number)
    except RecursionError:
        decoded = text.decode("utf-8-sig") if isinstance(text, bytes) else text
        return _loads_iteratively(decoded)


def dumps(value: Any) -> str:
    """Compact JSON (C encoder), or the iterative encoder when the value nests too deeply."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except RecursionError:
        return _dumps_iteratively(value)


def _loads_iteratively(text: str) -> Any:
    # containers under construction: [container, pending dict key or None, colon seen]
    stack: list[list[Any]] = []
    result: Any = None
    have_result = False
    expect_value = True
    for match in _TOKEN.finditer(text):
        group = match.lastindex
        at = match.start(group) if group else match.end()
        if group is None:  # end of text
            if stack or not have_result:
                raise DeepJSONError("Expecting value", text, at)
            return result
        if have_result and not stack:
            raise DeepJSONError("Extra data", text, at)
        token = match.group(group)
        if group == 3 and token in "]}":
            if not stack:
                raise DeepJSONError("Unexpected closing bracket", text, at)
            container, key, _ = stack.pop()
            if (token == "]") != isinstance(container, list):
                raise DeepJSONError("Mismatched closing bracket", text, at)
            if key is not None or (expect_value and container):
                raise DeepJSONError("Expecting value", text, at)
            value: Any = container
            expect_value = True  # the finished container is the value its parent expected
        elif group == 3 and token == ",":
            if expect_value or not stack:
                raise DeepJSONError("Unexpected ','", text, at)
            expect_value = True
            continue
        elif group == 3 and token == ":":
            if not stack or stack[-1][1] is None or stack[-1][2]:
                raise DeepJSONError("Unexpected ':'", text, at)
            stack[-1][2] = True
            expect_value = True
            continue
        elif group == 3:
            if not expect_value:
                raise DeepJSONError("Expecting ',' delimiter", text, at)
            if len(stack) >= MAX_DEPTH:
                raise DeepJSONError(
                    f"nesting deeper than {MAX_DEPTH} brackets; a symphony never needs this",
                    text,
                    at,
                )
            stack.append([{} if token == "{" else [], None, False])
            expect_value = True
            continue
        elif group == 1:
            value = json.loads(token)
            if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is None:
                if not expect_value:
                    raise DeepJSONError("Expecting ',' delimiter", text, at)
                stack[-1][1] = value
                expect_value = False
                continue
        elif group == 2:
            value = float(token) if any(c in token for c in ".eE") else _number(token)
        elif group == 4:
            value = _LITERALS[token]
        else:
            raise DeepJSONError("Expecting value", text, at)
        if stack:
            container, key, colon = stack[-1]
            if not expect_value:
                raise DeepJSONError("Expecting ',' delimiter", text, at)
            if isinstance(container, dict):
                if key is None:
                    raise DeepJSONError(
                        "Expecting property name enclosed in double quotes", text, at
                    )
                if not colon:
                    raise DeepJSONError("Expecting ':' delimiter", text, at)
                container[key] = value
                stack[-1][1] = None
                stack[-1][2] = False
            else:
                container.append(value)
            expect_value = False
        else:
            result, have_result = value, True
            expect_value = False
    raise DeepJSONError("Expecting value", text, len(text))  # pragma: no cover - \Z always matches


class _Raw(str):
    """JSON text to emit as is (as opposed to a string value to encode)."""

    __slots__ = ()


def _dumps_iteratively(value: Any) -> str:
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Raw:
            out.append(item)
            continue
        todo: list[Any]
        if isinstance(item, dict):
            todo = [_Raw("{")]
            for i, (key, child) in enumerate(item.items()):
                prefix = "," if i else ""
                todo += [_Raw(prefix + json.dumps(str(key), ensure_ascii=False) + ":"), child]
            todo.append(_Raw("}"))
        elif isinstance(item, list | tuple):
            todo = [_Raw("[")]
            for i, child in enumerate(item):
                if i:
                    todo.append(_Raw(","))
                todo.append(child)
            todo.append(_Raw("]"))
        else:
            out.append(json.dumps(item, ensure_ascii=False))
            continue
        stack.extend(reversed(todo))
    return "".join(out)
