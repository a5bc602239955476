"""The survey engine: loading and checking survey files, values, branching, progress."""

from .errors import SurveyFileError
from .loader import BUNDLED_DIR, SurveyCatalog, load_catalog, parse_survey
from .model import Option, Rule, Step, Survey
from .navigation import next_step, on_path_answers, progress
from .values import InvalidAnswer, validate_value

__all__ = [
    "BUNDLED_DIR", "InvalidAnswer", "Option", "Rule", "Step", "Survey", "SurveyCatalog",
    "SurveyFileError", "load_catalog", "next_step", "on_path_answers", "parse_survey",
    "progress", "validate_value",
]
