"""Well-formed Unicode: strings without lone surrogates.

JSON's `\\ud83d` escape decodes to a lone surrogate, which Python keeps in a str but cannot
encode as UTF-8: such a string would pass validation, then fail when stored or sent. A
WebSocket text frame is valid UTF-8 (the server library checks), so a lone surrogate can
only arrive through such an escape; `may_hold_surrogates` tests the frame's text for one,
so that well-formed frames (nearly all of them) cost one regex search and no walk.
"""

from __future__ import annotations

import re
from typing import Any

# A \u escape in the surrogate range D800-DFFF. It may also match an escaped backslash
# followed by "ud83d" (a false alarm the walk then clears), never miss a real one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def may_hold_surrogates(json_text: str) -> bool:
    # Browsers escape almost nothing, so most frames hold no "\u" at all: a substring
    # search (C speed) settles them before the regex.
    return "\\u" in json_text and _SURROGATE_ESCAPE.search(json_text) is not None


def is_well_formed(text: str) -> bool:
    return _SURROGATE.search(text) is None


def holds_surrogates(value: Any) -> bool:
    """True if any string in a decoded JSON value (keys included) holds a lone surrogate."""
    if isinstance(value, str):
        return not is_well_formed(value)
    if isinstance(value, list):
        return any(holds_surrogates(item) for item in value)
    if isinstance(value, dict):
        return any(holds_surrogates(k) or holds_surrogates(v) for k, v in value.items())
    return False


def well_formed(value: Any) -> Any:
    """The value with each lone surrogate replaced by U+FFFD, as String.toWellFormed does."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [well_formed(item) for item in value]
    if isinstance(value, dict):
        return {well_formed(k): well_formed(v) for k, v in value.items()}
    return value
