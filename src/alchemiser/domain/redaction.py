"""Masks secrets in any text before it reaches a log, report, error record or the ledger."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH)

    def __call__(self, text: str) -> str:
        # Longest first so that a secret containing another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def mask_identifier(value: str, visible: int = 4) -> str:
    """Show only the last characters of an account number or key id."""
    if len(value) <= visible:
        return MASK
    return MASK + value[-visible:]
