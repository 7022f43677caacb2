"""Every broken project in tests/config/broken/ gives one located, readable error.

The corpus is the contract for what a user sees when a config is wrong: the file and line to
open, the key path to look at, and a sentence that says what is wrong (with "did you mean"
where a typo is likely). ``expected.yaml`` beside the files holds, for each case, the
location, the key path and a piece of the message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from odibi_core.config.loader import load_project
from odibi_core.errors import ConfigError
from odibi_core.graph import Graph

BROKEN = Path(__file__).parent / "broken"
EXPECTED: dict[str, dict] = yaml.safe_load((BROKEN / "expected.yaml").read_text(encoding="utf-8"))
CASES = sorted(p.name for p in BROKEN.iterdir() if p.name != "expected.yaml")

# what must never reach a user: Python and pydantic internals
FORBIDDEN = ("Traceback", "errors.pydantic.dev", "For further information", "validation error for",
             "input_value=", "[type=", "function-after", "Value error,")
LOCATED_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \S")


def test_corpus_has_at_least_30_cases_and_each_has_an_expectation():
    assert len(CASES) >= 30
    assert set(CASES) == set(EXPECTED), "every broken file needs an entry in expected.yaml, and vice versa"


def _load(case: Path, env: str | None):
    target = case / "odibi.yaml" if case.is_dir() else case
    # an empty environment: no ODIBI_ENV, no variable a case might accidentally rely on
    loaded = load_project(target.resolve(), env=env, environ={})
    return Graph.build(loaded)


@pytest.mark.parametrize("name", CASES)
def test_broken_project_gives_a_located_actionable_error(name):
    exp = EXPECTED[name]
    case = BROKEN / name
    named = (case / exp.get("file", "odibi.yaml")) if case.is_dir() else case
    named = named.resolve()

    with pytest.raises(ConfigError) as info:  # any other exception type fails the test
        _load(case, exp.get("env"))
    exc = info.value
    text = str(exc)

    for bad in FORBIDDEN:
        assert bad not in text, f"internal detail {bad!r} leaked into: {text}"
    lines = text.splitlines()
    errors = getattr(exc, "errors", [exc])
    assert len(lines) == len(errors), f"each error must be one paragraph (one line): {text}"
    for line in lines:
        assert LOCATED_LINE.match(line), f"every error must start with file:line:col: {line}"

    col = str(exp["col"]) if "col" in exp else r"\d+"
    head = rf"^{re.escape(str(named))}:{exp['line']}:{col}: "
    if "key" in exp:
        head += re.escape(f"{exp['key']}: ")
    matching = [ln for ln in lines if re.match(head, ln)]
    assert matching, f"no error at {named.name}:{exp['line']}:{exp.get('col', '*')} {exp.get('key', '')}: {text}"
    line = matching[0]
    assert exp["contains"] in line, f"{exp['contains']!r} not in: {line}"
    if "hint" in exp:
        assert exp["hint"] in line, f"{exp['hint']!r} not in: {line}"

    # the structured fields agree with the text (the CLI and the studio use them)
    located = [e for e in errors if e.location is not None and e.location.file == str(named)
               and e.location.line == exp["line"]]
    assert located, f"no error object located at {named}:{exp['line']}"
    if "key" in exp:
        assert any(e.key_path == exp["key"] for e in located)
