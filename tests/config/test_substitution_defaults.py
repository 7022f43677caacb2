"""``${VAR:-default}``: an environment variable with a default, the shell's rule (unset or empty ->
the default). OdibiEats relies on it for ``${ODIBI_EATS_LANDING:-landing}``."""

from __future__ import annotations

import pytest

from odibi_core import secrets
from odibi_core.config.loader import load_project
from odibi_core.config.substitution import substitute
from odibi_core.config.yaml_source import SourceMap
from odibi_core.errors import ConfigError


def sub(data, environ):
    return substitute(data, SourceMap(), environ)


@pytest.mark.parametrize("environ, expected", [
    ({}, "landing/clicks"),  # unset: the default
    ({"ROOT": ""}, "landing/clicks"),  # empty: the default too (as ${ROOT:-x} in a shell)
    ({"ROOT": "/data/in"}, "/data/in/clicks"),  # set: the variable wins
])
def test_default_applies_when_unset_or_empty(environ, expected):
    assert sub({"p": "${ROOT:-landing}/clicks"}, environ) == {"p": expected}
    assert sub({"p": "${env:ROOT:-landing}/clicks"}, environ) == {"p": expected}


def test_defaults_may_be_empty_or_hold_colons_and_slashes_and_a_whole_value_stays_text():
    assert sub({"a": "${X:-}", "b": "${X:-http://127.0.0.1:8000/v1}", "c": "${X:-5}"}, {}) == \
        {"a": "", "b": "http://127.0.0.1:8000/v1", "c": "5"}


def test_date_forms_are_not_taken_for_defaults():
    out = sub({"d": "${date:-1d:%Y}"}, {})["d"]
    assert out.isdigit() and len(out) == 4


def test_without_a_default_a_missing_variable_still_fails_and_the_hint_shows_the_default_form():
    with pytest.raises(ConfigError, match="environment variable 'ROOT' is not set") as info:
        sub({"p": "${ROOT}/x"}, {})
    assert "${ROOT:-default}" in str(info.value)
    with pytest.raises(ConfigError, match="cannot understand"):
        sub({"p": "${1BAD:-x}"}, {})


def test_a_set_variable_under_a_secret_key_is_masked_but_a_default_from_the_file_is_not_needed(tmp_path):
    (tmp_path / "odibi.yaml").write_text(
        "project: p\n"
        "connections:\n"
        "  landing: {type: local, base_path: '${LANDING_ROOT:-landing}'}\n"
        "  db: {type: postgres, host: h, password: '${PG_PASSWORD:-}'}\n"
        "story: {connection: landing, path: s}\n"
        "system: {connection: landing}\n"
        "pipelines:\n"
        "  - pipeline: p\n"
        "    nodes:\n"
        "      - name: a\n"
        "        read: {connection: landing, format: csv, path: a.csv}\n", encoding="utf-8")
    cfg = load_project(tmp_path, environ={}).config
    assert cfg.connections["landing"].base_path == "landing" and cfg.connections["db"].password == ""
    cfg = load_project(tmp_path, environ={"LANDING_ROOT": "/srv/in", "PG_PASSWORD": "hunter2-long"}).config
    assert cfg.connections["landing"].base_path == "/srv/in"
    assert secrets.mask("pw hunter2-long") == f"pw {secrets.MASK}"


def test_a_variable_with_a_default_inside_a_secret_value_masks_the_whole_value():
    sub({"password": "pre-${PW_PART:-x}-post"}, {"PW_PART": "middle-part"})
    assert secrets.mask("pre-middle-part-post") == secrets.MASK
