"""The Environments page: checks only on request, per env; the overlay diff; secrets never shown."""

from __future__ import annotations

import socket

from tests.studio.conftest import assert_clean


def texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "info", "warning", "code", "text")
             for e in getattr(at, kind)]
    parts += [m.value for m in at.metric]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


def health(at):
    """The connection health table (the first dataframe once checks ran)."""
    df = at.dataframe[0].value
    assert list(df.columns) == ["Status", "Connection", "Type", "Latency (ms)", "Detail"]
    return df.set_index("Connection")


def test_checks_run_only_on_the_button_and_report_each_connection(studio, sample_project):
    at = studio(sample_project, "environments.py")
    assert_clean(at)
    assert "have not been checked" in texts(at)
    assert len(at.dataframe) == 1  # only the env diff: nothing was contacted yet
    at.button(key="env_check").click().run()
    assert_clean(at)
    table = health(at)
    assert set(table.index) == {"landing", "lake"} and set(table["Status"]) == {"✅ ok"}
    assert "exists and is writable" in table.loc["lake", "Detail"] and table.loc["lake", "Latency (ms)"] >= 0
    assert {m.label: m.value for m in at.metric}["Failing"] == "0"

    at.sidebar.selectbox(key="env").select("prod").run()  # prod's lake folder does not exist
    assert "have not been checked" in texts(at)  # results are per env
    at.button(key="env_check").click().run()
    table = health(at)
    assert table.loc["lake", "Status"] == "❌ failed" and "lake_prod" in table.loc["lake", "Detail"]
    assert "does not exist" in table.loc["lake", "Detail"]


def test_env_diff_shows_differing_keys_side_by_side_and_all_on_request(studio, sample_project):
    at = studio(sample_project, "environments.py")
    diff = at.dataframe[-1].value.set_index("Key")
    assert list(diff.columns) == ["(base)", "dev", "prod"]
    assert diff.loc["connections.lake.base_path"].tolist() == ["./lake", "./lake", "./lake_prod"]
    assert diff.loc["retry.enabled"].tolist() == ["true", "false", "true"]
    assert diff.loc["production", "(base)"] == "— not set"
    assert "connections.landing.base_path" not in diff.index  # the same everywhere
    shown = len(diff)
    at.toggle(key="env_all").set_value(True).run()
    everything = at.dataframe[-1].value.set_index("Key")
    assert len(everything) > shown and "connections.landing.base_path" in everything.index
    assert everything.loc["connections.lake.base_path", "Differs"] == "≠"
    assert everything.loc["connections.landing.base_path", "Differs"] == ""
    at.text_input(key="env_filter").input("retry.").run()
    assert set(at.dataframe[-1].value["Key"]) == {"retry.enabled", "retry.max_attempts", "retry.backoff",
                                                  "retry.initial_delay"}


def test_secrets_are_masked_in_checks_and_diff(studio, sample_project, monkeypatch):
    secret = "Sup3r-Secret-Warehouse-PW"
    monkeypatch.setenv("WAREHOUSE_PASSWORD", secret)
    with socket.socket() as s:  # nothing listens here: the check fails fast
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    overlay = sample_project / "env.prod.yaml"
    lake = "  lake: {type: local, base_path: ./lake_prod}\n"
    assert lake in overlay.read_text()
    overlay.write_text(overlay.read_text().replace(lake, lake
        + f"  warehouse: {{type: postgres, host: 127.0.0.1, port: {port}, database: dw, username: etl,"
          " password: '${WAREHOUSE_PASSWORD}'}\n"
        + f"  dsn: {{type: sql, url: 'postgresql://etl:${{WAREHOUSE_PASSWORD}}@127.0.0.1:{port}/dw'}}\n"))
    at = studio(sample_project, "environments.py")
    at.sidebar.selectbox(key="env").select("prod").run()
    at.button(key="env_check").click().run()
    at.toggle(key="env_all").set_value(True).run()
    assert_clean(at)
    table = health(at)
    assert table.loc["warehouse", "Status"] == "❌ failed" and table.loc["dsn", "Status"] == "❌ failed"
    diff = at.dataframe[-1].value.set_index("Key")
    assert diff.loc["connections.warehouse.password", "prod"] == "***"
    assert diff.loc["connections.dsn.url", "prod"] == f"postgresql://etl:***@127.0.0.1:{port}/dw"
    assert secret not in texts(at)


def test_an_env_that_does_not_load_shows_its_located_error(studio, sample_project):
    (sample_project / "env.staging.yaml").write_text("story: {max_sample_rowz: 3}\n")
    at = studio(sample_project, "environments.py")
    assert_clean(at)
    errors = "\n".join(e.value for e in at.error)
    assert "staging" in errors and "env.staging.yaml:1" in errors and "max_sample_rowz" in errors
    assert "(does not load)" in at.dataframe[-1].value["staging"].tolist()


def test_a_project_without_environments(studio, tmp_path):
    from odibi_core.templates import create_project

    root = tmp_path / "flat"
    create_project(root, "local-medallion")
    for overlay in root.glob("env.*.yaml"):
        overlay.unlink()
    at = studio(root, "environments.py")
    assert_clean(at)
    assert "defines no environments" in texts(at)
    at.button(key="env_check").click().run()
    assert set(health(at)["Status"]) == {"✅ ok", "❌ failed"}  # lake is created by the first run


def test_empty_folder_shows_a_hint(studio, empty_project):
    at = studio(empty_project, "environments.py")
    assert_clean(at)
    assert "no odibi.yaml" in texts(at) and not at.button
