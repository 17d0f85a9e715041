"""Aggregating an expert panel's scores: trimmed mean and outliers, as the officer sees them."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TRIM_FROM = 5  # with this many scores or more, the highest and the lowest are dropped
OUTLIER_POINTS = 15.0  # a score this far from the trimmed mean is marked for the officer


@dataclass(frozen=True)
class PanelScores:
    """The valid scores of a panel, their means and which of them stand out."""

    scores: tuple[float, ...]
    mean: float | None
    trimmed_mean: float | None
    trimmed: bool
    outliers: frozenset[int]  # positions in `scores`

    def is_outlier(self, index: int) -> bool:
        """Whether the score at `index` is an outlier."""
        return index in self.outliers


def summarize(scores: Sequence[float]) -> PanelScores:
    """Mean, trimmed mean (highest and lowest dropped from five scores on) and the outliers."""
    values = tuple(float(s) for s in scores)
    if not values:
        return PanelScores(values, None, None, False, frozenset())
    trimmed = len(values) >= TRIM_FROM
    kept = sorted(values)[1:-1] if trimmed else list(values)
    trimmed_mean = round(sum(kept) / len(kept), 2)
    outliers = frozenset(i for i, v in enumerate(values) if abs(v - trimmed_mean) > OUTLIER_POINTS)
    return PanelScores(values, round(sum(values) / len(values), 2), trimmed_mean, trimmed, outliers)
