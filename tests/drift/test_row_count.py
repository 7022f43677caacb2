"""The row-count math: robust z-score, its MAD == 0 fallbacks, the percent path and the exact boundaries."""

from __future__ import annotations

import math
import statistics

import pytest

from odibi_core.drift.row_count import check_row_count, median_abs_deviation, pct_change, robust_z

STEADY = [100, 104, 96, 102, 98, 101, 99, 103, 97]  # median 100, MAD 2


def test_robust_z_is_the_modified_z_score():
    med, mad = median_abs_deviation(STEADY)
    assert (med, mad) == (100, 2)
    assert robust_z(110, STEADY) == pytest.approx(0.6745 * 10 / 2)
    assert robust_z(90, STEADY) == pytest.approx(-0.6745 * 10 / 2)


def test_z_path_once_min_runs_exist_flags_jumps_and_drops():
    ok = check_row_count(105, STEADY, min_runs=7)
    assert ok.method == "robust_z" and not ok.anomaly and ok.history_runs == 9
    assert ok.score == pytest.approx(0.6745 * 5 / 2) and ok.reference == 100
    jump = check_row_count(130, STEADY, min_runs=7)
    drop = check_row_count(70, STEADY, min_runs=7)
    assert jump.anomaly and jump.score > 3.5
    assert drop.anomaly and drop.score < -3.5
    # the expected range is exactly the counts that are not anomalies
    assert jump.expected_low == pytest.approx(100 - 3.5 * 2 / 0.6745)
    assert jump.expected_high == pytest.approx(100 + 3.5 * 2 / 0.6745)


def test_z_threshold_boundary_is_not_an_anomaly_and_just_above_is():
    z = check_row_count(111, STEADY).score
    at = check_row_count(111, STEADY, z_threshold=z)
    above = check_row_count(111, STEADY, z_threshold=z - 1e-9)
    assert at.score == above.score == z
    assert not at.anomaly and above.anomaly


def test_window_limits_the_history_used():
    history = STEADY + [10_000 + 10 * i for i in range(20)]  # newest first: older, far larger counts
    check = check_row_count(100, history, window=len(STEADY))
    assert check.history_runs == len(STEADY) and not check.anomaly
    assert check_row_count(100, history, window=30).anomaly


def test_fewer_than_min_runs_uses_percent_change_against_the_previous_run():
    check = check_row_count(140, [100, 1000, 5], min_runs=7)  # only the newest (100) counts
    assert check.method == "pct_change" and check.reference == 100 and check.history_runs == 3
    assert check.score == pytest.approx(40.0) and not check.anomaly
    assert (check.expected_low, check.expected_high) == (50.0, 150.0)
    assert check_row_count(40, [100], min_runs=7).anomaly  # -60 %


def test_percent_threshold_boundary():
    assert check_row_count(150, [100]).score == 50.0
    assert not check_row_count(150, [100], pct_threshold=50).anomaly
    assert check_row_count(151, [100], pct_threshold=50).anomaly
    assert not check_row_count(50, [100], pct_threshold=50).anomaly
    assert check_row_count(49, [100], pct_threshold=50).anomaly


def test_min_runs_switches_method_exactly_at_the_count():
    assert check_row_count(100, STEADY[:6], min_runs=7).method == "pct_change"
    assert check_row_count(100, STEADY[:7], min_runs=7).method == "robust_z"


def test_zero_rows_before_and_after():
    assert pct_change(0, 0) == 0.0 and math.isinf(pct_change(5, 0))
    from_zero = check_row_count(5, [0])
    assert from_zero.anomaly and from_zero.to_dict()["score"] is None  # strict JSON: no Infinity
    assert not check_row_count(0, [0]).anomaly


def test_no_history_is_never_an_anomaly():
    check = check_row_count(1_000_000, [])
    assert check.method == "no_history" and not check.anomaly and check.score is None


def test_mad_zero_falls_back_to_mean_absolute_deviation():
    history = [100] * 7 + [500]  # more than half identical: MAD is 0
    assert median_abs_deviation(history) == (100, 0)
    mean_ad = statistics.fmean(abs(v - 100) for v in history)  # 50
    normal = check_row_count(150, history)
    assert normal.method == "mean_ad_z" and normal.spread == mean_ad
    assert normal.score == pytest.approx(50 / (1.253314 * mean_ad)) and not normal.anomaly
    spike = check_row_count(400, history)
    assert spike.anomaly and spike.score == pytest.approx(300 / (1.253314 * mean_ad))


def test_constant_history_falls_back_to_percent_of_the_constant():
    history = [100] * 10  # MAD and MeanAD both 0: no spread at all
    same = check_row_count(100, history)
    assert same.method == "pct_of_median" and same.score == 0 and not same.anomaly
    assert not check_row_count(149, history).anomaly
    big = check_row_count(151, history)
    assert big.method == "pct_of_median" and big.anomaly and big.reference == 100


def test_to_dict_is_json_ready():
    import json

    d = check_row_count(130, STEADY).to_dict()
    assert json.loads(json.dumps(d, allow_nan=False))["anomaly"] is True
