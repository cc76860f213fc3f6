"""The weekly or phase briefing (Báo cáo kết quả công tác tuyên truyền) as a Word document.

    from loaders.outputs.briefing import build
    data = build(run, "daklak-2025", date(2025, 11, 19), week=date(2025, 11, 10))    # .docx bytes
    data = build(run, "daklak-2025", date(2025, 11, 19), phase=2)

`run(name, **params) -> DataFrame` is the query runner the caller reads with: the pages pass their
cached `q`-like runner, the command line `queries.run` on its connection. Every number in the
document comes from the named queries the pages read (overview, lagging list, timeline, submissions),
with the same parameters, so the document says what the pages show for the same campaign, period and
day; this module computes no metric of its own, it only picks rows and formats them.

Layout after Nghị định 30/2020/NĐ-CP (Phụ lục I): issuing body and Quốc hiệu – Tiêu ngữ side by side
in a borderless table, number and symbol left to fill ("Số:      /BC-…"), place and date, "BÁO CÁO"
and its subject, Times New Roman 14 (tables 12), A4 with margins 20/20/30/15 mm (top, bottom, left,
right); the sections of issue 15, and a last one "Đề xuất, kiến nghị" left for the author. Charts are
PNG images drawn with matplotlib (plotly's image export needs a browser per image: seconds each).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import pandas as pd

from loaders.common import formatting
from loaders.outputs import briefing_docx

Run = Callable[..., pd.DataFrame]
COMMEND_TOP = 5          # units proposed for commendation
FONT = "Times New Roman"


class BriefingError(ValueError):
    """A briefing that cannot be written (unknown week or phase, nothing due yet); Vietnamese message."""


# ---------------------------------------------------------------------------------------------------
# Vietnamese number formats: the one rule (loaders/common/formatting.py)
# ---------------------------------------------------------------------------------------------------

_missing = formatting.is_missing


def count(x) -> str:
    """1234 → "1.234" (whole numbers, "." between thousands), as the pages write counts."""
    return formatting.count(x)


def percent(x, decimals: int = 0) -> str:
    """0.8762 → "88%" (decimals=1: "87,6%")."""
    return formatting.percent(x, decimals)


def points(now, before) -> str:
    """Change of a share in percentage points: 0.55 vs 0.52 → "+3,0 điểm %"."""
    if _missing(now) or _missing(before):
        return "—"
    d = round(100 * (float(now) - float(before)), 1)
    if d == 0:
        return "0 điểm %"
    return f"{'+' if d > 0 else '-'}{abs(d):.1f}".replace(".", ",") + " điểm %"


def delta(now, before) -> str:
    """Change of a count: 95 vs 92 → "+3"; no change → "0"."""
    if _missing(now) or _missing(before):
        return "—"
    d = round(float(now) - float(before))
    return ("+" if d > 0 else "") + count(d)


def dmy(d) -> str:
    return formatting.date_dmy(d)


# ---------------------------------------------------------------------------------------------------
# What the document says, before it is laid out
# ---------------------------------------------------------------------------------------------------

@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths_cm: list[float]


@dataclass
class Section:
    heading: str
    blocks: list = field(default_factory=list)   # ("p", text) | ("h", text) | ("table", Table) | ("chart", png)


@dataclass
class Period:
    kind: str                  # "week" | "phase"
    label: str                 # "tuần 10/11–16/11/2025" | "Đợt II"
    start: date
    end: date
    phase_number: int          # the phase of the week (the one holding its last day), or the phase
    phase_name: str
    week_start: date | None = None


@dataclass
class Briefing:
    campaign: dict
    as_of: date
    period: Period
    sections: list[Section]

    @property
    def file_name(self) -> str:
        code = self.campaign["campaign_code"]
        if self.period.kind == "week":
            return f"bao-cao-tuan_{code}_{self.period.week_start:%Y-%m-%d}.docx"
        return f"bao-cao-dot-{self.period.phase_number}_{code}_{self.as_of:%Y-%m-%d}.docx"


def _day(d) -> date:
    return pd.Timestamp(d).date()


def resolve_period(run: Run, code: str, week: date | None, phase: int | None) -> Period:
    """The week holding `week` (any day of it), or phase number `phase`, of the campaign."""
    if (week is None) == (phase is None):
        raise BriefingError("Cần chọn đúng một khoảng thời gian: một tuần hoặc một đợt.")
    phases = run("campaign_phases", campaign=code)
    if week is not None:
        weeks = run("campaign_week_list", campaign=code)
        hit = weeks[(weeks["week_start"] <= pd.Timestamp(week)) & (weeks["week_end"] >= pd.Timestamp(week))]
        if hit.empty:
            raise BriefingError(f"Ngày {dmy(week)} không thuộc tuần nào của kế hoạch {code}.")
        w = hit.iloc[0]
        p = phases[phases["phase_number"] == w["phase_number"]].iloc[0]
        return Period("week", f"tuần {w['week_label']}/{_day(w['week_end']).year}", _day(w["week_start"]),
                      _day(w["week_end"]), int(p["phase_number"]), p["phase_name"], _day(w["week_start"]))
    hit = phases[phases["phase_number"] == phase]
    if hit.empty:
        raise BriefingError(f"Kế hoạch {code} không có đợt {phase} (có: "
                            f"{', '.join(str(n) for n in phases['phase_number'])}).")
    p = hit.iloc[0]
    return Period("phase", p["phase_name"], _day(p["start_date"]), _day(p["end_date"]), int(phase),
                  p["phase_name"])


def _memo(run: Run) -> Run:
    """`run` remembering its results: several sections read the same query with the same parameters."""
    results: dict = {}

    def cached(name: str, **params) -> pd.DataFrame:
        key = (name, tuple(sorted((k, str(v)) for k, v in params.items())))
        if key not in results:
            results[key] = run(name, **params)
        return results[key]
    return cached


def gather(run: Run, code: str, as_of: date, week: date | None = None, phase: int | None = None) -> Briefing:
    """Read every number of the briefing through `run` and arrange it into sections."""
    run = _memo(run)
    campaigns = run("campaign_list")
    row = campaigns[campaigns["campaign_code"] == code]
    if row.empty:
        raise BriefingError(f"Không có kế hoạch {code} trong cơ sở dữ liệu.")
    campaign = row.iloc[0].to_dict()
    period = resolve_period(run, code, week, phase)
    if pd.Timestamp(period.start) > pd.Timestamp(as_of):
        raise BriefingError(f"{period.label[:1].upper() + period.label[1:]} chưa bắt đầu vào ngày {dmy(as_of)}.")
    sections = [part(run, code, as_of, period) for part in (_reporting, _results, _progress, _commend,
                                                            _lagging, _missing_reports)]
    sections.append(Section("Đề xuất, kiến nghị", [("p", "." * 120)] * 4))
    return Briefing(campaign, _day(as_of), period, sections)


def build(run: Run, code: str, as_of: date | datetime, week: date | None = None,
          phase: int | None = None) -> bytes:
    """The briefing as .docx bytes."""
    return briefing_docx.render(gather(run, code, as_of, week, phase))


def file_name(run: Run, code: str, as_of, week: date | None = None, phase: int | None = None) -> str:
    """The name the document is saved under (without reading any metric)."""
    period = resolve_period(run, code, week, phase)
    return Briefing({"campaign_code": code}, _day(as_of), period, []).file_name


# ---------------------------------------------------------------------------------------------------
# The sections: each reads named queries with the parameters the pages use, and formats rows
# ---------------------------------------------------------------------------------------------------

def _rows_at(df: pd.DataFrame, column: str, value) -> pd.DataFrame:
    return df[df[column] == value]


def _reporting_rows(now, before) -> list[list[str]]:
    """One row per reporting number: this period, the one before, the change."""
    rows = []
    for label, col, is_rate in (("Số báo cáo phải nộp", "expected", False),
                                ("Số báo cáo đã nhận", "received", False),
                                ("Tỷ lệ nộp báo cáo", "reporting_rate", True),
                                ("Số báo cáo nộp đúng hạn", "on_time", False),
                                ("Tỷ lệ nộp đúng hạn", "on_time_rate", True)):
        fmt = (lambda v: percent(v, 1)) if is_rate else count
        prev = None if before is None else before[col]
        rows.append([label, fmt(now[col]), "—" if prev is None else fmt(prev),
                     (points if is_rate else delta)(now[col], prev)])
    return rows


def _reporting(run: Run, code: str, as_of, period: Period) -> Section:
    """How many units reported and on time, against the period before (overview: reporting)."""
    section = Section("Tình hình nộp báo cáo")
    if period.kind == "week":
        weeks = run("reporting_rate_by_week", campaign=code, as_of=as_of).reset_index(drop=True)
        hit = weeks.index[weeks["week_start"] == pd.Timestamp(period.week_start)]
        if len(hit) == 0:
            raise BriefingError(f"Tuần {period.label[5:]} chưa đến hạn nộp báo cáo vào ngày {dmy(as_of)}.")
        now = weeks.loc[hit[0]]
        before = weeks.loc[hit[0] - 1] if hit[0] > 0 else None
        names = (f"Tuần {now['week_label']}", "Tuần trước" + (f" ({before['week_label']})" if before is not None else ""))
        what = f"tuần {now['week_label']} (hạn nộp {pd.Timestamp(now['deadline']):%H:%M} ngày {dmy(now['deadline'])})"
    else:
        rates = run("reporting_rate_by_phase", campaign=code, as_of=as_of)
        hit = _rows_at(rates, "phase_number", period.phase_number)
        if hit.empty:
            section.blocks.append(("p", f"Chưa có tuần nào của {period.phase_name} đến hạn nộp báo cáo."))
            return section
        now = hit.iloc[0]
        prior = _rows_at(rates, "phase_number", period.phase_number - 1)
        before = prior.iloc[0] if len(prior) else None
        names = (now["phase_name"], before["phase_name"] if before is not None else "Đợt trước")
        what = f"{int(now['weeks_due'])} tuần đã đến hạn của {now['phase_name']}"
    section.blocks.append(("p", f"Trong {what}, đã nhận {count(now['received'])}/{count(now['expected'])} "
                                f"báo cáo ({percent(now['reporting_rate'], 1)}), trong đó "
                                f"{count(now['on_time'])} báo cáo đúng hạn ({percent(now['on_time_rate'], 1)})."))
    section.blocks.append(("table", Table(["Chỉ số", names[0], names[1], "Thay đổi"],
                                          _reporting_rows(now, before), [6.0, 3.4, 3.4, 3.2])))
    summary = run("campaign_summary", campaign=code, as_of=as_of).iloc[0]
    section.blocks.append(("p", f"Từ đầu kế hoạch đến hết ngày {dmy(as_of)}: đã nhận "
                                f"{count(summary['received'])}/{count(summary['expected'])} báo cáo "
                                f"({percent(summary['reporting_rate'], 1)}), "
                                f"{count(summary['weeks_due'])} tuần đã đến hạn."))
    return section


def _group_table(run: Run, code: str, as_of, period: Period) -> tuple[Table, pd.DataFrame]:
    """Channel groups: activity of the week (timeline) or coverage of the phase (overview)."""
    cov = run("coverage_by_group", campaign=code, as_of=as_of)
    cov = cov[(cov["unit_scope"] == "commune") & (cov["phase_number"] == period.phase_number)]
    shown = {g: f"{count(a)}/{count(n)} ({percent(c)})"
             for g, a, n, c in zip(cov["group_code"], cov["units_active"], cov["units_assigned"], cov["coverage"])}
    if period.kind == "week":
        wt = run("weekly_timeline", campaign=code, as_of=as_of)
        groups = wt[(wt["week_start"] == pd.Timestamp(period.week_start)) & (wt["series_kind"] == "group")]
        rows = [[str(i), r.series_name, count(r.value), count(r.units_active), shown.get(r.series_code, "—")]
                for i, r in enumerate(groups.itertuples(), 1)]
        header = ["STT", "Hình thức tuyên truyền", "Hoạt động trong tuần", "Đơn vị có hoạt động trong tuần",
                  f"Độ phủ {period.phase_name} (xã, phường)"]
        return Table(header, rows, [1.1, 5.2, 2.9, 3.2, 3.6]), cov
    rows = [[str(i), r.group_name, count(r.units_assigned), count(r.units_active), percent(r.coverage)]
            for i, r in enumerate(cov.itertuples(), 1)]
    header = ["STT", "Hình thức tuyên truyền", "Xã, phường được giao", "Xã, phường có hoạt động", "Độ phủ"]
    return Table(header, rows, [1.1, 6.4, 3.0, 3.0, 2.5]), cov


def _posts_table(run: Run, code: str, as_of, period: Period) -> tuple[Table, list[str], list[float]]:
    """Posts per platform: of the week (timeline) or of the phase (overview's posting counts)."""
    if period.kind == "week":
        wt = run("weekly_timeline", campaign=code, as_of=as_of)
        posts = wt[(wt["week_start"] == pd.Timestamp(period.week_start)) & (wt["series_kind"] == "posting")]
        names, values = list(posts["series_name"]), list(posts["value"])
        rows = [[str(i), n, count(v), count(u)] for i, (n, v, u) in
                enumerate(zip(names, values, posts["units_active"]), 1)]
        rows.append(["", "Tổng cộng", count(sum(values)), ""])
        return Table(["STT", "Nền tảng", "Số tin, bài trong tuần", "Đơn vị có đăng"], rows,
                     [1.1, 8.6, 3.4, 2.9]), names, values
    pc = run("posting_counts", campaign=code, as_of=as_of)
    pc = pc[pc["phase_number"] == period.phase_number]
    by = pc.groupby(["indicator_code", "indicator_name"], as_index=False, sort=False)["posts"].sum()
    names, values = list(by["indicator_name"]), list(by["posts"])
    rows = [[str(i), n, count(v)] for i, (n, v) in enumerate(zip(names, values), 1)]
    rows.append(["", "Tổng cộng", count(sum(values))])
    return Table(["STT", "Nền tảng", f"Số tin, bài trong {period.phase_name}"], rows, [1.1, 11.0, 3.9]), names, values


def _results(run: Run, code: str, as_of, period: Period) -> Section:
    section = Section("Kết quả thực hiện")
    groups, cov = _group_table(run, code, as_of, period)
    section.blocks += [("h", "1. Kết quả theo hình thức tuyên truyền"), ("table", groups)]
    if len(cov):
        ordered = cov.sort_values("coverage")
        section.blocks.append(("chart", briefing_docx.bar_chart(
            list(ordered["group_name"]), list(100 * ordered["coverage"]),
            f"Độ phủ theo hình thức — {period.phase_name} (% xã, phường được giao có hoạt động)", percent_axis=True)))
    posts, names, values = _posts_table(run, code, as_of, period)
    section.blocks += [("h", "2. Số tin, bài theo nền tảng"), ("table", posts)]
    if sum(values) > 0:
        section.blocks.append(("chart", briefing_docx.bar_chart(
            names[::-1], values[::-1], "Số tin, bài theo nền tảng" + (" trong tuần" if period.kind == "week"
                                                                       else f" — {period.phase_name}"))))
    summary = run("campaign_summary", campaign=code, as_of=as_of).iloc[0]
    section.blocks.append(("p", f"Số bài không trùng (đường dẫn khác nhau trong danh sách bài đăng) từ đầu kế "
                                f"hoạch: {count(summary['unique_posts'])}."))
    return section


def _progress(run: Run, code: str, as_of, period: Period) -> Section:
    """Province completion of every started phase against the expected pace (overview)."""
    section = Section("Tiến độ thực hiện các đợt")
    province = run("phase_completion_province", campaign=code, as_of=as_of)
    province = province[province["unit_scope"] == "all"].sort_values("phase_number")
    phases = run("campaign_phases", campaign=code).set_index("phase_number")
    rows = []
    for r in province.itertuples():
        gap = round(100 * (r.completion - r.expected))
        p = phases.loc[r.phase_number]
        rows.append([r.phase_name, f"{dmy(p['start_date'])}–{dmy(p['end_date'])}", percent(r.completion),
                     percent(r.expected), f"{'+' if gap > 0 else ''}{gap} điểm %",
                     f"{count(r.units_on_track)}/{count(r.units)} ({percent(r.share_on_track)})"])
    mine = province[province["phase_number"] == period.phase_number]
    if len(mine):
        m = mine.iloc[0]
        gap = round(100 * (m["completion"] - m["expected"]))
        section.blocks.append(("p", f"Đến hết ngày {dmy(as_of)}, {m['phase_name']} đạt {percent(m['completion'])}, "
                                    f"{'cao' if gap >= 0 else 'thấp'} hơn mức cần đạt ({percent(m['expected'])}) "
                                    f"{abs(gap)} điểm %; {count(m['units_on_track'])}/{count(m['units'])} đơn vị "
                                    "đạt tiến độ."))
    else:
        section.blocks.append(("p", f"{period.phase_name} chưa có đơn vị nào được giao chỉ tiêu."))
    section.blocks.append(("table", Table(["Đợt", "Thời gian", "Mức hoàn thành", "Mức cần đạt",
                                           "So với mức cần đạt", "Đơn vị đạt tiến độ"], rows,
                                          [1.6, 4.2, 2.2, 2.0, 2.6, 3.4])))
    return section


def commend_candidates(run: Run, code: str, as_of, phase_number: int) -> pd.DataFrame:
    """Communes to commend: on track in the phase and not lagging, best completion then coverage."""
    comp = run("phase_completion_by_unit", campaign=code, as_of=as_of)
    comp = comp[comp["territorial"] & (comp["phase_number"] == phase_number)]
    cov = run("channel_coverage_by_unit", campaign=code, as_of=as_of)
    cov = cov[cov["phase_number"] == phase_number][["unit_code", "groups_assigned", "groups_active", "coverage"]]
    lagging = set(run("lagging_units", campaign=code, as_of=as_of)["unit_code"])
    best = comp[comp["on_track"] & ~comp["unit_code"].isin(lagging)].merge(cov, on="unit_code", how="left")
    return best.sort_values(["completion", "coverage", "unit_name"], ascending=[False, False, True]).head(COMMEND_TOP)


def _commend(run: Run, code: str, as_of, period: Period) -> Section:
    section = Section("Đơn vị đề nghị biểu dương")
    best = commend_candidates(run, code, as_of, period.phase_number)
    if best.empty:
        section.blocks.append(("p", f"Chưa có xã, phường nào đạt tiến độ {period.phase_name} mà không chậm tiến độ."))
        return section
    section.blocks.append(("p", f"Các xã, phường đạt tiến độ {period.phase_name}, không vi phạm tiêu chí chậm tiến "
                                "độ nào, có mức hoàn thành đợt và độ phủ kênh cao nhất:"))
    rows = [[str(i), r.unit_name, percent(r.completion), percent(r.expected),
             f"{count(r.groups_active)}/{count(r.groups_assigned)} ({percent(r.coverage)})"]
            for i, r in enumerate(best.itertuples(), 1)]
    section.blocks.append(("table", Table(["STT", "Xã, phường", "Hoàn thành đợt", "Mức cần đạt", "Độ phủ kênh"],
                                          rows, [1.1, 5.9, 2.9, 2.7, 3.4])))
    return section


def _lagging(run: Run, code: str, as_of, period: Period) -> Section:
    """The lagging communes, ranked, with their reasons (overview and the lagging page)."""
    section = Section("Xã, phường chậm tiến độ")
    lag = run("lagging_units", campaign=code, as_of=as_of)
    communes = lag[lag["territorial"]].sort_values("rank").reset_index(drop=True)
    summary = run("campaign_summary", campaign=code, as_of=as_of).iloc[0]
    section.blocks.append(("p", f"Đến hết ngày {dmy(as_of)}, có {count(summary['lagging_communes'])}/"
                                f"{count(summary['communes'])} xã, phường chậm tiến độ"
                                + (":" if len(communes) else ".")))
    changes = run("lagging_changes", campaign=code, as_of=as_of)
    changes = changes[changes["territorial"]]
    recovered = changes.loc[changes["status"] == "recovered", "unit_name"]
    section.blocks.append(("p", f"So với một tuần trước: {count((changes['status'] == 'new').sum())} xã, phường mới "
                                f"chậm tiến độ, {count((changes['status'] == 'still').sum())} vẫn chậm, "
                                f"{count(len(recovered))} hết chậm" + (f" ({', '.join(recovered)})." if len(recovered) else ".")))
    if len(communes):
        rows = [[str(i), r.unit_name, count(r.score), "\n".join(r.reasons), percent(r.completion),
                 count(r.weeks_lagging)] for i, r in enumerate(communes.itertuples(), 1)]
        section.blocks.append(("table", Table(["STT", "Xã, phường", "Điểm", "Lý do", "Hoàn thành đợt",
                                               "Số tuần chậm"], rows, [1.0, 3.3, 1.3, 6.8, 2.0, 1.6])))
    return section


def _missing_reports(run: Run, code: str, as_of, period: Period) -> Section:
    """Units without a report for the week (submissions grid), or missing weeks of the phase (map)."""
    section = Section("Đơn vị chưa nộp báo cáo")
    units = run("reporting_units", campaign=code)[["unit_code", "kind_name"]]
    if period.kind == "week":
        grid = run("submission_grid", campaign=code, as_of=as_of)
        miss = grid[(grid["week_start"] == pd.Timestamp(period.week_start)) & (grid["status"] == "missing")]
        miss = miss.merge(units, on="unit_code", how="left").sort_values(["territorial", "unit_name"],
                                                                         ascending=[False, True])
        rows = [[str(i), r.unit_name, r.kind_name] for i, r in enumerate(miss.itertuples(), 1)]
        table = Table(["STT", "Đơn vị", "Loại đơn vị"], rows, [1.1, 10.0, 4.9])
        lead = f"Đến hết ngày {dmy(as_of)}, {count(len(miss))} đơn vị chưa nộp báo cáo {period.label}"
    else:
        rup = run("reporting_rate_by_unit_phase", campaign=code, as_of=as_of)
        rup = rup[(rup["phase_number"] == period.phase_number) & (rup["received"] < rup["expected"])]
        miss = rup.merge(units, on="unit_code", how="left").sort_values(["territorial", "unit_name"],
                                                                        ascending=[False, True])
        rows = [[str(i), r.unit_name, r.kind_name, f"{count(r.expected - r.received)}/{count(r.expected)}"]
                for i, r in enumerate(miss.itertuples(), 1)]
        table = Table(["STT", "Đơn vị", "Loại đơn vị", "Số tuần chưa nộp"], rows, [1.1, 8.0, 3.9, 3.0])
        lead = (f"Đến hết ngày {dmy(as_of)}, {count(len(miss))} đơn vị còn thiếu báo cáo của các tuần "
                f"đã đến hạn trong {period.phase_name}")
    section.blocks.append(("p", lead + (":" if rows else ".")))
    if rows:
        section.blocks.append(("table", table))
    return section
