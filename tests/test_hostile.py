"""Broken and hostile files: each gets a clear Vietnamese rejection or a safe reading, within a time
bound, and the database holds nothing of a rejected file."""
from __future__ import annotations

import time

import pytest

from loaders.ingest import pipeline as ingest
from tests.hostile import CORPUS

TIME_BOUND_S = 10


def _state(con):
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("submissions", "report_values", "report_posts")}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_file(case, con):
    name, build, expected = CORPUS[case]
    data = build()
    before = _state(con)
    t0 = time.perf_counter()
    result = ingest.ingest_bytes(con, data, name, "daklak-2025", actor="kiem-thu")
    elapsed = time.perf_counter() - t0
    assert elapsed < TIME_BOUND_S, f"{case} took {elapsed:.1f} s"
    assert result.status == expected, [m.text for m in result.messages]
    audited = con.execute("select action, details from audit_log where object = ? order by id desc limit 1",
                          [name]).fetchone()
    assert audited is not None  # every upload is audited, rejected ones too
    if expected == "rejected":
        assert _state(con) == before
        errors = [m for m in result.messages if m.level == "error"]
        assert errors and all(m.text and m.text[0].isupper() for m in errors)
        assert any(ch in errors[0].text for ch in "ăâđêôơưáàảãạếệ"), errors[0].text  # Vietnamese, with diacritics
    else:
        assert _state(con)["submissions"] == before["submissions"] + 1


def test_specific_messages(con):
    def first_error(case):
        name, build, _ = CORPUS[case]
        r = ingest.ingest_bytes(con, build(), name, "daklak-2025")
        return next(m.text for m in r.messages if m.level == "error")

    assert "mật khẩu" in first_error("password")
    assert "giải nén ra quá lớn" in first_error("zip_bomb")
    assert "1.000.000 dòng" in first_error("million_rows")
    assert "trang tính" in first_error("thousands_of_sheets")
    assert "#REF!" in first_error("error_cells")
    assert "hỏng" in first_error("truncated_zip")


def test_1904_dates_read_as_the_real_week(con):
    name, build, _ = CORPUS["date_1904"]
    r = ingest.ingest_bytes(con, build(), name, "daklak-2025")
    assert r.status == "accepted", [m.text for m in r.messages]
    assert (str(r.period_start), str(r.period_end)) == ("2025-09-15", "2025-09-21")


def test_text_is_stored_as_text(con):
    """Formulas and markup in notes never become anything but text; the values still count."""
    name, build, _ = CORPUS["formula_notes"]
    r = ingest.ingest_bytes(con, build(), name, "daklak-2025")
    assert r.status == "accepted"
    assert con.execute("select value from v_report_values where indicator_code = 'ttcs_tin_bai'").fetchone()[0] == 5
