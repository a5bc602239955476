"""Spoken answers: what a speech recogniser heard, turned into a value for a step."""

from .interpret import NoMatch, interpret
from .language import Language, languages, load_language

__all__ = ["Language", "NoMatch", "interpret", "languages", "load_language"]
