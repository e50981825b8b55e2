"""Opening hours: fixed datetimes only (never the real clock).

The ordinary reference week is Mon 2026-09-07 .. Sun 2026-09-13 (no holidays).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.hours import (
    STOCKHOLM,
    day_summary,
    describe,
    is_open,
    is_public_holiday,
    next_opening,
    opens_at_all,
    problems,
    validate,
    weekly_summary,
)

UTC = ZoneInfo("UTC")
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))

ALWAYS = {"always": True}
KATRINEHOLM = {  # like a municipal drop-in line
    "weekly": {
        "mon": ["09:00-11:00"],
        "tue": ["13:00-15:00"],
        "wed": ["09:00-11:00"],
        "thu": ["09:00-11:00"],
        "fri": ["09:00-11:00"],
    },
}
NIGHTS_MON = {"weekly": {"mon": ["21:00-06:00"]}}
EVERY_NIGHT = {"weekly": {d: ["21:00-06:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
EARLY_EVERY_DAY = {"weekly": {d: ["01:00-04:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
MORNINGS_EVERY_DAY = {"weekly": {d: ["09:00-11:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
WHOLE_SUNDAY = {"weekly": {"sun": ["00:00-24:00"]}}


def at(y, mo, d, h=0, mi=0, fold=0):
    """Naive Stockholm wall-clock time (how the bot passes `now`)."""
    return datetime(y, mo, d, h, mi, fold=fold)


# ---------------------------------------------------------------- unknown / always


@pytest.mark.parametrize("hours", [None, {}])
def test_unknown_hours(hours):
    now = at(2026, 9, 7, 10)
    assert is_open(hours, now) is None
    assert next_opening(hours, now) is None
    assert describe(hours, now) is None


@pytest.mark.parametrize("now", [at(2026, 9, 7, 3), at(2026, 12, 24, 18), at(2026, 3, 29, 2, 30)])
def test_always_open(now):
    assert is_open(ALWAYS, now) is True
    assert next_opening(ALWAYS, now) is None
    assert describe(ALWAYS, now) == "öppet dygnet runt"


# ---------------------------------------------------------------- weekly edges and weekdays


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(2026, 9, 7, 8, 59), False),  # Monday, a minute before
        (at(2026, 9, 7, 9, 0), True),  # opens exactly at 09:00
        (at(2026, 9, 7, 10, 59), True),
        (at(2026, 9, 7, 11, 0), False),  # exactly at close is closed
        (at(2026, 9, 7, 14, 0), False),  # Monday has no afternoon
        (at(2026, 9, 8, 10, 0), False),  # Tuesday morning: closed
        (at(2026, 9, 8, 13, 0), True),  # Tuesday 13-15
        (at(2026, 9, 8, 15, 0), False),
        (at(2026, 9, 9, 9, 30), True),  # Wednesday
        (at(2026, 9, 10, 9, 30), True),  # Thursday
        (at(2026, 9, 11, 10, 30), True),  # Friday
        (at(2026, 9, 12, 10, 0), False),  # Saturday
        (at(2026, 9, 13, 10, 0), False),  # Sunday
    ],
)
def test_weekly_open_closed(now, expected):
    assert is_open(KATRINEHOLM, now) is expected


@pytest.mark.parametrize("day, weekday", list(zip(range(7, 14), ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), strict=True)))
def test_weekday_keys_map_to_the_right_day(day, weekday):
    hours = {"weekly": {weekday: ["12:00-13:00"]}}
    for other in range(7, 14):
        assert is_open(hours, at(2026, 9, other, 12, 30)) is (other == day)


def test_several_intervals_a_day_and_single_string():
    hours = {"weekly": {"mon": ["09:00-11:00", "13:00-15:00"], "tue": "10:00-12:00"}}
    assert is_open(hours, at(2026, 9, 7, 12)) is False
    assert is_open(hours, at(2026, 9, 7, 14)) is True
    assert is_open(hours, at(2026, 9, 8, 11)) is True
    assert next_opening(hours, at(2026, 9, 7, 12)) == datetime(2026, 9, 7, 13, tzinfo=STOCKHOLM)


def test_end_24_00():
    hours = {"weekly": {"mon": ["18:00-24:00"]}}
    assert is_open(hours, at(2026, 9, 7, 23, 59)) is True
    assert is_open(hours, at(2026, 9, 8, 0, 0)) is False
    assert describe(hours, at(2026, 9, 7, 20)) == "öppet nu till 24.00"


# ---------------------------------------------------------------- across midnight


@pytest.mark.parametrize(
    "now, expected",
    [
        (at(2026, 9, 7, 20, 59), False),
        (at(2026, 9, 7, 21, 0), True),
        (at(2026, 9, 7, 23, 0), True),  # Monday evening
        (at(2026, 9, 8, 2, 0), True),  # Tuesday night: tail of Monday's interval
        (at(2026, 9, 8, 6, 0), False),
        (at(2026, 9, 8, 7, 0), False),
        (at(2026, 9, 8, 23, 0), False),  # Tuesday has no interval of its own
        (at(2026, 9, 7, 2, 0), False),  # Sunday had no evening interval
    ],
)
def test_across_midnight(now, expected):
    assert is_open(NIGHTS_MON, now) is expected


def test_across_midnight_describe_and_next():
    assert describe(NIGHTS_MON, at(2026, 9, 7, 23)) == "öppet nu till 06.00"
    assert describe(NIGHTS_MON, at(2026, 9, 8, 2)) == "öppet nu till 06.00"
    assert next_opening(NIGHTS_MON, at(2026, 9, 8, 7)) == datetime(2026, 9, 14, 21, tzinfo=STOCKHOLM)


def test_tail_of_previous_evening_counts_on_a_closed_day():
    hours = {**EVERY_NIGHT, "closed_dates": ["2026-09-08"]}  # Tuesday closed
    assert is_open(hours, at(2026, 9, 8, 2)) is True  # Monday night's tail
    assert is_open(hours, at(2026, 9, 8, 22)) is False  # Tuesday evening cancelled
    assert is_open(hours, at(2026, 9, 9, 2)) is False  # ... and so is its tail
    assert next_opening(hours, at(2026, 9, 8, 7)) == datetime(2026, 9, 9, 21, tzinfo=STOCKHOLM)


def test_consecutive_nights_merge_into_one_opening_period():
    # Open every night; at 23:00 it closes 06:00, and the next opening is tonight 21:00 after that.
    assert describe(EVERY_NIGHT, at(2026, 9, 7, 23)) == "öppet nu till 06.00"
    assert next_opening(EVERY_NIGHT, at(2026, 9, 7, 23)) == datetime(2026, 9, 8, 21, tzinfo=STOCKHOLM)


# ---------------------------------------------------------------- public holidays


@pytest.mark.parametrize(
    "now, reopens",
    [
        (at(2026, 5, 14, 10), datetime(2026, 5, 15, 9, tzinfo=STOCKHOLM)),  # Kristi himmelsfärd (Thu)
        (at(2026, 4, 3, 10), datetime(2026, 4, 7, 13, tzinfo=STOCKHOLM)),  # långfredag; Mon is annandag påsk
        (at(2026, 5, 1, 10), datetime(2026, 5, 4, 9, tzinfo=STOCKHOLM)),  # första maj (Fri)
        (at(2026, 12, 25, 10), datetime(2026, 12, 28, 9, tzinfo=STOCKHOLM)),  # juldagen (Fri)
        (at(2026, 6, 19, 10), datetime(2026, 6, 22, 9, tzinfo=STOCKHOLM)),  # midsommarafton (Fri)
        (at(2026, 12, 24, 10), datetime(2026, 12, 28, 9, tzinfo=STOCKHOLM)),  # julafton (Thu), juldagen
        (at(2026, 12, 31, 10), datetime(2027, 1, 4, 9, tzinfo=STOCKHOLM)),  # nyårsafton, nyårsdagen 2027
    ],
)
def test_holiday_closed_and_reopens_next_normal_day(now, reopens):
    assert is_open(KATRINEHOLM, now) is False
    assert next_opening(KATRINEHOLM, now) == reopens


@pytest.mark.parametrize("now", [at(2026, 5, 14, 10), at(2026, 6, 19, 10), at(2026, 12, 24, 10), at(2026, 12, 31, 10)])
def test_public_holidays_open(now):
    hours = {**KATRINEHOLM, "public_holidays": "open"}
    assert is_open(hours, now) is True


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2026, 1, 1), True),  # nyårsdagen
        (date(2026, 1, 6), True),  # trettondedag jul
        (date(2026, 4, 5), True),  # påskdagen (a Sunday, listed as "Påskdagen; Söndag")
        (date(2026, 6, 6), True),  # nationaldagen
        (date(2026, 6, 19), True),  # midsommarafton
        (date(2026, 12, 24), True),  # julafton
        (date(2026, 12, 31), True),  # nyårsafton
        (date(2025, 6, 20), True),  # midsommarafton other years: Friday between 19 and 25 June
        (date(2027, 6, 25), True),
        (date(2028, 6, 23), True),
        (date(2026, 9, 13), False),  # ordinary Sunday
        (date(2026, 3, 29), False),  # ordinary Sunday
        (date(2026, 9, 7), False),  # ordinary Monday
        (date(2026, 6, 26), False),  # the Friday after midsommar
    ],
)
def test_is_public_holiday(day, expected):
    assert is_public_holiday(day) is expected


def test_ordinary_sunday_with_sunday_hours_is_open():
    hours = {"weekly": {"sun": ["12:00-16:00"]}}
    assert is_open(hours, at(2026, 9, 13, 13)) is True
    assert is_open(hours, at(2026, 4, 5, 13)) is False  # påskdagen is a real holiday
    assert next_opening(hours, at(2026, 4, 5, 13)) == datetime(2026, 4, 12, 12, tzinfo=CEST)


# ---------------------------------------------------------------- closed_dates


@pytest.mark.parametrize("closed", ["2026-09-09", date(2026, 9, 9), datetime(2026, 9, 9)])
def test_closed_dates(closed):
    hours = {**KATRINEHOLM, "closed_dates": [closed]}  # YAML may load an unquoted date as a date
    assert is_open(hours, at(2026, 9, 9, 10)) is False
    assert is_open(hours, at(2026, 9, 10, 10)) is True
    assert next_opening(hours, at(2026, 9, 9, 8)) == datetime(2026, 9, 10, 9, tzinfo=STOCKHOLM)


def test_closed_dates_apply_even_when_public_holidays_open():
    hours = {**KATRINEHOLM, "public_holidays": "open", "closed_dates": ["2026-09-07"]}
    assert is_open(hours, at(2026, 9, 7, 10)) is False


# ---------------------------------------------------------------- time zones and DST


def test_utc_aware_input_is_converted():
    now = datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # Wednesday 09:30 in Stockholm
    assert is_open(KATRINEHOLM, now) is True
    assert describe(KATRINEHOLM, now) == "öppet nu till 11.00"
    winter = datetime(2026, 1, 7, 8, 30, tzinfo=UTC)  # Wednesday 09:30 CET
    assert is_open(KATRINEHOLM, winter) is True
    assert is_open(KATRINEHOLM, datetime(2026, 1, 7, 10, 0, tzinfo=UTC)) is False  # 11:00 CET


def test_aware_result_is_stockholm():
    opens = next_opening(KATRINEHOLM, datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    assert opens == datetime(2026, 7, 2, 9, tzinfo=STOCKHOLM)
    assert opens.tzinfo is STOCKHOLM
    assert opens.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "utc, expected",
    [
        # 2026-03-29: clocks go 02:00 CET -> 03:00 CEST; 01:00-04:00 local is 2 real hours.
        (datetime(2026, 3, 28, 23, 59, tzinfo=UTC), False),  # 00:59 CET
        (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), True),  # 01:00 CET
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), True),  # 03:30 CEST
        (datetime(2026, 3, 29, 2, 0, tzinfo=UTC), False),  # 04:00 CEST
        # 2026-10-25: clocks go 03:00 CEST -> 02:00 CET; 01:00-04:00 local is 4 real hours.
        (datetime(2026, 10, 24, 22, 59, tzinfo=UTC), False),  # 00:59 CEST
        (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), True),  # 01:00 CEST
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), True),  # 02:30 CEST (first)
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), True),  # 02:30 CET (second)
        (datetime(2026, 10, 25, 2, 59, tzinfo=UTC), True),  # 03:59 CET
        (datetime(2026, 10, 25, 3, 0, tzinfo=UTC), False),  # 04:00 CET
    ],
)
def test_dst_early_morning_interval(utc, expected):
    assert is_open(EARLY_EVERY_DAY, utc) is expected


@pytest.mark.parametrize(
    "now, expected, offset",
    [
        (at(2026, 3, 28, 12), datetime(2026, 3, 29, 1, 0, tzinfo=CET), 1),  # opens before the jump
        (at(2026, 3, 29, 12), datetime(2026, 3, 30, 1, 0, tzinfo=CEST), 2),
        (at(2026, 10, 24, 12), datetime(2026, 10, 25, 1, 0, tzinfo=CEST), 2),  # opens before the fall back
        (at(2026, 10, 25, 12), datetime(2026, 10, 26, 1, 0, tzinfo=CET), 1),
    ],
)
def test_dst_next_opening_early_morning(now, expected, offset):
    opens = next_opening(EARLY_EVERY_DAY, now)
    assert opens == expected
    assert opens.utcoffset() == timedelta(hours=offset)
    assert (opens.hour, opens.minute) == (1, 0)


@pytest.mark.parametrize(
    "now, expected, offset",
    [
        (at(2026, 3, 28, 20), datetime(2026, 3, 29, 9, 0, tzinfo=CEST), 2),
        (at(2026, 10, 24, 20), datetime(2026, 10, 25, 9, 0, tzinfo=CET), 1),
    ],
)
def test_dst_next_opening_after_the_change(now, expected, offset):
    opens = next_opening(MORNINGS_EVERY_DAY, now)
    assert opens == expected
    assert opens.utcoffset() == timedelta(hours=offset)
    assert (opens.hour, opens.minute) == (9, 0)


def test_dst_whole_day_on_the_change_days():
    spring = {"weekly": {"sun": ["00:00-24:00"]}}
    # Spring-forward Sunday is 23 hours long, autumn Sunday 25 hours.
    assert is_open(spring, datetime(2026, 3, 28, 22, 59, tzinfo=UTC)) is False
    assert is_open(spring, datetime(2026, 3, 28, 23, 0, tzinfo=UTC)) is True
    assert is_open(spring, datetime(2026, 3, 29, 21, 59, tzinfo=UTC)) is True
    assert is_open(spring, datetime(2026, 3, 29, 22, 0, tzinfo=UTC)) is False
    assert is_open(WHOLE_SUNDAY, datetime(2026, 10, 24, 21, 59, tzinfo=UTC)) is False
    assert is_open(WHOLE_SUNDAY, datetime(2026, 10, 24, 22, 0, tzinfo=UTC)) is True
    assert is_open(WHOLE_SUNDAY, datetime(2026, 10, 25, 22, 59, tzinfo=UTC)) is True
    assert is_open(WHOLE_SUNDAY, datetime(2026, 10, 25, 23, 0, tzinfo=UTC)) is False
    # Naive wall-clock input on the change days, including both 02:30s in autumn.
    assert is_open(WHOLE_SUNDAY, at(2026, 10, 25, 2, 30)) is True
    assert is_open(WHOLE_SUNDAY, at(2026, 10, 25, 2, 30, fold=1)) is True
    assert is_open(spring, at(2026, 3, 29, 3, 30)) is True
    assert describe(WHOLE_SUNDAY, at(2026, 10, 25, 12)) == "öppet nu till 24.00"

    opens = next_opening(WHOLE_SUNDAY, at(2026, 10, 24, 12))
    assert opens == datetime(2026, 10, 25, 0, 0, tzinfo=CEST)
    assert opens.utcoffset() == timedelta(hours=2)
    opens = next_opening(spring, at(2026, 3, 28, 12))
    assert opens == datetime(2026, 3, 29, 0, 0, tzinfo=CET)
    assert opens.utcoffset() == timedelta(hours=1)


def test_dst_opening_in_the_skipped_hour_moves_to_03_00_plus():
    hours = {"weekly": {"sun": ["02:30-05:00"]}}  # 02:30 does not exist on 2026-03-29
    opens = next_opening(hours, at(2026, 3, 28, 12))
    assert opens == datetime(2026, 3, 29, 3, 30, tzinfo=CEST)
    assert opens.utcoffset() == timedelta(hours=2)


# ---------------------------------------------------------------- describe


@pytest.mark.parametrize(
    "hours, now, expected",
    [
        (KATRINEHOLM, at(2026, 9, 7, 12), "stängt nu – öppnar i morgon 13.00"),  # Monday noon
        (KATRINEHOLM, at(2026, 9, 12, 12), "stängt nu – öppnar måndag 09.00"),  # Saturday
        ({"weekly": {"tue": ["13:00-15:00"]}}, at(2026, 9, 12, 12), "stängt nu – öppnar tisdag 13.00"),
        ({"weekly": {"sat": ["10:00-12:00"]}}, at(2026, 9, 7, 12), "stängt nu – öppnar lördag 10.00"),
        ({"weekly": {"sun": ["10:00-12:00"]}}, at(2026, 9, 7, 12), "stängt nu – öppnar söndag 10.00"),
        (KATRINEHOLM, at(2026, 9, 7, 8), "stängt nu – öppnar i dag 09.00"),
        (KATRINEHOLM, at(2026, 9, 7, 11), "stängt nu – öppnar i morgon 13.00"),  # exactly at close
        (KATRINEHOLM, at(2026, 9, 8, 8), "stängt nu – öppnar i dag 13.00"),
        (KATRINEHOLM, at(2026, 9, 8, 16), "stängt nu – öppnar i morgon 09.00"),
        (KATRINEHOLM, at(2026, 9, 11, 12), "stängt nu – öppnar måndag 09.00"),  # Friday noon
        (KATRINEHOLM, at(2026, 9, 7, 9), "öppet nu till 11.00"),
        (KATRINEHOLM, at(2026, 9, 8, 14, 30), "öppet nu till 15.00"),
        (KATRINEHOLM, at(2026, 4, 3, 10), "stängt nu – öppnar tisdag 13.00"),  # långfredag + annandag påsk
        (KATRINEHOLM, at(2026, 12, 24, 10), "stängt nu – öppnar måndag 09.00"),  # julafton
        (NIGHTS_MON, at(2026, 9, 7, 22), "öppet nu till 06.00"),
        (NIGHTS_MON, at(2026, 9, 7, 12), "stängt nu – öppnar i dag 21.00"),
        ({"weekly": {"thu": ["09:00-11:00"]}}, at(2026, 12, 31, 12), "stängt nu – öppnar 7 januari 09.00"),
        ({"weekly": {"mon": ["09:00-11:00"]}}, at(2026, 9, 7, 12), "stängt nu – öppnar 14 september 09.00"),
        ({"weekly": {}}, at(2026, 9, 7, 12), "stängt just nu"),
        (ALWAYS, at(2026, 9, 7, 12), "öppet dygnet runt"),
        (None, at(2026, 9, 7, 12), None),
    ],
)
def test_describe(hours, now, expected):
    assert describe(hours, now) == expected


def test_describe_open_without_close_in_sight():
    # Open around the clock on weekdays: no closing time within a day, so no "till".
    hours = {"weekly": {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}
    assert describe(hours, at(2026, 9, 8, 12)) == "öppet nu"
    assert describe(hours, at(2026, 9, 11, 12)) == "öppet nu till 24.00"


def test_never_opens_within_60_days():
    nothing = {"weekly": {"mon": []}}
    assert is_open(nothing, at(2026, 9, 7, 12)) is False
    assert next_opening(nothing, at(2026, 9, 7, 12)) is None
    assert describe(nothing, at(2026, 9, 7, 12)) == "stängt just nu"
    mondays = [date(2026, 9, 14) + timedelta(weeks=w) for w in range(9)]  # closed for 9 weeks
    hours = {"weekly": {"mon": ["09:00-11:00"]}, "closed_dates": [d.isoformat() for d in mondays]}
    assert next_opening(hours, at(2026, 9, 7, 12)) is None
    assert describe(hours, at(2026, 9, 7, 12)) == "stängt just nu"


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "hours, message",
    [
        ({"weekly": {"mon": ["9-11"]}}, "felaktig tid '9-11'"),
        ({"weekly": {"mon": ["09:00"]}}, "TT:MM-TT:MM"),
        ({"weekly": {"mon": ["09.00-11.00"]}}, "felaktig tid"),
        ({"weekly": {"mon": ["09:00–11:00"]}}, "felaktig tid"),  # en dash
        ({"weekly": {"mon": [900]}}, "felaktig tid 900"),
        ({"weekly": {"mon": ["25:00-26:00"]}}, "finns inte"),
        ({"weekly": {"mon": ["09:60-10:00"]}}, "finns inte"),
        ({"weekly": {"mon": ["24:00-01:00"]}}, "finns inte"),
        ({"weekly": {"mon": ["22:00-24:30"]}}, "finns inte"),
        ({"weekly": {"mon": ["10:00-10:00"]}}, "är tom"),
        ({"weekly": {"monday": ["09:00-11:00"]}}, "okänd veckodag 'monday' – menade du 'mon'"),
        ({"weekly": ["09:00-11:00"]}, "en rad per veckodag"),
        ({**KATRINEHOLM, "public_holidays": "yes"}, "public_holidays"),
        ({**KATRINEHOLM, "closed_dates": ["2026-13-01"]}, "datumet '2026-13-01' finns inte"),
        ({**KATRINEHOLM, "closed_dates": "2026-12-24"}, "lista med datum"),
        ({**KATRINEHOLM, "public_holiday": "open"}, "menade du 'public_holidays'"),
        ({"always": True, **KATRINEHOLM}, "inte båda"),
        ({"always": False}, "always kan bara vara true"),
        ("09:00-11:00", "ska ha underfält"),
        ({**KATRINEHOLM, "exceptions": [{"from": "2026-07-06", "to": "2026-07-01"}]}, "före from"),
        ({**KATRINEHOLM, "exceptions": [{"to": "2026-07-01"}]}, "saknar from"),
        ({**KATRINEHOLM, "exceptions": [{"from": "2026-07-01", "hour": []}]}, "menade du 'hours'"),
        ({**KATRINEHOLM, "exceptions": {"from": "2026-07-01"}}, "ska vara en lista"),
    ],
)
def test_malformed_hours_raise(hours, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        is_open(hours, at(2026, 9, 7, 10))
    with pytest.raises(ValueError):
        validate(hours)


@pytest.mark.parametrize("hours", [ALWAYS, KATRINEHOLM, NIGHTS_MON, {**KATRINEHOLM, "public_holidays": "open"}, None])
def test_valid_hours_validate(hours):
    validate(hours)


def test_every_problem_is_reported_with_its_place():
    hours = {"weekly": {"mon": ["9-11", "13:00-15:00", "25:00-26:00"], "tues": []},
             "closed_dates": ["2026-12-24", "2025-13-40"]}
    found = {e.path: str(e) for e in problems(hours)}
    assert set(found) == {("weekly", "mon", 0), ("weekly", "mon", 2), ("weekly", "tues"), ("closed_dates", 1)}
    assert "menade du 'tue'" in found[("weekly", "tues")]
    assert problems(KATRINEHOLM) == []


# ---------------------------------------------------------------- dated exceptions

SUMMER = {**KATRINEHOLM, "exceptions": [
    {"from": "2026-07-06", "to": "2026-08-09", "note": "sommarstängt"},
    {"from": "2026-09-09", "hours": ["12:00-14:00"]},
]}


def test_summer_closure_is_closed_and_reopens_after():
    assert is_open(SUMMER, at(2026, 7, 8, 10)) is False
    assert is_open(KATRINEHOLM, at(2026, 7, 8, 10)) is True  # a Wednesday
    assert next_opening(SUMMER, at(2026, 7, 8, 10)) == datetime(2026, 8, 10, 9, tzinfo=STOCKHOLM)
    assert describe(SUMMER, at(2026, 7, 8, 10)) == "stängt nu – öppnar 10 augusti 09.00"
    assert is_open(SUMMER, at(2026, 7, 3, 10)) is True  # the Friday before


def test_exception_with_other_hours_replaces_the_day():
    assert is_open(SUMMER, at(2026, 9, 9, 10)) is False  # a Wednesday, normally 09-11
    assert is_open(SUMMER, at(2026, 9, 9, 13)) is True
    assert day_summary(SUMMER, date(2026, 9, 9)) == "12.00–14.00"
    assert day_summary(SUMMER, date(2026, 9, 10)) == "09.00–11.00"


def test_exception_can_open_a_public_holiday_but_a_closed_date_wins():
    hours = {**KATRINEHOLM, "exceptions": [{"from": "2026-12-25", "hours": ["10:00-12:00"]}]}
    assert is_open(hours, at(2026, 12, 25, 11)) is True  # juldagen, opened explicitly
    assert is_open({**hours, "closed_dates": ["2026-12-25"]}, at(2026, 12, 25, 11)) is False


def test_weekly_summary_and_day_summary():
    assert weekly_summary(KATRINEHOLM) == "måndag 09.00–11.00, tisdag 13.00–15.00, onsdag–fredag 09.00–11.00"
    assert weekly_summary(NIGHTS_MON) == "måndag 21.00–06.00"
    assert weekly_summary(WHOLE_SUNDAY) == "söndag 00.00–24.00"
    assert weekly_summary(ALWAYS) is None and weekly_summary(None) is None
    assert day_summary(KATRINEHOLM, date(2026, 9, 12)) == "stängt"  # Saturday
    assert day_summary(KATRINEHOLM, date(2026, 12, 24)) == "stängt"  # julafton, a Thursday
    assert day_summary(ALWAYS, date(2026, 9, 12)) == "öppet dygnet runt"


def test_opens_at_all():
    assert opens_at_all(KATRINEHOLM) is True
    assert opens_at_all({"weekly": {}}) is False
    assert opens_at_all({"weekly": {}, "exceptions": [{"from": "2026-12-23", "hours": ["09:00-12:00"]}]}) is True
    assert opens_at_all(None) is None


def test_warm_up_builds_this_and_next_years_holidays_before_anyone_asks():
    from bot import hours

    hours._holiday_names.cache_clear()
    hours.warm_up(date(2031, 3, 1))
    warmed = hours._holiday_names.cache_info()
    assert warmed.currsize == 2
    assert hours.is_public_holiday(date(2031, 12, 25)) and hours.is_public_holiday(date(2032, 1, 1))
    assert not hours.is_public_holiday(date(2031, 3, 4))
    assert hours._holiday_names.cache_info().misses == warmed.misses  # nothing was worked out at question time
