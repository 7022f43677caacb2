"""Validation tests on the pandas engine: counts, messages, NULL rules, on_fail and the single SQL pass."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from odibi_core.config.models.validation import ValidationConfig
from odibi_core.errors import ConfigError
from odibi_core.validation import ValidationOutcome, run_validation
from tests.transformers.support import SparkDialectEngine, make_ctx


@pytest.fixture
def customers():
    return pd.DataFrame({
        "customer_id": [1, 2, 2, None, 5, 6],
        "email": ["a@x.io", "b@x.io", "bad", None, "e@x.io", "f@x"],
        "tier": ["gold", "silver", "gold", "bronze", None, "gold"],
        "age": [30.0, 17.0, None, 45.0, 120.0, 64.0],
    })


def validate(engine, df, tests, history=None, **block) -> ValidationOutcome:
    cfg = ValidationConfig.model_validate({"tests": tests, **block})
    return run_validation(make_ctx(engine, df), df, cfg, history=history)


def only(outcome: ValidationOutcome):
    assert len(outcome.results) == 1
    return outcome.results[0]


# --- row-level tests -------------------------------------------------------------------------

def test_not_null_counts_null_rows(engine, customers):
    r = only(validate(engine, customers, [{"type": "not_null", "columns": ["customer_id"]}]))
    assert (r.name, r.type, r.passed, r.failed_rows, r.total_rows) == ("not_null_customer_id", "not_null", False, 1, 6)
    assert r.message == "1 of 6 rows have NULL in customer_id"


def test_not_null_several_columns_and_nan(engine, customers):
    r = only(validate(engine, customers, [{"type": "not_null", "columns": ["customer_id", "age", "tier"]}]))
    # rows 3 (age NaN), 4 (customer_id NULL), 5 (tier NULL): NaN in a pandas float column is NULL
    assert (r.name, r.failed_rows) == ("not_null_customer_id_age_tier", 3)
    assert r.message == "3 of 6 rows have NULL in customer_id, age or tier"
    named = only(validate(engine, customers, [{"type": "not_null", "columns": ["tier"], "name": "tier_set"}]))
    assert named.name == "tier_set" and named.failed_rows == 1


def test_unique_flags_every_copy_and_treats_nulls_as_equal(engine):
    df = pd.DataFrame({"k": [1, 2, 2, None, None, 3], "j": ["a", "a", "b", "x", "x", "a"]})
    one = only(validate(engine, df, [{"type": "unique", "columns": ["k"]}]))
    assert (one.passed, one.failed_rows) == (False, 4)  # both 2s and both NULLs
    assert one.message == "4 of 6 rows share their k value with another row"
    two = only(validate(engine, df, [{"type": "unique", "columns": ["k", "j"]}]))
    assert (two.name, two.failed_rows) == ("unique_k_j", 2)  # only (NULL, x) repeats
    assert two.message == "2 of 6 rows share their (k, j) value with another row"
    ok = only(validate(engine, df.head(3).tail(2), [{"type": "unique", "columns": ["j"]}]))
    assert ok.passed and ok.message == "j is unique (2 rows)"


def test_accepted_values_ignores_null(engine, customers):
    r = only(validate(engine, customers, [{"type": "accepted_values", "column": "tier", "values": ["gold", "silver"]}]))
    assert (r.name, r.failed_rows) == ("accepted_values_tier", 1)  # bronze; the NULL tier is not judged
    assert r.message == "1 of 6 rows have tier outside the accepted values ['gold', 'silver']"
    nums = only(validate(engine, customers, [{"type": "accepted_values", "column": "customer_id",
                                              "values": [1, 2, 5, 6]}]))
    assert nums.passed and nums.message == "every customer_id is one of [1, 2, 5, 6] or NULL (6 rows)"


def test_accepted_values_quotes_text_literally(engine):
    df = pd.DataFrame({"v": ["it's", "a\\b", "x"]})
    r = only(validate(engine, df, [{"type": "accepted_values", "column": "v", "values": ["it's", "a\\b"]}]))
    assert r.failed_rows == 1


def test_range_bounds_are_inclusive_and_ignore_null(engine, customers):
    both = only(validate(engine, customers, [{"type": "range", "column": "age", "min": 18, "max": 120}]))
    assert (both.name, both.failed_rows) == ("range_age", 1)  # 17; 120 is inside, NaN is not judged
    assert both.message == "1 of 6 rows have age outside [18, 120]"
    low = only(validate(engine, customers, [{"type": "range", "column": "age", "min": 17.5}]))
    assert low.message == "1 of 6 rows have age below 17.5"
    high = only(validate(engine, customers, [{"type": "range", "column": "age", "max": 64}]))
    assert high.message == "1 of 6 rows have age above 64"


def test_range_needs_a_bound():
    with pytest.raises(ValidationError, match="range needs 'min' or 'max'"):
        ValidationConfig.model_validate({"tests": [{"type": "range", "column": "age"}]})


def test_regex_match_searches_and_ignores_null(engine, customers):
    anchored = only(validate(engine, customers, [{"type": "regex_match", "column": "email",
                                                  "pattern": r"^[^@]+@[^@]+\.[a-z]+$"}]))
    assert (anchored.name, anchored.failed_rows) == ("regex_match_email", 2)  # bad, f@x; NULL not judged
    assert anchored.message == r"2 of 6 rows have email not matching '^[^@]+@[^@]+\.[a-z]+$'"
    partial = only(validate(engine, customers, [{"type": "regex_match", "column": "email", "pattern": "@"}]))
    assert partial.failed_rows == 1  # only "bad" has no @ anywhere
    ids = pd.DataFrame({"id": pd.array([7, 42, None, 100], dtype="Int64")})
    numbers = only(validate(engine, ids, [{"type": "regex_match", "column": "id", "pattern": r"^\d\d?$"}]))
    assert numbers.failed_rows == 1  # a number column is matched as its text: 100 has three digits


def test_regex_match_uses_rlike_on_spark(tmp_path, customers):
    spark = SparkDialectEngine({}, tmp_path)
    cfg = ValidationConfig.model_validate({"tests": [{"type": "regex_match", "column": "email",
                                                      "pattern": r"^[^@]+@[^@]+\.[a-z]+$"}]})
    ctx = make_ctx(spark, customers)
    r = only(run_validation(ctx, customers, cfg))
    assert r.failed_rows == 2
    assert r"CAST(`email` AS STRING) RLIKE '^[^@]+@[^@]+\\.[a-z]+$'" in ctx.sql_log[-1]
    spark.close()


def test_custom_sql_counts_null_results_as_failing(engine, customers):
    r = only(validate(engine, customers, [{"type": "custom_sql", "condition": "age >= 18"}]))
    assert (r.name, r.failed_rows) == ("custom_sql", 2)  # 17 fails, NULL age gives NULL: fails too
    assert r.message == "2 of 6 rows do not satisfy age >= 18 (a NULL result counts as failing)"


def test_row_tests_on_an_empty_frame_pass(engine, customers):
    out = validate(engine, customers.head(0), [{"type": "not_null", "columns": ["email"]},
                                               {"type": "unique", "columns": ["email"]}])
    assert [(r.passed, r.failed_rows, r.total_rows) for r in out.results] == [(True, 0, 0), (True, 0, 0)]
    assert out.results[0].message == "no NULL in email (0 rows)"


# --- the runner ------------------------------------------------------------------------------

def test_all_tests_run_in_one_sql_pass(engine, customers):
    cfg = ValidationConfig.model_validate({"tests": [
        {"type": "not_null", "columns": ["customer_id"]}, {"type": "unique", "columns": ["customer_id"]},
        {"type": "accepted_values", "column": "tier", "values": ["gold"]}, {"type": "range", "column": "age", "max": 1},
        {"type": "regex_match", "column": "email", "pattern": "x"}, {"type": "custom_sql", "condition": "1 = 1"},
        {"type": "row_count", "min": 1}, {"type": "freshness", "column": "seen", "max_age": "1d"},
        {"type": "schema", "columns": ["age"]}, {"type": "volume_drop"},
    ], "mode": "warn"})
    df = customers.assign(seen=pd.Timestamp("2020-01-01"))
    ctx = make_ctx(engine, df)
    out = run_validation(ctx, df, cfg)
    assert len(ctx.sql_log) == 1 and ctx.sql_log[0].count("FROM df") == 1
    # NULL id once; the two 2s; silver+bronze; every age but NaN is > 1; "bad" has no x; 1 = 1 holds
    assert [r.failed_rows for r in out.results[:6]] == [1, 2, 2, 5, 1, 0]
    assert [r.passed for r in out.results[6:]] == [True, False, True, True]  # 2020 is not fresh
    assert out.df is df  # the frame goes on unchanged


def test_on_fail_defaults_to_mode_and_can_be_overridden(engine, customers):
    tests = [{"type": "not_null", "columns": ["customer_id"]},
             {"type": "not_null", "columns": ["tier"], "on_fail": "warn"},
             {"type": "not_null", "columns": ["email"], "on_fail": "fail"}]
    failing = validate(engine, customers, tests)  # mode defaults to fail
    assert failing.failed and [r.on_fail for r in failing.results] == ["fail", "warn", "fail"]
    assert failing.warnings == ["test 'not_null_tier' failed (on_fail: warn): 1 of 6 rows have NULL in tier"]
    warned = validate(engine, customers, tests[:2], mode="warn")
    assert not warned.failed and len(warned.warnings) == 2 and warned.quarantine_tests == []


def test_passing_tests_do_not_fail_or_warn(engine, customers):
    out = validate(engine, customers, [{"type": "row_count", "min": 6, "max": 6, "on_fail": "fail"}])
    assert not out.failed and out.warnings == [] and out.results[0].passed


def test_quarantine_routes_failing_rows_aside(engine, customers):
    out = validate(engine, customers, [{"type": "not_null", "columns": ["customer_id"], "on_fail": "quarantine"},
                                       {"type": "not_null", "columns": ["email"], "on_fail": "quarantine"},
                                       {"type": "unique", "columns": ["email"], "on_fail": "quarantine"}],
                   quarantine={"connection": "lake", "path": "q/customers"})
    assert not out.failed
    assert out.quarantine_tests == ["not_null_customer_id", "not_null_email"]
    assert out.results[0].on_fail == "quarantine"
    nulls = customers["customer_id"].isna() | customers["email"].isna()
    assert out.quarantined_rows == int(nulls.sum()) > 0
    assert engine.count(out.df) == len(customers) - out.quarantined_rows
    assert engine.count(out.quarantined) == out.quarantined_rows
    assert out.warnings == []


def test_gate_without_row_tests_passes_every_row(engine, customers):
    gate = validate(engine, customers, [{"type": "row_count", "min": 1}], gate={"require_pass_rate": 0.9})
    assert gate.gate_passed is True and gate.pass_rate == 1.0 and gate.warnings == []
    nothing = validate(engine, customers, [], quarantine={"connection": "lake", "path": "q/customers"})
    assert nothing.results == [] and nothing.quarantined is None


def test_default_names_are_unique_and_explicit_duplicates_are_refused(engine, customers):
    out = validate(engine, customers, [{"type": "custom_sql", "condition": "age > 0"},
                                       {"type": "custom_sql", "condition": "age < 200"},
                                       {"type": "custom_sql", "condition": "age <> 1"}], mode="warn")
    assert [r.name for r in out.results] == ["custom_sql", "custom_sql_2", "custom_sql_3"]
    with pytest.raises(ConfigError, match=r"validation.tests\[1\].name: two validation tests are named 'x'"):
        validate(engine, customers, [{"type": "row_count", "name": "x"}, {"type": "volume_drop", "name": "x"}])


def test_unknown_column_is_a_config_error_before_any_sql(engine, customers):
    cfg = ValidationConfig.model_validate({"tests": [{"type": "not_null", "columns": ["customer_id"]},
                                                     {"type": "unique", "columns": ["emial", "tier"]}]})
    ctx = make_ctx(engine, customers)
    with pytest.raises(ConfigError) as err:
        run_validation(ctx, customers, cfg)
    assert str(err.value).startswith("validation.tests[1]: test 'unique_emial_tier' (unique) checks column 'emial' "
                                     "(did you mean 'email'?), not found in the frame, which has customer_id, "
                                     "email, tier, age.")
    assert ctx.sql_log == []


def test_column_names_match_case_insensitively(engine, customers):
    r = only(validate(engine, customers, [{"type": "not_null", "columns": ["Customer_ID"]}]))
    assert r.failed_rows == 1


def test_test_config_errors_name_the_key():
    with pytest.raises(ValidationError, match=r"unknown key 'column' \(did you mean 'columns'\?\)"):
        ValidationConfig.model_validate({"tests": [{"type": "not_null", "column": "id"}]})
    with pytest.raises(ValidationError, match=r"on_fail\s+Input should be 'warn', 'fail' or 'quarantine'"):
        ValidationConfig.model_validate({"tests": [{"type": "row_count", "on_fail": "abort"}]})
    with pytest.raises(ValidationError, match=r"does not match any of the expected tags"):
        ValidationConfig.model_validate({"tests": [{"type": "not_nul", "columns": ["id"]}]})


def test_spark_dialect_sql_counts_the_same(engine, tmp_path, customers):
    """The same tests written as Spark SQL (see tests.transformers.support) give the same counts."""
    tests = [{"type": "not_null", "columns": ["customer_id", "tier"]}, {"type": "unique", "columns": ["customer_id"]},
             {"type": "accepted_values", "column": "tier", "values": ["gold", "it's"]},
             {"type": "range", "column": "age", "min": 18, "max": 99.5},
             {"type": "regex_match", "column": "email", "pattern": r"^\w+@\w+\.io$"},
             {"type": "custom_sql", "condition": "age > 20 AND tier <> 'silver'"}, {"type": "row_count", "max": 3}]
    spark = SparkDialectEngine({}, tmp_path)
    duck_out = validate(engine, customers, tests, mode="warn")
    spark_out = validate(spark, customers, tests, mode="warn")
    spark.close()
    counts = [(r.name, r.passed, r.failed_rows, r.message) for r in duck_out.results]
    assert counts == [(r.name, r.passed, r.failed_rows, r.message) for r in spark_out.results]
    assert [c[2] for c in counts] == [2, 2, 2, 2, 2, 3, 0]  # custom_sql: 17, and two NULL results
