"""The supervisors' analytics: the period asked about, the summary figures, the CSV exports.

:mod:`~desk.services.analytics.period` parses and bounds the period,
:mod:`~desk.services.analytics.figures` computes the summary's figures (its docstring defines
every figure), :mod:`~desk.services.analytics.exports` streams the rows behind each chart.
"""

from desk.services.analytics.exports import DATASETS, export_csv, export_filename
from desk.services.analytics.figures import (
    DEFAULT_TOP,
    MAX_TOP,
    RatingComment,
    recent_comments,
    refresh,
    summary,
)
from desk.services.analytics.period import (
    DEFAULT_DAYS,
    MAX_DAYS,
    Period,
    parse_day,
    period_for,
)

__all__ = [
    "DATASETS",
    "DEFAULT_DAYS",
    "DEFAULT_TOP",
    "MAX_DAYS",
    "MAX_TOP",
    "Period",
    "RatingComment",
    "export_csv",
    "export_filename",
    "parse_day",
    "period_for",
    "recent_comments",
    "refresh",
    "summary",
]
