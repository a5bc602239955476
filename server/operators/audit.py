"""The audit trail of operators' reads and changes (admin_log), written before answering.

A read of respondent data whose audit row cannot be written is not answered: 503, like
any other storage failure, so that nothing is read without its record.
"""

from __future__ import annotations

from ..api_errors import ApiError
from ..store import SessionStore, StorageUnavailable


async def audit(
    store: SessionStore, action: str, survey_id: str | None, user_id: str | None,
    rows: int | None,
) -> None:
    try:
        await store.log_admin(action, survey_id, user_id, rows)
    except StorageUnavailable:
        raise ApiError(503, "storage_unavailable") from None
