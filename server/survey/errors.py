"""Errors raised while loading survey files."""

from __future__ import annotations

from pathlib import Path


class SurveyError(Exception):
    """A fault at a JSON path inside one survey document."""

    def __init__(self, path: str, fault: str) -> None:
        super().__init__(f"{path or '(document)'}: {fault}")
        self.path = path
        self.fault = fault


class SurveyFileError(Exception):
    """A survey file that cannot be loaded: names the file, the JSON path and the fault."""

    def __init__(self, source: Path | str, path: str, fault: str) -> None:
        self.source = str(source)
        self.path = path
        self.fault = fault
        where = f"{self.source}: {path}" if path else self.source
        super().__init__(f"{where}: {fault}")


def json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
