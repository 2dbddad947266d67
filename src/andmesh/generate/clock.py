"""Time as the generator counts it: days and microseconds since the Unix epoch.

Dates are Arrow ``date32`` (days since 1970-01-01) and timestamps ``timestamp[us, UTC]``
(microseconds since the epoch), so every time computation is integer arithmetic on
NumPy arrays and converts to Arrow without copies.

>>> AS_OF_DAY - START_DAY + 1
730
>>> weekday(np.array([0]))  # 1970-01-01 was a Thursday
array([3])
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from andmesh.generate.settings import AS_OF, HISTORY_START

EPOCH = dt.date(1970, 1, 1)
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000

START_DAY = (HISTORY_START - EPOCH).days
AS_OF_DAY = (AS_OF - EPOCH).days
# The last microsecond of the as-of date: anything later has not happened yet.
AS_OF_END_US = (AS_OF_DAY + 1) * DAY_US - 1


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 … Sunday = 6 for epoch day numbers."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


def day_of(us: np.ndarray) -> np.ndarray:
    """The epoch day of a timestamp in microseconds."""
    return np.asarray(us, dtype=np.int64) // DAY_US


def hours(values: np.ndarray) -> np.ndarray:
    """Fractional hours as whole microseconds."""
    return np.round(np.asarray(values, dtype=np.float64) * HOUR_US).astype(np.int64)


def days(values: np.ndarray) -> np.ndarray:
    """Fractional days as whole microseconds."""
    return np.round(np.asarray(values, dtype=np.float64) * DAY_US).astype(np.int64)
