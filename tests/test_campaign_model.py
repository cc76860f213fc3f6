"""The one Campaign model: the file, the store and the settings page see the same campaign."""
from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from loaders.reference import campaigns
from loaders.reference.campaign_model import Campaign, Params
from loaders.reference.campaigns import CampaignFileError, check_data, read_campaign

DAKLAK = campaigns.CAMPAIGNS_DIR / "daklak-2025.yaml"


def test_file_and_store_give_the_same_campaign(ready_con):
    from_file = read_campaign(DAKLAK)
    stored = Campaign.from_store(ready_con, "daklak-2025")
    assert stored.province_name and stored.province_authority == "UBND TỈNH ĐẮK LẮK"
    assert stored.model_copy(update={"province_name": None, "overlaps_allowed": from_file.overlaps_allowed,
                                     "overlaps_reason": from_file.overlaps_reason}) == from_file
    assert Campaign.from_store(ready_con, "no-such-plan") is None
    # frozen and hashable: it keys the ingestion cache
    assert hash(stored) == hash(Campaign.from_store(ready_con, "daklak-2025"))
    with pytest.raises(ValidationError):
        stored.title = "khác"


def test_file_format_round_trip():
    c = read_campaign(DAKLAK)
    again = check_data(c.file_data(), DAKLAK.name)
    assert again == c
    assert c.week_of(date(2025, 9, 11)) == (date(2025, 9, 8), date(2025, 9, 14))
    assert c.deadline(date(2025, 9, 14)).isoformat() == "2025-09-15T17:00:00"
    assert c.phase_of(c.start).number == 1 and c.phase_of(date(2030, 1, 1)) is None
    # older readers: the store's column names and the dicts the parts used to be
    assert c["start_date"] == c.start and c.get("end_date") == c.end
    assert c.kinds[0] == {"kind": c.kinds[0].kind, "name": c.kinds[0].name}


def test_model_refuses_unknown_fields_and_out_of_bounds_values():
    good = read_campaign(DAKLAK).model_dump()
    with pytest.raises(ValidationError, match="Extra inputs"):
        Campaign.model_validate(dict(good, colour="red"))
    with pytest.raises(ValidationError, match="deadline_hour"):
        Campaign.model_validate(dict(good, deadline_hour=24))
    with pytest.raises(ValidationError, match="trước ngày bắt đầu"):
        Campaign.model_validate(dict(good, end=date(2020, 1, 1)))
    with pytest.raises(ValidationError, match="low_rate"):
        Params(low_rate=2)


@pytest.mark.parametrize("patch, field, words", [
    ({"reporting": "weekly"}, "reporting", "cần một bảng khóa"),
    ({"phases": "one"}, "phases", "cần một danh sách"),
    ({"title": ["a"]}, "title", "cần một chuỗi ký tự"),
    ({"params": {"missing_weeks": 1.5}}, "params.missing_weeks", "không phải số nguyên"),
    ({"params": {"weights": {"progress": True}}}, "params.weights.progress", "không phải số"),
    ({"params": {"weights": {"behind_plan": 2}}}, "params.weights.behind_plan", "khóa không được hỗ trợ"),
    ({"overlaps_allowed": "yes"}, "overlaps_allowed", "cần là true hoặc false"),
    ({"province": "Đắk Lắk"}, "province", "mã tỉnh"),
    ({"era": "2030"}, "era", "thời kỳ '2030'"),
])
def test_problems_in_vietnamese_naming_the_field(patch, field, words):
    data = read_campaign(DAKLAK).file_data()
    data.update(patch)
    with pytest.raises(CampaignFileError) as e:
        check_data(data, DAKLAK.name)
    assert e.value.field == field and words in e.value.problem, str(e.value)
    assert str(e.value).startswith(f"Tệp daklak-2025.yaml, trường {field}: ")
