"""Understanding a spoken choice: labels, values, aliases, positions, small slips,
corrections and refusals."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from ..survey.model import Step
from .corrections import Corrects, last_correction
from .language import Language
from .phrases import Match, remove_phrases, strip_edges
from .polarity import regions
from .positions import position
from .unclear import Unclear

# A slip is forgiven only when the best option is close and clearly ahead of the next:
# asking again is better than a wrong guess.
FUZZY_THRESHOLD = 80
FUZZY_MARGIN = 10
MARK = "\u00a7"  # never left in normalised text
MIN_FUZZY_LENGTH = 4  # "ca" is not "car": fragments are too easily anything


@dataclass(frozen=True)
class Names:
    """Every normalised way of naming each option of a step."""

    by_option: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, step: Step, language: Language) -> Names:
        names = []
        for option in step.options:
            forms = {language.normalize(option.label), language.normalize(option.value)}
            forms.update(language.normalize(alias) for alias in option.aliases)
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
    """Replace each named option by a marker, so that a label holding "and" or "not"
    survives the cutting that follows."""
    marked = f" {text} "
    for start, end, index in reversed(mentioned_spans(text, names)):
        marked = f"{marked[:start]}{MARK}{index}{marked[end:]}"
    return " ".join(marked.split())


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


def resolve_part(
    part: str, step: Step, names: Names, language: Language, strict: bool = False
) -> list[int]:
    """The options one part of the utterance means; Unclear when it means nothing. A strict
    part names options and nothing else: "not the bus" refuses the bus, but in "the bus is
    not running" the refusal is about something else."""
    words = part.split()
    marked = [int(word[1:]) for word in words if word.startswith(MARK)]
    if marked:
        if strict and any(w[:1] != MARK and w not in language.articles for w in words):
            raise Unclear()
        return marked
    at = position(part, len(step.options), language, strict)
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
    return [p for p in parts if p and p not in language.conjunctions]


def _correction_or_refusal(language: Language) -> Corrects:
    """A word that both corrects and refuses ("no") corrects when a pause follows it ("the
    bus, no, the train"), refuses an option it opens ("no bus"), and between two options
    without a pause ("the bus no the train") cannot be told apart."""

    def decide(words: list[str], match: Match) -> bool:
        if match.phrase not in language.negations:
            return True
        after = " ".join(words[match.end:])
        if not after or words[match.end] in language.conjunctions:
            return True
        if any(f"{after} ".startswith(f"{marker} ") for marker in language.corrections):
            return True  # "nein, Quatsch, der Zug"
        if match.start == 0:
            return False
        raise Unclear()

    return decide


def choose(step: Step, text: str, language: Language) -> list[int]:
    """The indexes of the options meant, in option order. Every part of what was said
    must be understood; otherwise, or when a single choice hears two, Unclear."""
    names = Names.of(step, language)
    text = " ".join(strip_edges(language.without_fillers(text).split(), language.conjunctions))
    multi = step.type == "multi_choice"
    if multi and text in language.none:
        return []
    marked = last_correction(mark_options(text, names), language.corrections,
                             language.conjunctions, _correction_or_refusal(language),
                             keep=language.negations + language.exclusions + language.contrasts)
    if multi and marked in language.none:
        return []  # "the wifi, no sorry, nothing"
    picked = _wanted_not_refused(marked, step, names, language)
    if not picked or (not multi and len(picked) > 1):
        raise Unclear(picked)
    return picked


def _wanted_not_refused(marked: str, step: Step, names: Names, language: Language) -> list[int]:
    multi = step.type == "multi_choice"
    every = list(range(len(step.options)))
    wanted: set[int] = set()
    refused: set[int] = set()
    said_all = False
    for region in regions(marked, language):
        parts = split_parts(region.words, language)
        if not region.refused:
            for part in parts:
                said_all = said_all or (multi and part in language.all)
                wanted.update(every if multi and part in language.all
                              else resolve_part(part, step, names, language))
            continue
        if not parts:
            raise Unclear()  # "the train, not": not what
        if len(parts) > 1 and wanted and not said_all:
            raise Unclear()  # "bus, tram, not metro, ferry": is the ferry refused too?
        for part in parts:
            refused.update(resolve_part(part, step, names, language, strict=True))
    if wanted & refused and not said_all:
        raise Unclear(sorted(wanted & refused))  # "the bus, not the bus"
    return sorted(wanted - refused)
