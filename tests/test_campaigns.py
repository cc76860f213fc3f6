"""Campaign definitions: the five shipped files load, their phases tile the campaign, their reporting
units come out right for both eras, broken files fail naming file and field, reloads change nothing."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from loaders.reference import campaigns
from loaders.store import db
from loaders.reference import indicators
from loaders.reference import masterdata
from loaders.reference.campaigns import CampaignFileError, read_campaign

FILES = sorted(campaigns.CAMPAIGNS_DIR.glob("*.yaml"))
CODES = ["daklak-2025", "daknong-2020", "laichau-2025", "langson-2020", "ninhthuan-2025"]
TABLES = ["campaigns", "phases", "milestones", "reporting_kinds", "org_units", "tasks"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    con = db.connect(tmp_path_factory.mktemp("campaigns") / "c.duckdb")
    masterdata.load(con)
    indicators.load(con)
    loaded = campaigns.load_all(con)
    yield con, loaded
    con.close()


def _rows(con, table: str) -> list[tuple]:
    cols = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
        [table]).fetchall() if c != "loaded_at"]
    return con.execute(f"select {', '.join(cols)} from {table} order by all").fetchall()


# --- the shipped files

def test_every_file_loads(store):
    con, loaded = store
    assert [f.stem for f in FILES] == CODES
    assert loaded == CODES
    assert [c for (c,) in con.execute("select code from campaigns order by code").fetchall()] == CODES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_phases_tile_the_campaign(path):
    c = read_campaign(path)
    assert isinstance(c["start"], date) and isinstance(c["phases"][0]["end"], date)
    phases = c["phases"]
    assert phases[0]["start"] == c["start"] and phases[-1]["end"] == c["end"]
    for prev, nxt in zip(phases, phases[1:]):
        assert nxt["number"] > prev["number"]
        assert nxt["start"] == prev["end"] + timedelta(days=1), (prev["name"], nxt["name"])
    assert c["demo_today"] is not None
    assert any(p["start"] <= c["demo_today"] <= p["end"] for p in phases)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_reporting_kind_has_example_tasks_and_default_params(path):
    c = read_campaign(path)
    kinds = {k["kind"] for k in c["kinds"]}
    assert kinds == {t["kind"] for t in c["tasks"]}
    assert all(t["example"] for t in c["tasks"])  # the plans give no numbers
    assert kinds <= set(campaigns.KIND_NAMES)
    assert c["params"] == campaigns.DEFAULT_PARAMS
    assert (c["week_start"], c["deadline_days"], c["deadline_hour"]) == (1, 1, 17)


def test_milestones_in_the_store(store):
    con, _ = store
    got = dict(((c, m), d) for c, m, d in con.execute(
        "select campaign_code, code, date from milestones").fetchall())
    assert got[("daklak-2025", "dh_tinh")] == date(2025, 10, 1)
    assert got[("laichau-2025", "dh_tinh")] == date(2025, 9, 19)
    assert got[("langson-2020", "dh_tinh")] == date(2020, 9, 27)
    assert got[("ninhthuan-2025", "dh_tinh")] == date(2025, 9, 23)
    assert got[("daknong-2020", "dh_tinh")] == date(2020, 10, 16)
    assert {d for (c, m), d in got.items() if m == "dh_toan_quoc" and c.endswith("2025")} == {date(2026, 1, 23)}
    assert {d for (c, m), d in got.items() if m == "dh_toan_quoc" and c.endswith("2020")} == {date(2021, 2, 1)}


def test_daklak_units(store):
    con, _ = store
    assert con.execute("select count(*) from phases where campaign_code = 'daklak-2025'").fetchone()[0] == 3
    terr = con.execute("select kind, count(*) from campaign_units where campaign_code = 'daklak-2025' "
                       "and territorial group by kind order by kind").fetchall()
    assert terr == [("phuong", 14), ("xa", 88)]  # the 102 commune-level units of Đắk Lắk
    assert con.execute("""select count(*) from campaign_units cu
                          join units u on u.era = '2025' and u.code = cu.unit_code and u.province_code = '66'
                          where cu.campaign_code = 'daklak-2025' and cu.territorial""").fetchone()[0] == 102
    org = con.execute("select unit_code, kind from campaign_units where campaign_code = 'daklak-2025' "
                      "and not territorial order by unit_code").fetchall()
    spec = read_campaign(campaigns.CAMPAIGNS_DIR / "daklak-2025.yaml")
    assert org == sorted((o["code"], o["kind"]) for o in spec["org_units"])


def test_langson_runs_on_legacy_units(store):
    con, _ = store
    assert con.execute("select era from campaigns where code = 'langson-2020'").fetchone()[0] == "legacy"
    terr = con.execute("select unit_code from campaign_units where campaign_code = 'langson-2020' "
                       "and territorial").fetchall()
    legacy = {c for (c,) in con.execute(
        "select code from units where era = 'legacy' and province_code = '20'").fetchall()}
    assert {c for (c,) in terr} == legacy and len(terr) == len(legacy)
    huyen = con.execute("select unit_code, name, lat from campaign_units where campaign_code = 'langson-2020' "
                        "and kind = 'huyen' order by unit_code").fetchall()
    districts = con.execute("select code, name, lat from districts where province_code = '20' "
                            "order by code").fetchall()
    assert huyen == districts and len(huyen) == 11
    assert ("178", "Thành phố Lạng Sơn") in [(c, n) for c, n, _ in huyen]


def test_ninhthuan_runs_on_new_units_of_its_old_territory(store):
    con, _ = store
    row = con.execute("select era, province_code, legacy_province_code from campaigns "
                      "where code = 'ninhthuan-2025'").fetchone()
    assert row == ("2025", "56", "58")
    terr = {c for (c,) in con.execute("select unit_code from campaign_units where campaign_code = "
                                      "'ninhthuan-2025' and territorial").fetchall()}
    successors = {c for (c,) in con.execute(
        """select distinct h.new_code from unit_history h
           join units o on o.era = 'legacy' and o.code = h.old_code and o.province_code = '58'""").fetchall()}
    assert terr == successors and len(terr) == 24
    assert con.execute("select count(*) from units where era = '2025' and province_code = '56'").fetchone()[0] > 24
    assert con.execute("select count(*) from campaign_units where campaign_code = 'ninhthuan-2025' "
                       "and kind = 'huyen'").fetchone()[0] == 0


def test_tasks_and_params_in_the_store(store):
    con, _ = store
    bad = con.execute("""select count(*) from tasks t
                         left join indicators i on i.code = t.indicator_code
                         left join indicator_groups g on g.code = t.group_code
                         where g.code is null or (t.indicator_code is not null and i.group_code <> t.group_code)
                      """).fetchone()[0]
    assert bad == 0
    assert con.execute("select count(*) from tasks where not is_example").fetchone()[0] == 0
    assert con.execute("select params->>'$.low_rate', params->'$.weights'->>'reporting' "
                       "from campaigns where code = 'daklak-2025'").fetchone() == ("0.75", "3")


def test_reload_is_idempotent(store):
    con, _ = store
    before = {t: _rows(con, t) for t in TABLES + ["audit_log"]}
    stamp = con.execute("select max(loaded_at) from campaigns").fetchone()[0]
    assert campaigns.load_all(con) == CODES
    assert {t: _rows(con, t) for t in TABLES + ["audit_log"]} == before
    assert con.execute("select min(loaded_at) from campaigns").fetchone()[0] >= stamp


def test_changed_file_replaces_rows(store, tmp_path):
    con, _ = store
    spec = yaml.safe_load((campaigns.CAMPAIGNS_DIR / "laichau-2025.yaml").read_text(encoding="utf-8"))
    spec["org_units"] = spec["org_units"][:2]
    spec["tasks"].pop("doan_the")
    spec["reporting"]["kinds"] = [k for k in spec["reporting"]["kinds"] if k["kind"] != "doan_the"]
    path = tmp_path / "laichau-2025.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        campaigns.load_file(con, path, actor="tester")
        assert con.execute("select count(*) from org_units where campaign_code = 'laichau-2025'").fetchone()[0] == 2
        assert con.execute("select count(*) from tasks where campaign_code = 'laichau-2025' "
                           "and unit_kind = 'doan_the'").fetchone()[0] == 0
        assert con.execute("select actor, action from audit_log order by id desc limit 1").fetchone() == (
            "tester", "campaigns.reload")
    finally:
        campaigns.load_file(con, campaigns.CAMPAIGNS_DIR / "laichau-2025.yaml")
    assert con.execute("select count(*) from org_units where campaign_code = 'laichau-2025'").fetchone()[0] == 4


# --- broken files

MINIMAL = """\
code: {code}
title: "Kế hoạch thử"
issuer: "Sở thử"
province: "66"
era: "2025"
start: 2025-09-01
end: 2025-12-31
milestones:
  - {{code: dh_tinh, name: "Đại hội tỉnh", date: 2025-10-01}}
phases:
  - {{number: 1, name: "Đợt I", start: 2025-09-01, end: {{milestone: dh_tinh}}}}
  - {{number: 2, name: "Đợt II", start: {{day_after: dh_tinh}}, end: 2025-11-30}}
  - {{number: 3, name: "Đợt III", start: 2025-12-01, end: 2025-12-31}}
reporting:
  kinds: [xa, phuong, {{kind: bao_chi, name: "Báo chí"}}]
org_units:
  - {{code: bao_thu, name: "Báo thử", kind: bao_chi}}
tasks:
  xa: &t
    - {{indicator: ttcs_tin_bai, min_per_week: 3, example: true}}
  phuong: *t
  bao_chi:
    - {{group: bao_chi}}
"""


def _write(tmp_path: Path, text: str, code: str = "thu-2025") -> Path:
    path = tmp_path / f"{code}.yaml"
    path.write_text(text.format(code=code), encoding="utf-8")
    return path


def test_minimal_file_fills_defaults(tmp_path):
    c = read_campaign(_write(tmp_path, MINIMAL))
    assert c["phases"][1]["start"] == date(2025, 10, 2)
    assert c["params"] == campaigns.DEFAULT_PARAMS
    assert c["kinds"][0] == {"kind": "xa", "name": "Xã"} and c["kinds"][2]["name"] == "Báo chí"
    assert (c["week_start"], c["deadline_days"], c["deadline_hour"]) == (1, 1, 17)
    assert c["tasks"][-1] == {"kind": "bao_chi", "group": "bao_chi", "indicator": None, "min_per_week": None,
                              "min_per_phase": None, "example": False, "note": None}


BROKEN = {
    "bad date": (("end: 2025-11-30}}", "end: 2025-13-01}}"), "phases[1].end",
                 "ngày '2025-13-01' không đọc được (cần dạng YYYY-MM-DD)"),
    "missing phases": ((MINIMAL[MINIMAL.index("phases:"):MINIMAL.index("reporting:")], ""), "phases", "thiếu"),
    "unknown indicator": (("ttcs_tin_bai", "ttcs_tin_baii"), "tasks.xa[0].indicator", "'ttcs_tin_baii'"),
    "unknown group": (("{{group: bao_chi}}", "{{group: bao_giay}}"), "tasks.bao_chi[0].group", "'bao_giay'"),
    "overlapping phases": (("start: 2025-12-01", "start: 2025-11-20"), "phases[2].start", "chồng lên Đợt II"),
    "gap between phases": (("start: 2025-12-01", "start: 2025-12-05"), "phases[2].start", "4 ngày trống"),
    "phase outside campaign": (("end: 2025-12-31}}", "end: 2026-01-15}}"), "phases[2].end", "nằm ngoài"),
    "unknown milestone": (("{{day_after: dh_tinh}}", "{{day_after: dh_tw}}"), "phases[1].start.day_after",
                          "mốc 'dh_tw'"),
    "kind of the other era": (("kinds: [xa, phuong,", "kinds: [xa, thi_tran,"), "reporting.kinds[1].kind",
                              "'thi_tran' không có trong thời kỳ '2025'"),
    "unknown kind": (("kinds: [xa, phuong,", "kinds: [xa, phuongg,"), "reporting.kinds[1].kind", "'phuongg'"),
    "kind without tasks": (("  phuong: *t\n", ""), "tasks.phuong", "chưa được giao nhiệm vụ"),
    "start after end": (("end: 2025-12-31\nmilestones", "end: 2025-08-31\nmilestones"), "end", "trước ngày bắt đầu"),
    "unknown key": (("issuer:", "isuer:"), "isuer", "khóa không được hỗ trợ"),
    "two minimums": (("min_per_week: 3,", "min_per_week: 3, min_per_phase: 9,"), "tasks.xa[0]", "chỉ ghi một"),
    "bad param": (("tasks:\n", "params: {{low_rate: 1.5}}\ntasks:\n"), "params.low_rate", "ngoài khoảng"),
    "negative minimum": (("min_per_week: 3,", "min_per_week: -1,"), "tasks.xa[0].min_per_week",
                         "phải lớn hơn hoặc bằng 0"),
    "duplicate key": (("title:", "code: again\ntitle:"), "code", "bị lặp lại"),
    "code differs from file name": (("code: {code}", "code: other-2025"), "code", "phải trùng tên tệp"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_file_names_file_and_field(tmp_path, case):
    (old, new), field, words = BROKEN[case]
    assert old in MINIMAL, case
    path = _write(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(CampaignFileError) as e:
        read_campaign(path)
    msg = str(e.value)
    assert msg.startswith(f"Tệp thu-2025.yaml, trường {field}: "), msg
    assert words in msg, msg
    assert e.value.field == field


def test_overlaps_only_when_the_file_says_why(tmp_path):
    text = MINIMAL.replace("start: 2025-12-01", "start: 2025-11-20")
    allowed = text.replace("phases:\n", "overlaps_allowed: true\noverlaps_reason: \"Kế hoạch cho hai đợt chạy song song\"\nphases:\n")
    c = read_campaign(_write(tmp_path, allowed))
    assert c["overlaps_allowed"] and c["phases"][2]["start"] == date(2025, 11, 20)
    no_reason = text.replace("phases:\n", "overlaps_allowed: true\nphases:\n")
    with pytest.raises(CampaignFileError, match=r"trường overlaps_reason: thiếu"):
        read_campaign(_write(tmp_path, no_reason))
    backwards = allowed.replace("start: 2025-11-20", "start: 2025-09-15")
    with pytest.raises(CampaignFileError, match=r"trường phases\[2\]\.start: .*theo thứ tự thời gian"):
        read_campaign(_write(tmp_path, backwards))


def test_broken_yaml_syntax(tmp_path):
    path = _write(tmp_path, MINIMAL.replace("title: \"Kế hoạch thử\"", "title: [unclosed"))
    with pytest.raises(CampaignFileError, match=r"^Tệp thu-2025\.yaml, trường \(cú pháp YAML\): .*dòng \d+"):
        read_campaign(path)


def test_province_checked_against_master_data(store, tmp_path):
    con, _ = store
    path = _write(tmp_path, MINIMAL.replace('province: "66"', 'province: "99"'))
    read_campaign(path)  # no connection: no master data to check against
    with pytest.raises(CampaignFileError, match=r"trường province: không có tỉnh mã '99' trong thời kỳ '2025'"):
        read_campaign(path, con)
    path = _write(tmp_path, MINIMAL.replace('era: "2025"', 'era: "2025"\nlegacy_province: "20"'))
    with pytest.raises(CampaignFileError, match=r"trường legacy_province: tỉnh cũ '20' không thuộc tỉnh '66'"):
        read_campaign(path, con)


def test_broken_file_in_folder_loads_nothing(store, tmp_path):
    con, _ = store
    _write(tmp_path, MINIMAL, code="a-2025")
    _write(tmp_path, MINIMAL.replace("ttcs_tin_bai", "nope"), code="b-2025")
    with pytest.raises(CampaignFileError, match=r"Tệp b-2025\.yaml, trường tasks\.xa\[0\]\.indicator"):
        campaigns.load_all(con, tmp_path)
    assert con.execute("select count(*) from campaigns where code = 'a-2025'").fetchone()[0] == 0


def test_kind_names_are_vietnamese():
    assert campaigns.KIND_NAMES["xa"] == "Xã" and campaigns.KIND_NAMES["dac_khu"] == "Đặc khu"
    assert set(campaigns.KIND_NAMES) >= {k for ks in campaigns.TERRITORIAL_KINDS.values() for k in ks}
    assert set(campaigns.KIND_NAMES) >= set(campaigns.ORG_KINDS) | {campaigns.DISTRICT_KIND}
