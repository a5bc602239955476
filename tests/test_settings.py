"""Settings from options and SURVEY_* variables: parsed, checked, and named in errors."""

from __future__ import annotations

import pytest

from server.settings import Settings, SettingsError, load_settings


def test_the_command_line_wins_over_the_environment() -> None:
    settings = load_settings({"port": "9000"}, {"SURVEY_PORT": "8001", "SURVEY_RATE_LIMIT": "2.5"})
    assert settings.port == 9000
    assert settings.rate_limit == 2.5
    assert settings.rate_burst == Settings().rate_burst


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SURVEY_RATE_LIMIT": "0"}, "SURVEY_RATE_LIMIT: must be more than 0 and at most 1000000 per second"),
        ({"SURVEY_RATE_LIMIT": "fast"}, "SURVEY_RATE_LIMIT: must be a number per second"),
        ({"SURVEY_RATE_BURST": "1.5"}, "SURVEY_RATE_BURST: must be a whole number"),
        ({"SURVEY_AUTOSAVE_INTERVAL": "-1"}, "SURVEY_AUTOSAVE_INTERVAL: must be more than 0"),
        ({"SURVEY_PORT": "70000"}, "SURVEY_PORT: must be between 0 and 65535"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({}, environ)
    assert str(caught.value).startswith(message)


def test_a_load_test_can_lift_the_rate_limit_far_above_a_person() -> None:
    settings = load_settings({}, {"SURVEY_RATE_LIMIT": "100000", "SURVEY_RATE_BURST": "100000"})
    assert settings.rate_limit == 100_000 and settings.rate_burst == 100_000


def test_the_database_is_a_sqlite_file_or_a_postgresql_url(tmp_path: object) -> None:
    url = "postgresql://survey:secret@h1:5432,h2:5432/survey?target_session_attrs=read-write"
    assert load_settings({"db": url}, {}).db == url
    assert load_settings({}, {"SURVEY_DB": "postgres://db/x"}).db == "postgres://db/x"
    assert str(load_settings({}, {}).db) == "survey_sessions.db"
    with pytest.raises(SettingsError, match="--db: must be a SQLite file path or a postgresql"):
        load_settings({"db": "mysql://db/x"}, {})
    with pytest.raises(SettingsError, match="not a valid PostgreSQL URL") as caught:
        load_settings({"db": "postgresql://u:secret@db:port/x"}, {})
    assert "secret" not in str(caught.value)
    assert load_settings({}, {"SURVEY_WORKERS": "4", "SURVEY_DB_POOL_SIZE": "20"}).workers == 4
    with pytest.raises(SettingsError, match="--workers: must be between 1 and 256"):
        load_settings({"workers": "0"}, {})
