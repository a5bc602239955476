"""Options named by where they stand: "the second one", "option number four", "option B",
"the last one", "the one in the middle"."""

from __future__ import annotations

from .language import Language
from .unclear import Unclear

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def position(part: str, count: int, language: Language, strict: bool = False) -> int | None:
    """'the second one', 'option number four', 'option B', 'the last one', 'the one in the
    middle', '2' -> an index. Strict, a bare number is no position ("all but one")."""
    words = part.split()
    prefixed = False
    while len(words) > 1 and words[0] in language.articles + language.position_words:
        prefixed = prefixed or words[0] in language.position_words
        words = words[1:]
    while len(words) > 1 and words[-1] in language.followers:
        words = words[:-1]
    phrase = " ".join(words)
    if phrase in language.ordinals:
        ordinal = language.ordinals[phrase]
        index = count + ordinal if ordinal < 0 else ordinal - 1
    elif phrase in language.middle:
        if count % 2 == 0:
            raise Unclear([count // 2 - 1, count // 2])  # two options share the middle
        index = count // 2
    elif len(words) != 1 or (strict and not prefixed):
        return None
    elif phrase.isdigit():
        index = int(phrase) - 1
    elif phrase in language.small_numbers:
        index = language.small_numbers[phrase] - 1
    elif prefixed and len(phrase) == 1 and phrase in LETTERS:
        index = LETTERS.index(phrase)  # "option b"; a bare letter is too easily misheard
    else:
        return None
    return index if 0 <= index < count else None
