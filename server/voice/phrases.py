"""Finding a language's phrases in normalised text, as whole words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Match:
    """Words start..end (exclusive) of the text are `phrase`, of some kind."""

    start: int
    end: int
    phrase: str
    kind: str


def contains_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def contains_any(text: str, phrases: Iterable[str]) -> bool:
    return any(contains_phrase(text, phrase) for phrase in phrases)


def remove_phrases(text: str, phrases: tuple[str, ...]) -> str:
    padded = f" {text} "
    for phrase in phrases:  # longest first, so "i think" goes before "i"
        while f" {phrase} " in padded:
            padded = padded.replace(f" {phrase} ", " ")
    return " ".join(padded.split())


def droppable(words: list[str], drop: Iterable[str], keep: Iterable[str] = ()) -> list[Match]:
    """Where the phrases to drop are, unless a longer phrase to keep holds them: the filler
    "i" in "ich meine" (a correction) stays."""
    kinds = dict.fromkeys(drop, "drop")
    kinds.update(dict.fromkeys(keep, "keep"))
    return [match for match in scan(words, kinds) if match.kind == "drop"]


def without(text: str, drop: Iterable[str], keep: Iterable[str] = ()) -> str:
    words = text.split()
    for match in reversed(droppable(words, drop, keep)):
        del words[match.start:match.end]
    return " ".join(words)


def scan(words: list[str], kinds: Mapping[str, str]) -> list[Match]:
    """Phrases found left to right, the longest at each place, without overlaps: in
    "why not" the agreeing phrase takes the "not" before the negation can."""
    longest = max((len(phrase.split()) for phrase in kinds), default=0)
    found: list[Match] = []
    at = 0
    while at < len(words):
        for length in range(min(longest, len(words) - at), 0, -1):
            phrase = " ".join(words[at:at + length])
            if phrase in kinds:
                found.append(Match(at, at + length, phrase, kinds[phrase]))
                at += length
                break
        else:
            at += 1
    return found


def strip_edges(words: list[str], edges: tuple[str, ...]) -> list[str]:
    """Without the joining words left at either end ("and the train" -> "the train")."""
    start, end = 0, len(words)
    while start < end and words[start] in edges:
        start += 1
    while end > start and words[end - 1] in edges:
        end -= 1
    return words[start:end]
