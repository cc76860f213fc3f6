"""Edits from the Cài đặt page: checked by the campaign-file rules, stored in one go, audited."""
from __future__ import annotations

import json
from datetime import date

import pytest

from loaders.reference import campaigns
from loaders.store import rollup
from loaders.accounts import settings_edit as se

CODE = "daklak-2025"


def _phases(con, code=CODE) -> list[dict]:
    return [dict(number=n, name=name, start=s, end=e, note=note) for n, name, s, e, note in con.execute(
        "select number, name, start_date, end_date, note from phases where campaign_code = ? order by number",
        [code]).fetchall()]


def _audit(con, action_prefix="settings.") -> list[tuple]:
    return con.execute("select actor, action, object, details from audit_log where action like ? order by id",
                       [action_prefix + "%"]).fetchall()


@pytest.mark.parametrize("code", ["daklak-2025", "daknong-2020", "laichau-2025", "langson-2020",
                                  "ninhthuan-2025"])
def test_every_stored_campaign_passes_the_file_rules(con, code):
    c = se.validate(con, se.definition(con, code))
    assert c["code"] == code
    assert [p["number"] for p in c["phases"]] == [p["number"] for p in _phases(con, code)]


@pytest.mark.parametrize("edit, message", [
    # a day left between Đợt I (ends 01/10/2025) and Đợt II
    ({1: {"start": date(2025, 10, 3)}},
     "Đợt II — ngày bắt đầu: Đợt II bắt đầu 03/10/2025, cách Đợt I (kết thúc 01/10/2025) 1 ngày trống"),
    # overlapping Đợt I
    ({1: {"start": date(2025, 9, 30)}},
     "Đợt II — ngày bắt đầu: Đợt II bắt đầu 30/09/2025, chồng lên Đợt I (kết thúc 01/10/2025)"),
    # beyond the campaign's last day (31/03/2026)
    ({2: {"end": date(2026, 4, 30)}}, "Đợt III — ngày kết thúc: Đợt III (24/01/2026 – 30/04/2026) nằm ngoài"),
    # ending before it starts
    ({0: {"end": date(2025, 9, 1)}}, "Đợt I — ngày kết thúc: Đợt I kết thúc 01/09/2025 trước khi bắt đầu"),
    # a phase without a name
    ({0: {"name": " "}}, "Đợt I — tên đợt: thiếu (bắt buộc)"),
])
def test_an_invalid_phase_edit_is_refused_and_nothing_changes(con, edit, message):
    before, audit_before = _phases(con), _audit(con)
    rows = _phases(con)
    for i, change in edit.items():
        rows[i].update(change)
    with pytest.raises(se.SettingsError) as e:
        se.update_schedule(con, CODE, rows, actor="tester")
    assert str(e.value).startswith(message), str(e.value)
    assert _phases(con) == before
    assert _audit(con) == audit_before


def test_a_valid_phase_edit_is_stored_audited_and_the_rollup_follows(con):
    rows = _phases(con)
    rows[0]["end"], rows[1]["start"] = date(2025, 10, 5), date(2025, 10, 6)
    made = se.update_schedule(con, CODE, rows, actor="cán bộ A")
    assert [c.what for c in made] == ["Đợt I — ngày kết thúc", "Đợt II — ngày bắt đầu"]
    stored = _phases(con)
    assert (stored[0]["end"], stored[1]["start"]) == (date(2025, 10, 5), date(2025, 10, 6))
    log = _audit(con)
    assert [(a, act, obj) for a, act, obj, _ in log] == [
        ("cán bộ A", "settings.phase", f"{CODE}/1"), ("cán bộ A", "settings.phase", f"{CODE}/2")]
    assert json.loads(log[0][3]) == {"phase": "Đợt I — ngày kết thúc", "before": "2025-10-01",
                                     "after": "2025-10-05"}
    assert rollup.stale(con, [CODE]) == []
    week = con.execute("select phase_number from metric_weeks where campaign_code = ? and week_start = ?",
                       [CODE, date(2025, 9, 29)]).fetchone()
    assert week == (1,)  # the week ending 05/10 now belongs to Đợt I


def test_extending_the_campaign_with_its_last_phase(con):
    rows = _phases(con)
    rows[2]["end"] = date(2026, 4, 30)
    made = se.update_schedule(con, CODE, rows, actor="tester", end=date(2026, 4, 30))
    assert {c.what for c in made} == {"Ngày kết thúc kế hoạch", "Đợt III — ngày kết thúc"}
    assert con.execute("select end_date from campaigns where code = ?", [CODE]).fetchone() == (date(2026, 4, 30),)


def test_an_unchanged_schedule_writes_nothing(con):
    assert se.update_schedule(con, CODE, _phases(con), actor="tester") == []
    assert _audit(con) == []


def test_phases_cannot_be_added_or_dropped_here(con):
    with pytest.raises(se.SettingsError, match="Cần đủ các đợt"):
        se.update_schedule(con, CODE, _phases(con)[:2], actor="tester")


@pytest.mark.parametrize("mins, message", [
    ({"min_per_week": -1}, "tối thiểu mỗi tuần: -1 phải lớn hơn hoặc bằng 0"),
    ({"min_per_week": 1, "min_per_phase": 5}, "chỉ ghi một trong hai: tối thiểu mỗi tuần hoặc tối thiểu mỗi đợt"),
    ({"min_per_week": "ba"}, "tối thiểu mỗi tuần: 'ba' không phải số"),
])
def test_an_invalid_minimum_is_refused(con, mins, message):
    before = con.execute("select * from tasks order by all").fetchall()
    row = {"unit_kind": "xa", "group_code": "ttcs", "indicator_code": "ttcs_tin_bai",
           "min_per_week": None, "min_per_phase": None, **mins}
    with pytest.raises(se.SettingsError) as e:
        se.update_tasks(con, CODE, [row], actor="tester")
    assert str(e.value).startswith("Nhiệm vụ của Xã: Tin, bài phát trên hệ thống truyền thanh cơ sở")
    assert message in str(e.value)
    assert con.execute("select * from tasks order by all").fetchall() == before
    assert _audit(con) == []


def test_a_valid_minimum_is_stored_no_longer_an_example_and_audited(con):
    made = se.update_tasks(con, CODE, [
        {"unit_kind": "xa", "group_code": "ttcs", "indicator_code": "ttcs_tin_bai", "min_per_week": 4,
         "min_per_phase": None},
        # the same minimum as stored: not a change
        {"unit_kind": "xa", "group_code": "web", "indicator_code": "web_tin_bai", "min_per_week": 1.0,
         "min_per_phase": None},
    ], actor="tester")
    assert len(made) == 1
    row = con.execute("select min_per_week, min_per_phase, is_example from tasks where campaign_code = ? "
                      "and unit_kind = 'xa' and indicator_code = 'ttcs_tin_bai'", [CODE]).fetchone()
    assert row == (4.0, None, False)
    # phường had the same list in the file (a YAML anchor) and keeps its own
    assert con.execute("select min_per_week from tasks where campaign_code = ? and unit_kind = 'phuong' "
                       "and indicator_code = 'ttcs_tin_bai'", [CODE]).fetchone() == (3.0,)
    (actor, action, obj, details), = _audit(con)
    assert (actor, action, obj) == ("tester", "settings.task", f"{CODE}/xa/ttcs_tin_bai")
    assert json.loads(details)["before"] == 3 and json.loads(details)["after"] == 4


def test_details_are_checked_stored_and_audited(con):
    with pytest.raises(se.SettingsError, match="^Tên kế hoạch: thiếu"):
        se.update_details(con, CODE, {"title": "  ", "doc_number": "12/KH-SVHTTDL"}, actor="tester")
    assert con.execute("select doc_number from campaigns where code = ?", [CODE]).fetchone() == (None,)
    with pytest.raises(se.SettingsError, match="^Giờ hạn nộp: 24 nằm ngoài"):
        se.update_details(con, CODE, {"deadline_hour": 24}, actor="tester")
    made = se.update_details(con, CODE, {"doc_number": "12/KH-SVHTTDL", "doc_date": date(2025, 9, 5),
                                         "title": con.execute("select title from campaigns where code = ?",
                                                              [CODE]).fetchone()[0]}, actor="tester")
    assert [c.what for c in made] == ["Số văn bản", "Ngày văn bản"]
    assert con.execute("select doc_number, doc_date from campaigns where code = ?", [CODE]).fetchone() == (
        "12/KH-SVHTTDL", date(2025, 9, 5))
    assert [json.loads(d)["after"] for *_, d in _audit(con)] == ["12/KH-SVHTTDL", "2025-09-05"]


def test_edits_survive_init_and_restore_brings_the_file_back(con):
    rows = _phases(con)
    rows[0]["end"], rows[1]["start"] = date(2025, 10, 5), date(2025, 10, 6)
    se.update_schedule(con, CODE, rows, actor="tester")
    campaigns.load_all(con)  # what `python -m loaders init` does at every start: the file is unchanged
    assert _phases(con)[0]["end"] == date(2025, 10, 5)
    assert se.restore_from_file(con, CODE, actor="tester") == "daklak-2025.yaml"
    assert _phases(con)[0]["end"] == date(2025, 10, 1)
    assert _audit(con)[-1][:3] == ("tester", "settings.restore", CODE)
    assert rollup.stale(con, [CODE]) == []


def test_a_legacy_campaign_edits_the_same_way(con):
    code = "langson-2020"
    rows = _phases(con, code)
    old_name = rows[0]["name"]
    rows[0]["name"] = old_name + " (sửa)"
    made = se.update_schedule(con, code, rows, actor="tester")
    assert [c.what for c in made] == [f"{old_name} — tên đợt"]
    assert _phases(con, code)[0]["name"] == old_name + " (sửa)"
    # its districts (generated org_units) are no part of the file and do not upset the rules
    assert con.execute("select count(*) from org_units where campaign_code = ? and kind = 'huyen'",
                       [code]).fetchone()[0] > 0
