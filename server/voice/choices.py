"""Understanding a spoken choice: labels, values, aliases, positions, small slips."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from ..survey.model import Step
from .language import Language, normalize, remove_phrases

# A slip is forgiven only when the best option is close and clearly ahead of the next:
# asking again is better than a wrong guess.
FUZZY_THRESHOLD = 80
FUZZY_MARGIN = 10
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MARK = "\u00a7"  # never left in normalised text
MIN_FUZZY_LENGTH = 4  # "ca" is not "car": fragments are too easily anything


class Unclear(Exception):
    """Nothing fits, or more than one option fits equally well."""

    def __init__(self, candidates: list[int] | None = None) -> None:
        super().__init__()
        self.candidates = candidates or []


@dataclass(frozen=True)
class Names:
    """Every normalised way of naming each option of a step."""

    by_option: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, step: Step) -> Names:
        names = []
        for option in step.options:
            forms = {normalize(option.label), normalize(option.value)}
            forms.update(normalize(alias) for alias in option.aliases)
            names.append(tuple(sorted((f for f in forms if f), key=len, reverse=True)))
        return cls(tuple(names))


def mentioned_spans(text: str, names: Names) -> list[tuple[int, int, int]]:
    """(start, end, option) of options named as whole words; a longer name wins over a
    shorter one inside it ("quiet carriage" over "carriage")."""
    spans: list[tuple[int, int, int]] = []
    padded = f" {text} "
    for index, forms in enumerate(names.by_option):
        for form in forms:
            start = padded.find(f" {form} ")
            while start != -1:
                spans.append((start + 1, start + 1 + len(form), index))
                start = padded.find(f" {form} ", start + 1)
    spans.sort(key=lambda span: span[0] - span[1])  # longest first
    taken: list[tuple[int, int, int]] = []
    for span in spans:
        if all(span[1] <= other[0] or span[0] >= other[1] for other in taken):
            taken.append(span)
    return sorted(taken)


def mark_options(text: str, names: Names) -> str:
    """Replace each named option by a marker, so a label holding "and" survives the split."""
    marked = f" {text} "
    for start, end, index in reversed(mentioned_spans(text, names)):
        marked = f"{marked[:start]}{MARK}{index}{marked[end:]}"
    return " ".join(marked.split())


def position(part: str, count: int, language: Language) -> int | None:
    """'the second one', 'number three', 'option B', 'the last one', '2' -> an index."""
    tokens = part.split()
    if tokens and tokens[0] == "the":
        tokens = tokens[1:]
    followers = ("one", "option", "choice", "answer")
    if 1 <= len(tokens) <= 2 and tokens[0] in language.ordinals and (
        len(tokens) == 1 or tokens[1] in followers
    ):
        ordinal = language.ordinals[tokens[0]]
        index = count - 1 if ordinal == -1 else ordinal - 1
        return index if 0 <= index < count else None
    prefixed = len(tokens) == 2 and tokens[0] in language.position_words
    if not prefixed and len(tokens) != 1:
        return None
    word = tokens[-1]
    if word.isdigit():
        index = int(word) - 1
    elif word in language.small_numbers:
        index = language.small_numbers[word] - 1
    elif prefixed and len(word) == 1 and word in LETTERS:
        index = LETTERS.index(word)  # "option b"; a bare letter is too easily misheard
    else:
        return None
    return index if 0 <= index < count else None


def fuzzy(part: str, names: Names) -> int | None:
    if len(part) < MIN_FUZZY_LENGTH:
        return None
    scores = [max((fuzz.ratio(part, form) for form in forms), default=0) for forms in names.by_option]
    ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
    best = ranked[0]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0
    if scores[best] >= FUZZY_THRESHOLD and scores[best] - runner_up >= FUZZY_MARGIN:
        return best
    if scores[best] >= FUZZY_THRESHOLD:
        raise Unclear([best, ranked[1]])
    return None


def resolve_part(part: str, step: Step, names: Names, language: Language) -> list[int]:
    """The options one part of the utterance means; Unclear when it means nothing."""
    marked = [int(word[1:]) for word in part.split() if word.startswith(MARK)]
    if marked:
        return marked
    at = position(part, len(step.options), language)
    if at is not None:
        return [at]
    bare = remove_phrases(part, language.articles)
    index = fuzzy(bare, names) if bare else None
    if index is None:
        raise Unclear()
    return [index]


def split_parts(text: str, language: Language) -> list[str]:
    parts = [text]
    for conjunction in language.conjunctions:
        parts = [p.strip() for part in parts for p in f" {part} ".split(f" {conjunction} ")]
    return [p for p in parts if p]


def choose(step: Step, text: str, language: Language) -> list[int]:
    """The indexes of the options meant, in option order. Every part of what was said
    must be understood; otherwise, or when a single choice hears two, Unclear."""
    names = Names.of(step)
    text = remove_phrases(text, language.fillers)
    multi = step.type == "multi_choice"
    if multi and text in language.all:
        return list(range(len(step.options)))
    if multi and text in language.none:
        return []
    picked: list[int] = []
    for part in split_parts(mark_options(text, names), language):
        for index in resolve_part(part, step, names, language):
            if index not in picked:
                picked.append(index)
    if not picked or (not multi and len(picked) > 1):
        raise Unclear(picked)
    return sorted(picked)
