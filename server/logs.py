"""How the server's log lines look: text or JSON (one object per line), to stderr.

uvicorn's own loggers propagate to the same handler (the server runs uvicorn with
log_config=None), so its access lines come out in the same format. Access lines leave
out query strings and the user id in /api/session/{user_id} unless asked for
(--log-identifiers on): a panel link's ?user_id=P-123 is an identifier.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The routes whose paths hold a user id: the session API and the console's respondent page.
_SESSION_PATH = re.compile(r"^(/api/session/|/admin/sessions/)[^?]*")
HIDDEN = "-"


def redact_path(path: str) -> str:
    """The path without its query string, and without the user id of a session's URL."""
    path = path.split("?", 1)[0]
    return _SESSION_PATH.sub(r"\g<1>" + HIDDEN, path)


class RedactAccess(logging.Filter):
    """Rewrites the path in uvicorn's access lines (HTTP) and WebSocket lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple):
            return True
        if record.name == "uvicorn.access" and len(args) == 5:
            record.args = (args[0], args[1], redact_path(str(args[2])), args[3], args[4])
        elif record.name == "uvicorn.error" and '"WebSocket %s"' in str(record.msg) and len(args) >= 2:
            record.args = (args[0], redact_path(str(args[1])), *args[2:])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message; access lines
    also carry client, method, path and status."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            entry.update(client=args[0], method=args[1], path=args[2], status=args[4])
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str = "text", identifiers: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    if not identifiers:
        for name in ("uvicorn.access", "uvicorn.error"):
            logger = logging.getLogger(name)
            if not any(isinstance(f, RedactAccess) for f in logger.filters):
                logger.addFilter(RedactAccess())
