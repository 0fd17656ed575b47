"""Settings: the file, the environment over it, and readable errors for bad files."""

from pathlib import Path

import pytest

from contextfeed.config import ConfigError, load_settings

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "contextfeed.toml"


def write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "contextfeed.toml"
    path.write_text(text)
    return {"CONTEXTFEED_CONFIG": str(path)}


def test_shipped_config_is_valid_and_lists_real_sources():
    settings = load_settings({"CONTEXTFEED_CONFIG": str(REPO_CONFIG)})
    kinds = {source.kind for source in settings.sources}
    assert {"nws", "usgs", "gdacs", "fema", "cap", "rss"} <= kinds
    assert settings.policy.rules, "the default policy must ship its rules"
    assert settings.geocoder.tier == "offline"


def test_embedded_default_is_a_sqlite_file_in_the_data_dir_next_to_the_config(tmp_path):
    settings = load_settings(write(tmp_path, '[service]\ndata_dir = "state"\n'))
    assert settings.data_dir == (tmp_path / "state").resolve()
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'state' / 'contextfeed.db'}"


def test_environment_overrides_the_file(tmp_path):
    environ = write(tmp_path, '[service]\ndatabase_url = "sqlite:///from-file.db"\nport = 9000\n')
    environ |= {
        "CONTEXTFEED_DATABASE_URL": "postgresql+psycopg://db/contextfeed",
        "CONTEXTFEED_PORT": "9100",
        "CONTEXTFEED_GEOCODER": "online",
    }
    settings = load_settings(environ)
    assert settings.database_url == "postgresql+psycopg://db/contextfeed"
    assert settings.service.port == 9100
    assert settings.geocoder.tier == "online"


def test_file_overrides_the_built_in_defaults(tmp_path):
    settings = load_settings(write(tmp_path, '[calling]\nhours_start = "09:30"\nhours_end = "20:00"\n'))
    assert settings.calling.hours_start.hour == 9 and settings.calling.hours_start.minute == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[service]\nport = "eighty"\n', "service.port"),
        ('[policy]\nnews_max_level = "maybe"\n', "policy.news_max_level"),
        ('[[policy.rules]]\nname = "x"\nlevel = "loud"\n', "policy.rules[0].level"),
        ("[schedule]\nintervall_minutes = 5\n", "schedule.intervall_minutes: unknown key"),
        (
            '[[sources]]\nname = "a"\nkind = "cap"\nurl = "u"\n[[sources]]\nname = "a"\nkind = "rss"\nurl = "v"\n',
            "repeated: a",
        ),
        ('[calling]\nhours_start = "21:00"\nhours_end = "08:00"\n', "calling.hours_end"),
    ],
)
def test_a_bad_config_names_the_key_and_the_problem(tmp_path, text, expected):
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text))
    assert expected in str(error.value)
    assert "contextfeed.toml" in str(error.value)


def test_broken_toml_is_reported_with_the_file_name(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[service\nport = 1\n"))


def test_a_missing_config_file_is_an_error_not_a_silent_default(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings({"CONTEXTFEED_CONFIG": str(tmp_path / "nope.toml")})


def test_cli_prints_config_errors_without_a_traceback(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("CONTEXTFEED_CONFIG", write(tmp_path, "[service]\nport = 0\n")["CONTEXTFEED_CONFIG"])
    status, out, err = cli("db", "upgrade")
    assert status == 2
    assert "service.port" in err and "Traceback" not in err
