"""Symphony files on disk: read, detect the form (`.clj` text or Composer JSON), parse.

The domain parsers take text; this module owns the file system side: missing files,
directories, unreadable or non-UTF-8 bytes all become a SymphonyParseError naming the file (and,
for bad bytes, the line and column), never a bare OSError or UnicodeDecodeError.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony.composer_json import parse_composer_json
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Symphony

_JSON_SUFFIXES = frozenset({".json"})
_CLJ_SUFFIXES = frozenset({".clj", ".edn", ".cljs", ".cljc"})


class SymphonyFormat(StrEnum):
    CLJ = "clj"
    JSON = "json"


def detect_format(path: Path, text: str) -> SymphonyFormat:
    """By extension first; otherwise a score is a JSON object (`{`), anything else `.clj`."""
    suffix = path.suffix.lower()
    if suffix in _JSON_SUFFIXES:
        return SymphonyFormat.JSON
    if suffix in _CLJ_SUFFIXES:
        return SymphonyFormat.CLJ
    return SymphonyFormat.JSON if text.lstrip()[:1] == "{" else SymphonyFormat.CLJ


def read_symphony_text(path: Path) -> str:
    """The file's text (UTF-8, a BOM tolerated), or a SymphonyParseError naming the problem."""
    source = str(path)
    if not path.exists():
        raise SymphonyParseError(
            "no such symphony file",
            source=source,
            suggested_action="Check the path (or use a built-in name: nuclear, tecl, klm).",
        )
    if path.is_dir():
        raise SymphonyParseError(
            "is a directory, not a symphony file",
            source=source,
            suggested_action="Give the path of a .clj or .json file inside it.",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SymphonyParseError(
            f"cannot read the file: {exc.strerror or exc}",
            source=source,
            suggested_action="Check the file's permissions.",
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SymphonyParseError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)",
            source=source,
            line=line,
            column=column,
            suggested_action="Save the file as UTF-8 (Composer's exports already are).",
        ) from None


def parse_symphony_text(text: str, source: str, form: SymphonyFormat) -> Symphony:
    if form is SymphonyFormat.JSON:
        return parse_composer_json(text, source=source)
    return parse_clj(text, source=source)


def load_symphony_file(path: str | Path) -> Symphony:
    """Parse the symphony stored at `path` in whichever form it is written."""
    file = Path(path).expanduser()
    text = read_symphony_text(file)
    return parse_symphony_text(text, str(path), detect_format(file, text))
