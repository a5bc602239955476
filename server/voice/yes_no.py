"""Understanding a spoken yes or no, idioms included ("go on then, why not")."""

from __future__ import annotations

from .corrections import last_correction
from .language import Language
from .phrases import contains_any, scan


class NotYesOrNo(Exception):
    """Neither, both with a hedge ("sort of yes, sort of no"), or unsure."""


def read_yes_no(transcript: str, language: Language) -> bool:
    text = language.normalize(transcript)
    # A correction phrase holding an answer ("no sorry", "actually no") is an answer here.
    answers = language.yes + language.no
    markers = tuple(m for m in language.corrections if not contains_any(m, answers))
    text = last_correction(text, markers, language.conjunctions,  # "yes, sorry, I mean no"
                           keep=answers + language.unsure, trailing_is_polite=True)
    if contains_any(text, language.unsure):
        raise NotYesOrNo()  # "pues no sé" is unsure, however "pues no" reads
    kinds = dict.fromkeys(language.yes, "yes")
    kinds.update(dict.fromkeys(language.no, "no"))
    kinds.update(dict.fromkeys(language.unsure, "unsure"))
    # The longest phrase wins where phrases overlap: "why not" agrees, "not sure" doubts.
    heard = {match.kind for match in scan(text.split(), kinds)}
    # Both, uncorrected ("no, yes", "nah, why not"), is a guess either way; the idioms that
    # mean one of them ("yeah, no", "no yeah") are phrases of their own.
    if heard not in ({"yes"}, {"no"}):
        raise NotYesOrNo()
    return heard == {"yes"}
