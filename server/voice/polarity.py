"""Which parts of a spoken choice are wanted and which are refused: "not the tram", "all
except the car", "not the bus but the train". The words are data; the scoping is here."""

from __future__ import annotations

from dataclasses import dataclass

from .language import Language
from .phrases import scan


@dataclass(frozen=True)
class Region:
    words: str
    refused: bool


def regions(text: str, language: Language) -> list[Region]:
    """The text cut at negations, exclusions and contrasts. A negation refuses everything up
    to the next contrast; a contrast after a refusal wants again ("not the bus but the
    train"), and after "all" it excludes ("all but the car")."""
    words = text.split()
    kinds = dict.fromkeys(language.contrasts, "contrast")
    kinds.update(dict.fromkeys(language.negations + language.exclusions, "refusal"))
    found: list[Region] = []
    start, refused = 0, False
    for match in scan(words, kinds):
        found.append(Region(" ".join(words[start:match.start]), refused))
        if match.kind == "refusal":
            refused = True
        else:
            refused = not refused and found[-1].words in language.all
        start = match.end
    found.append(Region(" ".join(words[start:]), refused))
    return found
