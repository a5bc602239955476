"""A spoken choice that cannot be taken without guessing."""

from __future__ import annotations


class Unclear(Exception):
    """Nothing fits, or more than one option fits equally well."""

    def __init__(self, candidates: list[int] | None = None) -> None:
        super().__init__()
        self.candidates = candidates or []
