"""The one Vietnamese rule for numbers, percentages and dates (loaders.common.formatting)."""
from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from loaders.common import formatting as fmt


@pytest.mark.parametrize("x, text", [
    (0, "0"), (7, "7"), (999, "999"), (1234, "1.234"), (1234567, "1.234.567"), (-1234, "-1.234"),
    (12.6, "13"), (12.5, "13"), (1234.0, "1.234"), (np.int64(1050), "1.050"), (np.float64(2.0), "2"),
    (-0.4, "0"),
])
def test_counts_are_whole_numbers_with_dots_between_thousands(x, text):
    assert fmt.count(x) == text


@pytest.mark.parametrize("x, decimals, text", [
    (1234.5, None, "1.234,5"), (1234.0, None, "1.234"), (1.25, None, "1,25"), (1.5, None, "1,5"),
    (0.3333, None, "0,33"), (1234567.891, None, "1.234.567,89"), (-2.5, None, "-2,5"),
    (1234.5, 1, "1.234,5"), (3, 1, "3,0"), (0.125, 2, "0,13"), (2.675, 2, "2,68"), (1234.5, 0, "1.235"),
])
def test_decimals_after_a_comma(x, decimals, text):
    assert fmt.number(x, decimals) == text


@pytest.mark.parametrize("x, decimals, text", [
    (0.876, 1, "87,6%"), (0.43, 0, "43%"), (0.425, 0, "43%"), (1, 0, "100%"), (0.0, 1, "0,0%"),
    (0.15, 0, "15%"), (12.345, 0, "1.235%"), (np.float64(0.5), 1, "50,0%"),
])
def test_percent_of_a_fraction(x, decimals, text):
    assert fmt.percent(x, decimals) == text


@pytest.mark.parametrize("d", [date(2025, 11, 19), datetime(2025, 11, 19, 17, 5), pd.Timestamp("2025-11-19"),
                               "2025-11-19", np.datetime64("2025-11-19")])
def test_dates_day_month_year(d):
    got = fmt.date_dmy(pd.Timestamp(d) if isinstance(d, np.datetime64) else d)
    assert got == "19/11/2025"
    assert fmt.date_dmy(date(2025, 9, 8)) == "08/09/2025"
    assert fmt.period(date(2025, 9, 8), date(2025, 9, 14)) == "08/09/2025 – 14/09/2025"


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, np.float64("nan")])
def test_missing_values_are_never_none_or_nan(missing):
    outs = [fmt.count(missing), fmt.number(missing), fmt.percent(missing), fmt.date_dmy(missing),
            fmt.number(missing, missing=""), fmt.period(missing, date(2025, 1, 1))]
    for text in outs:
        assert text in ("—", "")
        assert "None" not in text and "nan" not in text.lower() and "NaT" not in text
    assert fmt.count(missing) == "—" and fmt.number(missing, missing="") == ""
    assert fmt.count(math.inf) == "—"


def test_pages_and_messages_share_the_rule():
    from loaders.ingest.validate import dmy, fmt_num
    from ui.common import vn_date, vn_number, vn_percent

    assert fmt_num(1234.5) == vn_number(1234.5, None) == "1.234,5"
    assert fmt_num(1234) == vn_number(1234) == "1.234"
    assert fmt_num(None) == "" and vn_number(None) == "—"
    assert vn_percent(0.876, 1) == "87,6%" and vn_percent(0.876) == "88%"
    assert vn_date(date(2025, 11, 19)) == dmy(date(2025, 11, 19)) == "19/11/2025"
    assert vn_date(None) == ""
