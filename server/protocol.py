"""Names for the numbers and strings fixed by PROTOCOL.md."""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum

PROTOCOL_VERSION = 1
# Used with fullmatch: "$" alone would let a trailing newline through.
USER_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
MAX_DRAFT_BYTES = 16 * 1024
MAX_PROTOCOL_ERRORS = 20


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    BAD_HANDSHAKE = 4400
    AUTH_FAILED = 4401
    UNKNOWN_SURVEY = 4404
    NOT_INVITED = 4403
    HELLO_TIMEOUT = 4408
    SUPERSEDED = 4409
    GONE = 4410  # survey closed, session expired or erased
    RATE_LIMITED = 4429


class ErrorCode(StrEnum):
    BAD_JSON = "bad_json"
    BAD_MESSAGE = "bad_message"
    UNKNOWN_TYPE = "unknown_type"
    HELLO_REQUIRED = "hello_required"
    ALREADY_HELLO = "already_hello"
    INVALID_USER_ID = "invalid_user_id"
    AUTH_FAILED = "auth_failed"
    UNKNOWN_SURVEY = "unknown_survey"
    SEQ_GAP = "seq_gap"
    WRONG_STEP = "wrong_step"
    INVALID_ANSWER = "invalid_answer"
    NO_MATCH = "no_match"
    CANNOT_GO_BACK = "cannot_go_back"
    COMPLETED = "completed"
    RATE_LIMITED = "rate_limited"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    NOT_INVITED = "not_invited"
    SURVEY_CLOSED = "survey_closed"
    SESSION_EXPIRED = "session_expired"
    SESSION_ERASED = "session_erased"


# Errors that mean "nothing was processed": they consume no seq and count towards
# the per-connection protocol error limit (rate_limited consumes no seq but is not a fault).
PROTOCOL_ERRORS = frozenset(
    {
        ErrorCode.BAD_JSON,
        ErrorCode.BAD_MESSAGE,
        ErrorCode.UNKNOWN_TYPE,
        ErrorCode.HELLO_REQUIRED,
        ErrorCode.ALREADY_HELLO,
    }
)


def error(code: ErrorCode, message: str, ack: int | None = None, **extra: object) -> dict[str, object]:
    return {"type": "error", "code": code.value, "message": message, "ack": ack, **extra}
