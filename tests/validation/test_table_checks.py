"""Table-level validation tests: row_count, freshness, schema, volume_drop."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from odibi_core.config.models.validation import ValidationConfig
from odibi_core.engines.pandas_engine import PandasEngine
from odibi_core.errors import ConfigError
from odibi_core.validation import run_validation
from odibi_core.validation.tests.freshness import format_age, parse_age
from tests.transformers.support import make_ctx


@pytest.fixture
def engine(tmp_path):
    eng = PandasEngine({}, tmp_path)
    yield eng
    eng.close()


def check(engine, df, test, history=None):
    cfg = ValidationConfig.model_validate({"tests": [test], "mode": "warn"})
    results = run_validation(make_ctx(engine, df), df, cfg, history=history).results
    assert len(results) == 1
    return results[0]


FIVE = pd.DataFrame({"id": [1, 2, 3, 4, 5], "Name": list("abcde")})


# --- row_count -------------------------------------------------------------------------------

@pytest.mark.parametrize(("bounds", "passed", "message"), [
    ({"min": 5}, True, "5 rows, at least 5 as expected"),
    ({"min": 6}, False, "5 rows, expected at least 6"),
    ({"max": 4}, False, "5 rows, expected at most 4"),
    ({"min": 1, "max": 5}, True, "5 rows, between 1 and 5 as expected"),
    ({}, True, "5 rows (no min or max set)"),
])
def test_row_count(engine, bounds, passed, message):
    r = check(engine, FIVE, {"type": "row_count", **bounds})
    assert (r.name, r.passed, r.message, r.total_rows, r.failed_rows) == ("row_count", passed, message, 5, 0)


def test_row_count_of_an_empty_frame(engine):
    r = check(engine, FIVE.head(0), {"type": "row_count", "min": 1})
    assert (r.passed, r.message) == (False, "0 rows, expected at least 1")


# --- schema ----------------------------------------------------------------------------------

def test_schema_passes_with_expected_columns_in_any_case(engine):
    r = check(engine, FIVE, {"type": "schema", "columns": ["ID", "name"]})
    assert (r.name, r.passed, r.message) == ("schema", True, "all 2 expected columns present")
    strict = check(engine, FIVE, {"type": "schema", "columns": ["id", "Name"], "strict": True})
    assert (strict.passed, strict.message) == (True, "all 2 expected columns present and no others")


def test_schema_reports_missing_with_did_you_mean_and_strict_extras(engine):
    df = FIVE.assign(extra=1)
    r = check(engine, df, {"type": "schema", "columns": ["id", "nme", "email"]})
    assert (r.passed, r.message) == (False, "missing columns: nme (did you mean 'Name'?), email")
    strict = check(engine, df, {"type": "schema", "columns": ["id", "Name"], "strict": True})
    assert (strict.passed, strict.message) == (False, "unexpected column: extra")


# --- volume_drop -----------------------------------------------------------------------------

def test_volume_drop_passes_without_history(engine):
    for history in (None, []):
        r = check(engine, FIVE, {"type": "volume_drop"}, history=history)
        assert (r.name, r.passed, r.message) == ("volume_drop", True, "5 rows; no previous run to compare with")


def test_volume_drop_against_the_previous_run(engine):
    dropped = check(engine, FIVE, {"type": "volume_drop", "threshold": 0.5}, history=[11, 5])
    assert (dropped.passed, dropped.message) == (
        False, "5 rows, 55% fewer than the previous run (11); allowed drop 50%")
    exactly = check(engine, FIVE, {"type": "volume_drop", "threshold": 0.5}, history=[10])
    assert (exactly.passed, exactly.message) == (True, "5 rows, 50% fewer than the previous run (10); allowed drop 50%")
    grew = check(engine, FIVE, {"type": "volume_drop"}, history=[2])
    assert (grew.passed, grew.message) == (True, "5 rows, no fewer than the previous run (2); allowed drop 50%")


def test_volume_drop_averages_the_lookback_runs(engine):
    r = check(engine, FIVE, {"type": "volume_drop", "threshold": 0.2, "lookback_runs": 3}, history=[4, 8, 9, 100])
    # newest first: the average of 4, 8, 9 is 7; 5 is 29% below it; the 4th run is outside the lookback
    assert (r.passed, r.message) == (False, "5 rows, 29% fewer than the average of the last 3 runs (7); "
                                            "allowed drop 20%")


def test_volume_drop_after_empty_runs(engine):
    r = check(engine, FIVE, {"type": "volume_drop"}, history=[0])
    assert (r.passed, r.message) == (True, "5 rows; the previous run (0) had no rows, so nothing can drop")


# --- freshness -------------------------------------------------------------------------------

def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def test_freshness_passes_for_recent_and_fails_for_old(engine):
    now = _utc_now()
    recent = pd.DataFrame({"loaded_at": [now - dt.timedelta(days=5), now - dt.timedelta(hours=2), None]})
    r = check(engine, recent, {"type": "freshness", "column": "loaded_at", "max_age": "1d"})
    assert (r.name, r.passed) == ("freshness_loaded_at", True)
    assert r.message.startswith("newest loaded_at is 2h") and r.message.endswith("old, within max_age 1d")
    stale = pd.DataFrame({"loaded_at": [dt.datetime(2020, 1, 2, 3, 4, 5)]})
    old = check(engine, stale, {"type": "freshness", "column": "loaded_at", "max_age": "24h"})
    assert not old.passed
    assert old.message.startswith("newest loaded_at (2020-01-02 03:04:05 UTC) is ")
    assert old.message.endswith("old, older than max_age 24h")


def test_freshness_accepts_dates_aware_timestamps_and_iso_text(engine):
    today = dt.datetime.now(dt.timezone.utc).date()
    dates = pd.DataFrame({"d": [today - dt.timedelta(days=1), today]})
    assert check(engine, dates, {"type": "freshness", "column": "d", "max_age": "2d"}).passed
    tokyo = dt.timezone(dt.timedelta(hours=9))
    aware = pd.DataFrame({"ts": [dt.datetime.now(tokyo) - dt.timedelta(minutes=30)]})
    r = check(engine, aware, {"type": "freshness", "column": "ts", "max_age": "1h"})
    assert r.passed and r.message.startswith("newest ts is 30m")  # 9h ahead on the clock, 30 min old in fact
    text = pd.DataFrame({"at": ["2019-05-01T10:00:00Z", "2019-04-01T10:00:00Z"]})
    t = check(engine, text, {"type": "freshness", "column": "at", "max_age": "7d"})
    assert not t.passed and "(2019-05-01 10:00:00 UTC)" in t.message


def test_freshness_fails_when_the_column_is_empty(engine):
    r = check(engine, pd.DataFrame({"ts": pd.Series([None, None], dtype="datetime64[us]")}),
              {"type": "freshness", "column": "ts", "max_age": "1h"})
    assert (r.passed, r.message) == (False, "ts has no value (2 rows), so freshness is unknown")


def test_freshness_config_errors(engine):
    with pytest.raises(ConfigError, match=r"validation.tests\[0\]: test 'freshness_ts' \(freshness\): max_age "
                                          r"'a day' is not a duration; write e.g. 30m, 24h, 7d or 1d12h"):
        check(engine, pd.DataFrame({"ts": [_utc_now()]}), {"type": "freshness", "column": "ts", "max_age": "a day"})
    with pytest.raises(ConfigError, match=r"column 'n' holds 3, not a timestamp or date"):
        check(engine, pd.DataFrame({"n": [3]}), {"type": "freshness", "column": "n", "max_age": "1h"})
    with pytest.raises(ConfigError, match=r"checks column 'tss' \(did you mean 'ts'\?\)"):
        check(engine, pd.DataFrame({"ts": [_utc_now()]}), {"type": "freshness", "column": "tss", "max_age": "1h"})


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("24h", 86400), ("7d", 604800), ("1d12h", 129600),
                                               ("2w", 1209600), ("90s", 90), (" 1.5h ", 5400)])
def test_parse_age(text, seconds):
    assert parse_age(text).total_seconds() == seconds


def test_format_age():
    assert format_age(dt.timedelta(days=3, hours=2, minutes=5)) == "3d 2h"
    assert format_age(dt.timedelta(hours=5, minutes=7)) == "5h 7m"
    assert format_age(dt.timedelta(minutes=2, seconds=3)) == "2m 3s"
    assert format_age(dt.timedelta(seconds=9)) == "9s"
