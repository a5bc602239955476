"""Checks one step object of a survey file and builds its Step."""

from __future__ import annotations

from typing import Any

from .conditions import is_number
from .errors import SurveyError, json_type_name
from .model import CHOICE_TYPES, DEFAULT_TEXT_MAX_LENGTH, STEP_TYPES, Option, Step

COMMON_FIELDS = {"id", "type", "prompt", "required", "next"}
TYPE_FIELDS: dict[str, set[str]] = {
    "single_choice": {"options"},
    "multi_choice": {"options", "min_selected", "max_selected"},
    "text": {"max_length"},
    "number": {"min", "max", "integer"},
    "scale": {"min", "max"},
    "yes_no": set(),
    "info": set(),
}
END_FIELDS = {"id", "type", "prompt"}
OPTION_FIELDS = {"value", "label", "aliases"}
STEP_ID_MAX = 64


def parse_step(raw: Any, path: str) -> tuple[Step, Any]:
    """Return the step (rules not yet resolved) and its raw `next` for the graph pass."""
    if not isinstance(raw, dict):
        raise SurveyError(path, f"a step must be an object, not {json_type_name(raw)}")
    step_id = _string(raw, "id", path)
    if len(step_id) > STEP_ID_MAX or not step_id.strip():
        raise SurveyError(f"{path}.id", f"must be 1 to {STEP_ID_MAX} visible characters")
    step_type = _string(raw, "type", path)
    if step_type not in STEP_TYPES:
        raise SurveyError(
            f"{path}.type", f"unknown step type '{step_type}' (known: {', '.join(STEP_TYPES)})"
        )
    allowed = END_FIELDS if step_type == "end" else COMMON_FIELDS | TYPE_FIELDS[step_type]
    for key in raw:
        if key not in allowed:
            raise SurveyError(f"{path}.{key}", f"unknown field for a {step_type} step")
    prompt = _string(raw, "prompt", path)
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise SurveyError(f"{path}.required", "must be true or false")
    fields: dict[str, Any] = {"id": step_id, "type": step_type, "prompt": prompt}
    if step_type != "end":
        fields["required"] = required
    typed = _TYPE_PARSERS.get(step_type)
    if typed is not None:
        fields.update(typed(raw, path, required))
    step = Step(**fields)
    return _with_public(step), raw.get("next")


def _string(raw: dict[str, Any], key: str, path: str) -> str:
    if key not in raw:
        raise SurveyError(f"{path}.{key}", "is required")
    value = raw[key]
    if not isinstance(value, str) or not value:
        raise SurveyError(f"{path}.{key}", f"must be a non-empty string, not {json_type_name(value)}")
    return value


def _optional_int(raw: dict[str, Any], key: str, path: str, default: int | None) -> int | None:
    value = raw.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise SurveyError(f"{path}.{key}", f"must be a whole number, not {json_type_name(value)}")
    return value


def _options(raw: dict[str, Any], path: str) -> tuple[Option, ...]:
    items = raw.get("options")
    if not isinstance(items, list) or not items:
        raise SurveyError(f"{path}.options", "must be a non-empty list")
    options: list[Option] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        item_path = f"{path}.options[{i}]"
        option = _option(item, item_path)
        if option.value in seen:
            raise SurveyError(item_path, f"duplicate option value '{option.value}'")
        seen.add(option.value)
        options.append(option)
    return tuple(options)


def _option(item: Any, path: str) -> Option:
    if isinstance(item, str) and item:
        return Option(value=item, label=item)
    if not isinstance(item, dict):
        raise SurveyError(path, "an option is a non-empty string or an object with value and label")
    for key in item:
        if key not in OPTION_FIELDS:
            raise SurveyError(f"{path}.{key}", "unknown field for an option")
    value = _string(item, "value", path)
    label = item.get("label", value)
    if not isinstance(label, str) or not label:
        raise SurveyError(f"{path}.label", "must be a non-empty string")
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise SurveyError(f"{path}.aliases", "must be a list of non-empty strings")
    return Option(value=value, label=label, aliases=tuple(aliases))


def _single_choice(raw: dict[str, Any], path: str, required: bool) -> dict[str, Any]:
    return {"options": _options(raw, path)}


def _multi_choice(raw: dict[str, Any], path: str, required: bool) -> dict[str, Any]:
    options = _options(raw, path)
    low = _optional_int(raw, "min_selected", path, 1 if required else 0)
    high = _optional_int(raw, "max_selected", path, len(options))
    assert low is not None and high is not None
    if low < 0:
        raise SurveyError(f"{path}.min_selected", "must not be negative")
    if high < max(low, 1):
        raise SurveyError(f"{path}.max_selected", f"must be at least {max(low, 1)}")
    if high > len(options):
        raise SurveyError(f"{path}.max_selected", f"there are only {len(options)} options")
    return {"options": options, "min_selected": low, "max_selected": high}


def _text(raw: dict[str, Any], path: str, required: bool) -> dict[str, Any]:
    max_length = _optional_int(raw, "max_length", path, DEFAULT_TEXT_MAX_LENGTH)
    assert max_length is not None
    if max_length < 1:
        raise SurveyError(f"{path}.max_length", "must be at least 1")
    return {"max_length": max_length}


def _range(raw: dict[str, Any], path: str, need_both: bool, whole: bool) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is None:
            if need_both:
                raise SurveyError(f"{path}.{key}", "is required")
        elif not is_number(value) or (whole and float(value) != int(value)):
            kind = "a whole number" if whole else "a number"
            raise SurveyError(f"{path}.{key}", f"must be {kind}, not {json_type_name(value)}")
        bounds[key] = int(value) if whole and value is not None else value
    if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
        raise SurveyError(f"{path}.min", "must not be greater than max")
    return bounds


def _number(raw: dict[str, Any], path: str, required: bool) -> dict[str, Any]:
    integer = raw.get("integer", False)
    if not isinstance(integer, bool):
        raise SurveyError(f"{path}.integer", "must be true or false")
    return {**_range(raw, path, need_both=False, whole=False), "integer": integer}


def _scale(raw: dict[str, Any], path: str, required: bool) -> dict[str, Any]:
    return {**_range(raw, path, need_both=True, whole=True), "integer": True}


_TYPE_PARSERS = {
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
    "text": _text,
    "number": _number,
    "scale": _scale,
}


def _with_public(step: Step) -> Step:
    public: dict[str, Any] = {"id": step.id, "type": step.type, "prompt": step.prompt}
    if step.type == "end":
        object.__setattr__(step, "public", public)
        return step
    public["required"] = step.required
    if step.type in CHOICE_TYPES:
        public["options"] = [{"value": o.value, "label": o.label} for o in step.options]
    if step.type == "multi_choice":
        public["min_selected"] = step.min_selected
        public["max_selected"] = step.max_selected
    if step.type == "text":
        public["max_length"] = step.max_length
    if step.type in ("number", "scale"):
        public["min"] = step.min
        public["max"] = step.max
    if step.type == "number":
        public["integer"] = step.integer
    object.__setattr__(step, "public", public)
    return step

