"""JSON as the protocol and survey files mean it: no NaN, no Infinity, no overflowing numbers.

Python's json module accepts all three; both the wire and survey files must refuse them.
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


def loads(text: str) -> Any:
    """Decode strictly; raises ValueError (json.JSONDecodeError for malformed text)."""
    return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
