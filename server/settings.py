"""One settings object, from command-line options and SURVEY_* variables, checked at start.

The table OPTIONS is the single description of every setting: its flag, its variable,
its default and its check. The command line wins over the environment.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .durations import parse_duration
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
    public_origin: str | None = None
    forwarded_allow_ips: tuple[str, ...] = ()
    max_message_bytes: int = 65536
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    admin_key: str | None = None
    hello_timeout: float = 10.0
    rate_limit: float = 30.0
    rate_burst: int = 60
    max_connections_per_address: int = 100
    address_rate_limit: float = 100.0
    address_rate_burst: int = 300
    max_transcript_chars: int = 500
    max_pending_writes: int = 10_000
    max_connections: int = 10_000
    header_timeout: float = 10.0
    busy_timeout_ms: int = 5000
    write_timeout: float = 5.0
    log_level: str = "info"
    # Seconds a session not completed may stay idle and still be resumed; 0: forever.
    session_ttl: float = 90 * 86_400
    # Issue 10, who may take part and how long data lives (see README: Access, Lifetime).
    link_secret: str | None = None
    retention: float = 0.0  # seconds of inactivity before deletion; 0: off
    backup_dir: Path | None = None
    backup_every: float = 6 * 3600
    backup_keep: int = 28
    max_history_rows: int = 5000
    new_sessions_per_minute: int = 60
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


def _duration_or_never(text: str) -> float:
    value = parse_duration(text)
    if value > 100 * 365 * 86_400:
        raise ValueError("must be at most 100 years (0 means never)")
    return value


def _positive_duration(text: str) -> float:
    value = _duration_or_never(text)
    if value <= 0:
        raise ValueError("must be more than 0")
    return value


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


def _public_origin(text: str) -> str:
    origins = _origins(text)
    if len(origins) != 1:
        raise ValueError(f"'{text}' is not one origin like https://survey.example.org")
    return origins[0]


def _trusted_proxies(text: str) -> tuple[str, ...]:
    proxies = tuple(part.strip() for part in text.split(",") if part.strip())
    for proxy in proxies:
        if proxy == "*":
            continue
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ValueError(
                f"'{proxy}' is not an address or network like 127.0.0.1, 10.0.0.0/8 or ::1"
            ) from None
    return proxies


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


def _link_secret(text: str) -> str:
    if len(text.strip()) < MIN_ADMIN_KEY_LENGTH:
        raise ValueError(f"must be at least {MIN_ADMIN_KEY_LENGTH} characters: it signs links")
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
    Option("public_origin", "--public-origin", "SURVEY_PUBLIC_ORIGIN", _public_origin,
           "the origin respondents' browsers use, e.g. https://survey.example.org; WebSockets "
           "from other origins (but --allowed-origins) are refused", "ORIGIN"),
    Option("forwarded_allow_ips", "--forwarded-allow-ips", "SURVEY_FORWARDED_ALLOW_IPS",
           _trusted_proxies, "comma-separated proxy addresses or networks whose "
           "X-Forwarded-For and X-Forwarded-Proto are believed (default: none)", "A,B"),
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
    Option("address_rate_limit", "--address-rate-limit", "SURVEY_ADDRESS_RATE_LIMIT",
           _per_second, "messages per second all connections from one client address (an IPv6 "
           "/64) may send together, on average (default 100)", "N"),
    Option("address_rate_burst", "--address-rate-burst", "SURVEY_ADDRESS_RATE_BURST",
           _int_between(1, 1_000_000),
           "messages one client address may send at once before its rate applies (default 300)",
           "N"),
    Option("max_transcript_chars", "--max-transcript-chars", "SURVEY_MAX_TRANSCRIPT_CHARS",
           _int_between(1, 100_000),
           "longest voice_answer transcript; longer ones are invalid_answer (default 500)", "N"),
    Option("max_connections", "--max-connections", "SURVEY_MAX_CONNECTIONS",
           _int_between(2, 1_000_000), "open connections (HTTP and WebSocket) before HTTP "
           "requests get 503 and half-sent ones are closed (default 10000)", "N"),
    Option("header_timeout", "--header-timeout", "SURVEY_HEADER_TIMEOUT", _positive_seconds,
           "seconds a connection has to send a complete request head (default 10)", "SECONDS"),
    Option("max_pending_writes", "--max-pending-writes", "SURVEY_MAX_PENDING_WRITES",
           _int_between(1, 1_000_000), "writes that may wait for the database (default 10000)",
           "N"),
    Option("session_ttl", "--session-ttl", "SURVEY_SESSION_TTL", _duration_or_never,
           "how long an unfinished session may stay idle and still be resumed, like 90d "
           "(default 90d; 0: never expires)", "AGE"),
    Option("link_secret", None, "SURVEY_LINK_SECRET", _link_secret,
           "secret that signs links for surveys with access: link"),
    Option("retention", "--retention", "SURVEY_RETENTION", _duration_or_never,
           "delete sessions idle longer than this, like 180d, hourly (default 0: off)", "AGE"),
    Option("backup_dir", "--backup-dir", "SURVEY_BACKUP_DIR", _surveys_dir,
           "folder for scheduled backups of the database (default: none)", "DIR"),
    Option("backup_every", "--backup-every", "SURVEY_BACKUP_EVERY", _positive_duration,
           "time between scheduled backups, like 6h (default 6h)", "AGE"),
    Option("backup_keep", "--backup-keep", "SURVEY_BACKUP_KEEP", _int_between(1, 100_000),
           "scheduled backups kept, the newest (default 28)", "N"),
    Option("max_history_rows", "--max-history-rows", "SURVEY_MAX_HISTORY_ROWS",
           _int_between(10, 10_000_000),
           "history rows per session past which rejected messages are not recorded "
           "(default 5000)", "N"),
    Option("new_sessions_per_minute", "--new-sessions-per-minute",
           "SURVEY_NEW_SESSIONS_PER_MINUTE", _int_between(1, 1_000_000),
           "new sessions one client address may start per minute (default 60)", "N"),
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

