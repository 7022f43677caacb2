"""Command-line errors are one clear paragraph and exit code 2, never a traceback."""

from __future__ import annotations

import socket

import pytest

from datagen.cli import main


def _run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["--scale", "0", "--out", "x"], "--scale must be a positive number"),
    (["--scale", "nan", "--out", "x"], "--scale must be a positive number"),
    (["--scale", "1", "--out", "x", "--days", "0"], "--days must be between 1 and 366"),
    (["--scale", "1", "--out", "x", "--seed", "-1"], "--seed must be between"),
    (["--scale", "1", "--out", "x", "--workers", "0"], "--workers must be between"),
])
def test_bad_numbers_are_refused(capsys, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    code, err = _run(capsys, *argv)
    assert code == 2 and words in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_a_folder_that_is_not_a_landing_is_never_cleared(capsys, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    code, err = _run(capsys, "--scale", "0.01", "--out", str(tmp_path), "--quiet")
    assert code == 2 and "not empty" in err and (tmp_path / "mine.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    code, err = _run(capsys, "--scale", "0.01", "--out", str(tmp_path / "file"), "--quiet")
    assert code == 2 and "is a file" in err


def test_serve_refuses_a_folder_without_clicks_and_a_busy_port(capsys, tmp_path, landing):
    code, err = _run(capsys, "serve", "--landing", str(tmp_path), "--port", "0")
    assert code == 2 and "no events/clicks" in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        code, err = _run(capsys, "serve", "--landing", str(landing), "--port", str(busy.getsockname()[1]))
    assert code == 2 and "cannot listen" in err
    code, err = _run(capsys, "serve", "--landing", str(landing), "--port", "0", "--page-size", "0")
    assert code == 2 and "--page-size" in err


def test_help_describes_both_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--scale" in out and "serve --landing" in out
