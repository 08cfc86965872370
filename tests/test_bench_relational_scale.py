"""Unit tests of bench.relational_scale's pure helpers (no server, no model)."""

from __future__ import annotations

import pytest

from bench.relational_scale import cutoff_seconds, extrapolated_seconds, growth, parse_args, scale_label


def test_cutoff_seconds_splits_at_the_last_fit_of_each_cutoff() -> None:
    events = [
        (10.0, "popularity @ 2020-07-29"),
        (14.0, "gnn-attention @ 2020-07-29"),
        (15.0, "popularity @ 2020-08-26"),
        (21.0, "gnn-attention @ 2020-08-26"),
    ]
    # The first cut-off starts one first fit (0.5 s) before the first event.
    assert cutoff_seconds(events, 0.5) == [4.5, 7.0]


def test_cutoff_seconds_without_events_is_empty() -> None:
    assert cutoff_seconds([], 0.0) == []


def test_extrapolated_seconds_replaces_the_measured_cutoffs_by_eight_of_their_mean() -> None:
    assert extrapolated_seconds(100.0, [20.0, 30.0]) == pytest.approx(100.0 - 50.0 + 8 * 25.0)
    assert extrapolated_seconds(100.0, []) == 100.0


def test_growth_divides_by_the_first_scale_and_skips_zeros() -> None:
    assert growth([{"a": 2.0, "b": 0.0}, {"a": 5.0, "b": 3.0}]) == [{"a": 2.5, "b": None}]


def test_quick_defaults_and_explicit_scales() -> None:
    quick = parse_args(["--quick"])
    assert (quick.scales, quick.eval_cutoffs) == ([0.1], 1)
    full = parse_args(["--scales", "1,10"])
    assert (full.scales, full.eval_cutoffs) == ([1.0, 10.0], 2)
    assert [scale_label(s) for s in full.scales] == ["1", "10"]


def test_non_positive_scales_are_rejected() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--scales", "0"])
