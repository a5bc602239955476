"""One settings object, from command-line options and SURVEY_* variables, checked at start.

The table OPTIONS is the single description of every setting: its flag, its variable,
its default and its check. The command line wins over the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .store import RetryPolicy
from .survey import BUNDLED_DIR

logger = logging.getLogger(__name__)

MIN_ADMIN_KEY_LENGTH = 16


class SettingsError(Exception):
    """A bad setting: the message names it and says what is expected."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    db: Path = Path("survey_sessions.db")
    surveys: Path = BUNDLED_DIR
    autosave_interval: float = 30.0
    allowed_origins: tuple[str, ...] = ()
    max_message_bytes: int = 65536
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    admin_key: str | None = None
    hello_timeout: float = 10.0
    rate_limit: float = 30.0
    rate_burst: int = 60
    max_connections_per_address: int = 100
    max_pending_writes: int = 10_000
    busy_timeout_ms: int = 5000
    write_timeout: float = 5.0
    log_level: str = "info"
    shutdown_drain: float = 0.0
    metrics_port: int | None = None
    log_format: Literal["text", "json"] = "text"
    log_identifiers: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class Option:
    name: str
    flag: str | None
    env: str
    parse: Callable[[str], Any]
    help: str
    metavar: str | None = None


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"must be a whole number, not '{text}'") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, not {value}")
        return value

    return parse


def _positive_number(what: str, unit: str, high: int) -> Callable[[str], float]:
    """A number above 0 and at most `high`: 'must be {what}', '... at most {high} {unit}'."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be {what}, not '{text}'") from None
        if not 0 < value <= high:
            raise ValueError(f"must be more than 0 and at most {high} {unit}, not {text}")
        return value

    return parse


_positive_seconds = _positive_number("a number of seconds", "seconds", 86_400)
_per_second = _positive_number("a number per second", "per second", 1_000_000)


def _seconds_or_zero(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"must be a number of seconds, not '{text}'") from None
    if not 0 <= value <= 3600:
        raise ValueError(f"must be between 0 and 3600 seconds, not {text}")
    return value


def _log_format(text: str) -> str:
    value = text.strip().lower()
    if value not in ("text", "json"):
        raise ValueError(f"must be text or json, not '{text}'")
    return value


def _on_off(text: str) -> bool:
    value = text.strip().lower()
    if value not in ("on", "off"):
        raise ValueError(f"must be on or off, not '{text}'")
    return value == "on"


def _host(text: str) -> str:
    if not text.strip() or any(c.isspace() for c in text):
        raise ValueError("must be a host name or address")
    return text


def _db_path(text: str) -> Path:
    path = Path(text).expanduser()
    if path.exists() and not path.is_file():
        raise ValueError(f"'{text}' exists and is not a file")
    if not path.parent.resolve().is_dir():
        raise ValueError(f"the folder of '{text}' does not exist")
    return path


def _surveys_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise ValueError(f"'{text}' is not a folder")
    return path


def _origins(text: str) -> tuple[str, ...]:
    origins = tuple(part.strip() for part in text.split(",") if part.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(
                f"'{origin}' is not an origin like https://example.org or http://host:8080"
            )
    return origins


def _synchronous(text: str) -> str:
    value = text.strip().upper()
    if value not in ("FULL", "NORMAL"):
        raise ValueError(f"must be FULL or NORMAL, not '{text}'")
    return value


def _admin_key(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty (leave it unset to turn admin access off)")
    if len(text) < MIN_ADMIN_KEY_LENGTH:
        logger.warning("SURVEY_ADMIN_KEY is shorter than %d characters", MIN_ADMIN_KEY_LENGTH)
    return text


def _log_level(text: str) -> str:
    value = text.strip().lower()
    if value not in ("debug", "info", "warning", "error"):
        raise ValueError("must be debug, info, warning or error")
    return value


OPTIONS: tuple[Option, ...] = (
    Option("host", "--host", "SURVEY_HOST", _host, "address to listen on (default 127.0.0.1)"),
    Option("port", "--port", "SURVEY_PORT", _int_between(0, 65535),
           "port to listen on; 0 picks a free one (default 8000)"),
    Option("db", "--db", "SURVEY_DB", _db_path,
           "SQLite database file, created and migrated when missing (default ./survey_sessions.db)",
           "PATH"),
    Option("surveys", "--surveys", "SURVEY_DIR", _surveys_dir,
           "folder of survey files (default: the bundled example survey)", "DIR"),
    Option("autosave_interval", "--autosave-interval", "SURVEY_AUTOSAVE_INTERVAL",
           _positive_seconds, "seconds between saves of unsent drafts (default 30)", "SECONDS"),
    Option("allowed_origins", "--allowed-origins", "SURVEY_ALLOWED_ORIGINS", _origins,
           "comma-separated origins allowed besides the server's own", "A,B"),
    Option("max_message_bytes", "--max-message-bytes", "SURVEY_MAX_MESSAGE_BYTES",
           _int_between(1024, 16 * 1024 * 1024), "largest WebSocket message (default 65536)", "N"),
    Option("synchronous", "--synchronous", "SURVEY_SYNCHRONOUS", _synchronous,
           "SQLite synchronous mode: FULL (default, durable on power loss) or NORMAL", "MODE"),
    Option("admin_key", None, "SURVEY_ADMIN_KEY", _admin_key,
           "secret for reading any session over HTTP (unset: admin access off)"),
    Option("hello_timeout", "--hello-timeout", "SURVEY_HELLO_TIMEOUT", _positive_seconds,
           "seconds a new connection has to say hello (default 10)", "SECONDS"),
    Option("rate_limit", "--rate-limit", "SURVEY_RATE_LIMIT", _per_second,
           "messages per second one connection may send, on average (default 30)", "N"),
    Option("rate_burst", "--rate-burst", "SURVEY_RATE_BURST", _int_between(1, 1_000_000),
           "messages one connection may send at once before the rate applies (default 60)", "N"),
    Option("max_connections_per_address", "--max-connections-per-address",
           "SURVEY_MAX_CONNECTIONS_PER_ADDRESS", _int_between(1, 1_000_000),
           "open WebSocket connections allowed from one client address (default 100)", "N"),
    Option("max_pending_writes", "--max-pending-writes", "SURVEY_MAX_PENDING_WRITES",
           _int_between(1, 1_000_000), "writes that may wait for the database (default 10000)",
           "N"),
    Option("write_timeout", "--write-timeout", "SURVEY_WRITE_TIMEOUT",
           _positive_number("a number of seconds", "seconds", 600),
           "seconds a write may wait for the database before storage_unavailable (default 5)",
           "SECONDS"),
    Option("metrics_port", "--metrics-port", "SURVEY_METRICS_PORT", _int_between(0, 65535),
           "also serve /metrics on 127.0.0.1 at this port, without a key (0: a free port)",
           "PORT"),
    Option("shutdown_drain", "--shutdown-drain", "SURVEY_SHUTDOWN_DRAIN", _seconds_or_zero,
           "on SIGTERM, seconds of /readyz 503 before connections close (default 0)", "SECONDS"),
    Option("log_level", "--log-level", "SURVEY_LOG_LEVEL", _log_level,
           "debug, info (default), warning or error", "LEVEL"),
    Option("log_format", "--log-format", "SURVEY_LOG_FORMAT", _log_format,
           "text (default) or json: one JSON object per line", "FORMAT"),
    Option("log_identifiers", "--log-identifiers", "SURVEY_LOG_IDENTIFIERS", _on_off,
           "on: access lines keep query strings and session user ids (default off)", "ON|OFF"),
)


def load_settings(cli: Mapping[str, str | None], environ: Mapping[str, str]) -> Settings:
    """Build Settings from raw option strings (None: not given) and the environment."""
    values: dict[str, Any] = {}
    for option in OPTIONS:
        raw = cli.get(option.name)
        source = option.flag if raw is not None else None
        if raw is None and option.env in environ:
            raw, source = environ[option.env], option.env
        if raw is None:
            continue
        try:
            values[option.name] = option.parse(raw)
        except ValueError as exc:
            raise SettingsError(f"{source}: {exc}") from None
    return Settings(**values)

