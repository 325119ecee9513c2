"""A figure measured in rounds: its median, its spread, and whether the rounds disagree.

Shared by the benchmark's reports (bench/driver.py, bench/latency.py): every figure is the median
of its rounds, shown with the rounds' min-max, and flagged when the largest round exceeds the
smallest by more than DISAGREE (max/min - 1 > 0.2), a run to repeat with more rounds before its
figure is trusted.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

DISAGREE = 0.20
FLAG = "⚠"
LEGEND = (
    f"{FLAG}: the rounds of this figure disagree by more than {DISAGREE:.0%} (max/min - 1); "
    "repeat with more rounds before trusting it."
)


@dataclass(frozen=True)
class Rounds:
    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Rounds:
        return cls(tuple(values))

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    @property
    def low(self) -> float:
        return min(self.values, default=math.nan)

    @property
    def high(self) -> float:
        return max(self.values, default=math.nan)

    @property
    def spread(self) -> float:
        """max/min - 1 over the rounds (0 for one round)."""
        if len(self.values) < 2:
            return 0.0
        return self.high / self.low - 1 if self.low > 0 else math.inf

    @property
    def disagree(self) -> bool:
        return self.spread > DISAGREE

    def flag(self) -> str:
        return f" {FLAG}" if self.disagree else ""

    def show(self, fmt: str = "{:.0f}", *, spread: bool = True) -> str:
        """`342 (327-347)`, with the flag when the rounds disagree; the median alone (and the flag)
        without `spread`."""
        text = fmt.format(self.median)
        if spread and len(self.values) > 1:
            text += f" ({fmt.format(self.low)}-{fmt.format(self.high)})"
        return text + self.flag()


def median_round(rounds: list[dict], key: str) -> dict:
    """The round whose `key` is the median one (the upper of the two middle ones for an even count),
    so that the figures shown beside it come from one real round."""
    return sorted(rounds, key=lambda r: r[key])[len(rounds) // 2]
