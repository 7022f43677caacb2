"""The app shell: navigation, sidebar, sign-in, and every page rendering on both projects."""

from __future__ import annotations

import pytest

from tests.studio.conftest import assert_clean

PAGES = ["pipelines.py", "builder.py", "run.py", "history.py", "stories.py", "drift.py", "ask.py", "heal.py", "environments.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_sample_project(studio, sample_project, page):
    at = studio(sample_project, page)
    assert_clean(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_folder(studio, empty_project, page):
    at = studio(empty_project, page)
    assert_clean(at)


def test_sidebar_offers_the_environments(studio, sample_project):
    at = studio(sample_project)
    env = at.sidebar.selectbox(key="env")
    assert env.value == "dev"
    assert set(env.options) == {"dev", "prod"}


def test_password_gate(studio, sample_project, monkeypatch):
    monkeypatch.setenv("ODIBI_STUDIO_PASSWORD", "open-sesame")
    at = studio(sample_project)
    assert at.text_input(key="_password") is not None
    assert not at.sidebar.selectbox  # nothing of the project is shown before sign-in
    at.text_input(key="_password").input("wrong")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    at.text_input(key="_password").input("open-sesame")
    at.button[0].click().run()
    assert_clean(at)
    assert at.sidebar.selectbox(key="env").value == "dev"
