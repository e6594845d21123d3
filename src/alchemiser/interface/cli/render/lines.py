"""Lines of output built from literal text and styles, never from markup.

Messages, notes, file and sleeve names come from users and other systems: `[sleeves]`,
`[then …]` must print as written, which Rich markup would swallow.
"""

from __future__ import annotations

from rich.text import Text


def line(*parts: str | tuple[str, str]) -> Text:
    """`line(("note:", "yellow"), " ", message)`: plain strings literal, pairs styled."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(part[0], style=part[1])
        else:
            out.append(part)
    return out
