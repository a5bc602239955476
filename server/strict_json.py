"""JSON as the protocol and survey files mean it: no NaN, no Infinity, no overflowing numbers.

Python's json module accepts all three; both the wire and survey files must refuse them.
Encoding is compact, for frames and stored columns alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is too large")
    return value


# Built once: json.loads and json.dumps build a new decoder or encoder on every call
# that passes options, which showed in the profile of the message loop.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class TooDeep(ValueError):
    """Nested deeper than the decoder's recursion allows."""


# What _DECODER.decode() scans with (set by JSONDecoder.__init__; not in the type stubs).
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def loads(text: str) -> Any:
    """Decode strictly; raises ValueError (json.JSONDecodeError for malformed text, TooDeep
    for nesting so deep that the decoder runs out of stack)."""
    try:
        # A frame is one value with nothing around it: the scanner alone, without decode()'s
        # two whitespace matches. Anything else goes through decode() for its checks and
        # its error messages.
        try:
            value, end = _SCAN(text, 0)
        except StopIteration:
            end = -1
        if end == len(text):
            return value
        return _DECODER.decode(text)
    except RecursionError:
        raise TooDeep("JSON nested too deeply") from None


def may_be_deeper(text: str, limit: int) -> bool:
    """A cheap test on the text: fewer opening brackets than `limit` cannot nest deeper."""
    return text.count("[") + text.count("{") > limit


def deeper_than(value: Any, limit: int) -> bool:
    """True if containers nest more than `limit` levels deep (the outermost is level 1)."""
    level: list[Any] = [value] if isinstance(value, (dict, list)) else []
    for _ in range(limit):
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, (dict, list))
        ]
        if not level:
            return False
    return bool(level)


def _unencodable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# The C encoder behind _ENCODER, made once: JSONEncoder.encode makes a new one (and a dict
# for its cycle check) on every call, which was a third of encoding a reply. None where
# the json module has no C accelerator.
def _c_encoder() -> Any:
    """The C encoder _ENCODER would make, or None where there is none or it does not
    encode as _ENCODER does (its arguments are positional and not a public API)."""
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    sample = {"a": [1, 2.5, None, True, "é\n\u2028"], "b": {}}
    try:
        encoder = make(None, _unencodable, json.encoder.encode_basestring, None, ":", ",",
                       False, False, True)
        same = "".join(encoder(sample, 0)) == _ENCODER.encode(sample)
    except (TypeError, ValueError):
        return None
    return encoder if same else None


_C_ENCODER = _c_encoder()


def dumps(value: Any) -> str:
    """Compact JSON, with text as it is (no \\u escapes): for frames and stored columns."""
    if _C_ENCODER is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODER(value, 0))
