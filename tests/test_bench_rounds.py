"""bench/rounds.py: how the benchmark's reports give a figure measured in rounds."""

import math

from bench.rounds import Rounds, median_round


def test_a_figure_is_the_median_of_its_rounds_with_their_min_max():
    rounds = Rounds.of([340.0, 327.0, 347.0])
    assert rounds.median == 340
    assert rounds.show() == "340 (327-347)"
    assert not rounds.disagree


def test_rounds_more_than_20_percent_apart_are_flagged():
    assert Rounds.of([100, 120]).spread <= 0.2
    assert not Rounds.of([100, 120]).disagree  # max/min - 1 = 0.2: not more than 20%
    flagged = Rounds.of([100, 110, 121])
    assert flagged.disagree
    assert flagged.show("{:.0f}") == "110 (100-121) ⚠"
    assert flagged.show("{:.0f}", spread=False) == "110 ⚠"


def test_one_round_has_no_spread_and_no_rounds_no_median():
    assert Rounds.of([5.0]).show("{:.1f}") == "5.0"
    assert not Rounds.of([5.0]).disagree
    assert math.isnan(Rounds.of([]).median)


def test_a_zero_round_counts_as_disagreeing():
    assert Rounds.of([0.0, 1.0]).disagree


def test_median_round_is_one_real_round():
    rounds = [{"p95": 3.0, "p50": 1.0}, {"p95": 9.0, "p50": 2.0}, {"p95": 5.0, "p50": 7.0}]
    assert median_round(rounds, "p95") == {"p95": 5.0, "p50": 7.0}
