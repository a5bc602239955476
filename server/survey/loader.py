"""Loads the surveys directory: every file checked whole, or start-up stops."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import strict_json
from .access_fields import ACCESS_FIELDS, parse_access_fields
from .condition_parser import comparisons, condition_steps, parse_condition
from .errors import SurveyError, SurveyFileError, json_type_name
from .languages import parse_languages, resolve
from .model import Rule, Step, Survey
from .step_parser import parse_step

logger = logging.getLogger(__name__)

SURVEY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TOP_FIELDS = {"id", "title", "version", "default", "steps", "language", "languages",
              *ACCESS_FIELDS}
MAX_FILE_BYTES = 5 * 1024 * 1024
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "surveys"


@dataclass(frozen=True)
class SurveyCatalog:
    surveys: dict[str, Survey]
    default_id: str | None
    warnings: tuple[str, ...] = field(default=())

    def get(self, survey_id: str | None) -> Survey | None:
        """The named survey, or the default one when no name is given."""
        key = self.default_id if survey_id is None else survey_id
        return None if key is None else self.surveys.get(key)


def load_catalog(directory: Path) -> SurveyCatalog:
    """Load every `*.json` file in `directory`; raise SurveyFileError on the first fault."""
    files = sorted(p for p in directory.glob("*.json") if p.is_file())
    if not files:
        raise SurveyFileError(directory, "", "no survey files (*.json) in this directory")
    surveys: dict[str, Survey] = {}
    warnings: list[str] = []
    for file in files:
        survey, file_warnings = load_survey_file(file)
        if survey.id in surveys:
            other = surveys[survey.id].source
            raise SurveyFileError(file, "id", f"survey id '{survey.id}' is already used by {other}")
        surveys[survey.id] = survey
        warnings.extend(file_warnings)
    defaults = [s for s in surveys.values() if s.is_default]
    if len(defaults) > 1:
        names = ", ".join(str(s.source) for s in defaults)
        raise SurveyFileError(defaults[1].source or directory, "default",
                              f"only one survey may be the default; marked in {names}")
    if defaults:
        default_id: str | None = defaults[0].id
    else:
        default_id = next(iter(surveys)) if len(surveys) == 1 else None
    for warning in warnings:
        logger.warning("%s", warning)
    return SurveyCatalog(surveys=surveys, default_id=default_id, warnings=tuple(warnings))


def load_survey_file(file: Path) -> tuple[Survey, list[str]]:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise SurveyFileError(file, "", f"file is larger than {MAX_FILE_BYTES} bytes")
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyFileError(file, "", f"cannot read the file: {exc}") from None
    try:
        document = strict_json.loads(text)
    except json.JSONDecodeError as exc:
        raise SurveyFileError(
            file, "", f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError as exc:
        raise SurveyFileError(file, "", str(exc)) from None
    try:
        return parse_survey(document, file)
    except SurveyError as exc:
        raise SurveyFileError(file, exc.path, exc.fault) from None


def parse_survey(document: Any, source: Path | None = None) -> tuple[Survey, list[str]]:
    """Check a decoded survey document; return the survey (its first language) and warnings.

    Each language is resolved into a one-language document and checked whole, so every
    translation has the same steps, values and branches.
    """
    if not isinstance(document, dict):
        raise SurveyError("", f"a survey must be a JSON object, not {json_type_name(document)}")
    for key in document:
        if key not in TOP_FIELDS:
            raise SurveyError(key, "unknown field")
    languages = parse_languages(document)
    translations: dict[str, Survey] = {}
    warnings: list[str] = []
    for language in languages:
        survey, found = _parse_one_language(resolve(document, language, languages), source)
        translations[language] = replace(survey, languages=languages, language=language)
        warnings = warnings or found
    for survey in translations.values():
        object.__setattr__(survey, "translations", translations)
    return translations[languages[0]], warnings


def _parse_one_language(
    document: dict[str, Any], source: Path | None
) -> tuple[Survey, list[str]]:
    survey_id = document.get("id")
    if not isinstance(survey_id, str) or not SURVEY_ID.match(survey_id):
        raise SurveyError("id", "must match ^[a-z0-9][a-z0-9_-]{0,63}$")
    title = document.get("title")
    if not isinstance(title, str) or not title.strip():
        raise SurveyError("title", "must be a non-empty string")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SurveyError("version", "must be a whole number, 1 or more")
    is_default = document.get("default", False)
    if not isinstance(is_default, bool):
        raise SurveyError("default", "must be true or false")
    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise SurveyError("steps", "must be a non-empty list")
    access_fields = parse_access_fields(document)

    steps: dict[str, Step] = {}
    raw_next: dict[str, Any] = {}
    index: dict[str, int] = {}
    for i, raw in enumerate(raw_steps):
        step, nxt = parse_step(raw, f"steps[{i}]")
        if step.id in steps:
            raise SurveyError(f"steps[{i}].id", f"duplicate step id '{step.id}'")
        steps[step.id] = step
        raw_next[step.id] = nxt
        index[step.id] = i
    order = tuple(steps)
    for i, step_id in enumerate(order):
        following = order[i + 1] if i + 1 < len(order) else None
        rules = _resolve_next(steps[step_id], raw_next[step_id], following, f"steps[{i}]", steps)
        object.__setattr__(steps[step_id], "rules", rules)
    if steps[order[0]].is_end:
        raise SurveyError("steps[0].type", "the first step cannot be an end step")
    _check_no_cycles(steps, index)
    survey = Survey(
        id=survey_id, title=title, version=version, steps=steps, first_step=order[0],
        is_default=is_default, source=source, order=order, **access_fields,
    )
    return survey, _unreachable_warnings(survey, source)


def _resolve_next(
    step: Step, raw: Any, following: str | None, path: str, steps: dict[str, Step]
) -> tuple[Rule, ...]:
    if step.is_end:
        return ()
    if raw is None:
        if following is None:
            raise SurveyError(path, "the last step must be an end step or say where to go (next)")
        return (Rule(goto=following),)
    if isinstance(raw, str):
        _check_target(raw, f"{path}.next", steps)
        return (Rule(goto=raw),)
    if not isinstance(raw, list) or not raw:
        raise SurveyError(f"{path}.next", "must be a step id or a non-empty list of rules")
    rules: list[Rule] = []
    for i, item in enumerate(raw):
        rule_path = f"{path}.next[{i}]"
        if not isinstance(item, dict):
            raise SurveyError(rule_path, "a rule must be an object with goto (and if)")
        for key in item:
            if key not in ("if", "goto"):
                raise SurveyError(f"{rule_path}.{key}", "unknown field for a rule")
        goto = item.get("goto")
        if not isinstance(goto, str):
            raise SurveyError(f"{rule_path}.goto", "is required and must be a step id")
        _check_target(goto, f"{rule_path}.goto", steps)
        is_last = i == len(raw) - 1
        if "if" not in item:
            if not is_last:
                raise SurveyError(rule_path, "only the last rule may have no 'if'")
            rules.append(Rule(goto=goto))
            continue
        if is_last:
            raise SurveyError(rule_path, "the last rule must have no 'if', so every answer leads on")
        condition = parse_condition(item["if"], f"{rule_path}.if", step.id)
        _check_condition_against_steps(condition, f"{rule_path}.if", steps)
        rules.append(Rule(goto=goto, condition=condition))
    return tuple(rules)


def _check_target(goto: str, path: str, steps: dict[str, Step]) -> None:
    if goto not in steps:
        raise SurveyError(path, f"no step has the id '{goto}'")


def _check_condition_against_steps(condition: Any, path: str, steps: dict[str, Step]) -> None:
    """Catch typos: unknown step ids and values that are not options of the step tested."""
    for step_id in condition_steps(condition):
        if step_id not in steps:
            raise SurveyError(path, f"the condition tests unknown step '{step_id}'")
    for compare in comparisons(condition):
        target = steps[compare.step]
        operands = compare.operand if compare.op == "in" else [compare.operand]
        # Operands naming options; for a multi-choice step, `in` compares whole lists.
        names_options = target.type == "single_choice" or (
            target.type == "multi_choice" and compare.op != "in"
        )
        if names_options:
            values = target.option_values()
            for operand in operands:
                if isinstance(operand, str) and operand not in values:
                    raise SurveyError(
                        path, f"'{operand}' is not an option of step '{target.id}'"
                    )
        if target.type == "yes_no" and compare.op in ("equals", "not_equals"):
            if not isinstance(compare.operand, bool):
                raise SurveyError(path, f"step '{target.id}' is yes/no: compare with true or false")


def _check_no_cycles(steps: dict[str, Step], index: dict[str, int]) -> None:
    done: set[str] = set()
    for start in steps:
        if start in done:
            continue
        # Iterative depth-first search; `trail` is the current path for the message.
        trail: list[str] = []
        on_trail: set[str] = set()
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, child = stack.pop()
            targets = [rule.goto for rule in steps[node].rules]
            if child == 0:
                trail.append(node)
                on_trail.add(node)
            if child < len(targets):
                stack.append((node, child + 1))
                target = targets[child]
                if target in on_trail:
                    loop = trail[trail.index(target):] + [target]
                    raise SurveyError(
                        f"steps[{index[node]}].next",
                        f"the steps form a cycle: {' -> '.join(loop)}",
                    )
                if target not in done:
                    stack.append((target, 0))
            else:
                trail.pop()
                on_trail.discard(node)
                done.add(node)


def _unreachable_warnings(survey: Survey, source: Path | None) -> list[str]:
    seen = {survey.first_step}
    queue = [survey.first_step]
    while queue:
        for rule in survey.steps[queue.pop()].rules:
            if rule.goto not in seen:
                seen.add(rule.goto)
                queue.append(rule.goto)
    unreachable = [s for s in survey.order if s not in seen]
    if not unreachable:
        return []
    where = source or survey.id
    return [f"{where}: no path reaches step(s) {', '.join(unreachable)}"]
