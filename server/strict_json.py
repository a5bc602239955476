"""JSON as the protocol and survey files mean it: no NaN, no Infinity, no overflowing numbers.

Python's json module accepts all three; both the wire and survey files must refuse them.
Encoding is compact, for frames and stored columns alike.
"""

from __future__ import annotations

import json
import math
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


def loads(text: str) -> Any:
    """Decode strictly; raises ValueError (json.JSONDecodeError for malformed text)."""
    return _DECODER.decode(text)


def dumps(value: Any) -> str:
    """Compact JSON, with text as it is (no \\u escapes): for frames and stored columns."""
    return _ENCODER.encode(value)
