"""Opening hours: is a resource open now, when does it open next, and a Swedish phrase for users.

Works on the plain dict form of `hours` in resources.yml (see docs/design.md):

    {"always": True}
    {"weekly": {"mon": ["09:00-11:00"], "tue": ["21:00-06:00"]},
     "public_holidays": "closed",          # closed (default) | open
     "closed_dates": ["2026-12-24"]}       # optional

Intervals are "HH:MM-HH:MM" in Stockholm wall-clock time. An end at or before the start
crosses midnight ("21:00-06:00" closes 06:00 the next day); "24:00" is allowed as an end.
A closed day (public holiday or closed date) cancels the intervals that *start* that day;
the tail of the previous evening's interval still counts.

All arithmetic on instants is done in UTC, so the DST changes are handled: wall-clock
times are turned into instants with `zoneinfo` (a time skipped in spring maps one hour
later, an ambiguous time in autumn means its first occurrence).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")
LOOKAHEAD_DAYS = 60

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES_SV = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MONTH_NAMES_SV = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)

# The `holidays` SE calendar lists every Sunday as a holiday ("Söndag"), joined with "; " when
# a Sunday is also a real holiday ("Påskdagen; Söndag"). Ordinary Sundays are not holidays here.
_SUNDAY_NAMES = {"Söndag", "Sunday"}
_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_KEYS = {"always", "weekly", "public_holidays", "closed_dates"}
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class _Weekly:
    days: tuple[tuple[tuple[int, int], ...], ...]  # per weekday (mon=0): (start_min, end_min)
    holidays_open: bool
    closed_dates: frozenset[date]


_ALWAYS = "always"


class HoursError(ValueError):
    """Malformed `hours` in the catalogue."""


# ---------------------------------------------------------------- public API


def is_open(hours: dict | None, now: datetime) -> bool | None:
    """True/False, or None when the hours are unknown (None or empty)."""
    schedule = _parse(hours)
    if schedule is None:
        return None
    if schedule is _ALWAYS:
        return True
    return _current_run(schedule, now) is not None


def next_opening(hours: dict | None, now: datetime) -> datetime | None:
    """The next moment (strictly after `now`) it opens, as an aware Europe/Stockholm datetime.

    None when the hours are unknown, always open, or it does not open within 60 days.
    When it is open now, this is the opening after the current opening period ends.
    """
    schedule = _parse(hours)
    if schedule is None or schedule is _ALWAYS:
        return None
    now_utc = _to_utc(now)
    for start, _end in _runs(schedule, now):
        if start > now_utc:
            if start - now_utc > timedelta(days=LOOKAHEAD_DAYS):
                return None
            return start.astimezone(STOCKHOLM)
    return None


def describe(hours: dict | None, now: datetime) -> str | None:
    """Swedish phrase for users, e.g. "öppet nu till 15.00" or "stängt nu – öppnar tisdag 13.00".

    None when the hours are unknown.
    """
    schedule = _parse(hours)
    if schedule is None:
        return None
    if schedule is _ALWAYS:
        return "öppet dygnet runt"
    run = _current_run(schedule, now)
    if run is not None:
        closes = run[1]
        if closes - _to_utc(now) <= _DAY:
            return f"öppet nu till {_clock(closes, end=True)}"
        return "öppet nu"
    opens = next_opening(hours, now)
    if opens is None:
        return "stängt just nu"
    return f"stängt nu – öppnar {_when(opens, _local(now).date())} {_clock(opens)}"


def validate(hours: dict | None) -> None:
    """Raise ValueError if `hours` is malformed (for checking the catalogue at load time)."""
    _parse(hours)


def is_public_holiday(day: date) -> bool:
    """A Swedish public holiday or julafton / nyårsafton / midsommarafton; ordinary Sundays are not."""
    return day in _closed_holidays(day.year)


# ---------------------------------------------------------------- holidays


@cache
def _closed_holidays(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("SE", years=year, language="sv")
    days = {
        day
        for day, name in calendar.items()
        if any(part.strip() not in _SUNDAY_NAMES for part in name.split(";"))
    }
    # Eves that are de facto holidays; not in the library's public calendar.
    midsummer_eve = date(year, 6, 19) + timedelta(days=(4 - date(year, 6, 19).weekday()) % 7)
    days |= {date(year, 12, 24), date(year, 12, 31), midsummer_eve}
    return frozenset(days)


# ---------------------------------------------------------------- parsing


def _parse(hours: dict | None) -> _Weekly | str | None:
    if not hours:
        return None
    if not isinstance(hours, dict):
        raise HoursError(f"hours must be a mapping, got {type(hours).__name__}: {hours!r}")
    unknown = set(hours) - _KEYS
    if unknown:
        raise HoursError(f"hours: unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    if hours.get("always") is True:
        if "weekly" in hours:
            raise HoursError("hours: use either `always: true` or `weekly`, not both")
        return _ALWAYS
    if "weekly" not in hours:
        raise HoursError(f"hours needs `always: true` or `weekly`, got {hours!r}")

    weekly = hours["weekly"] or {}
    if not isinstance(weekly, dict):
        raise HoursError(f"hours.weekly must be a mapping of mon..sun, got {weekly!r}")
    bad_days = set(weekly) - set(WEEKDAYS)
    if bad_days:
        raise HoursError(f"hours.weekly: unknown day(s) {sorted(bad_days)}; use {', '.join(WEEKDAYS)}")
    days = []
    for key in WEEKDAYS:
        spans = weekly.get(key) or []
        if isinstance(spans, str):
            spans = [spans]
        days.append(tuple(_parse_interval(span, key) for span in spans))

    policy = hours.get("public_holidays", "closed")
    if policy not in ("closed", "open"):
        raise HoursError(f"hours.public_holidays must be 'closed' or 'open', got {policy!r}")

    closed = hours.get("closed_dates") or []
    if not isinstance(closed, (list, tuple)):
        raise HoursError(f"hours.closed_dates must be a list of dates, got {closed!r}")
    return _Weekly(tuple(days), policy == "open", frozenset(_parse_date(d) for d in closed))


def _parse_interval(text: object, day: str) -> tuple[int, int]:
    """"09:00-11:00" -> (540, 660) minutes; an end at or before the start is on the next day."""
    match = _INTERVAL.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise HoursError(f"hours.weekly.{day}: bad interval {text!r}; expected 'HH:MM-HH:MM', e.g. '09:00-11:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        raise HoursError(f"hours.weekly.{day}: time out of range in {text!r} (00:00..23:59, end may be 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise HoursError(f"hours.weekly.{day}: empty interval {text!r}; for a whole day use '00:00-24:00'")
    if end < start:
        end += 24 * 60  # crosses midnight
    return start, end


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise HoursError(f"hours.closed_dates: bad date {value!r}; expected 'YYYY-MM-DD'") from None


# ---------------------------------------------------------------- time arithmetic


def _local(now: datetime) -> datetime:
    """Naive = Stockholm wall-clock time; aware = converted to Stockholm."""
    if now.tzinfo is None:
        return now.replace(tzinfo=STOCKHOLM)
    return now.astimezone(STOCKHOLM)


def _to_utc(now: datetime) -> datetime:
    return _local(now).astimezone(UTC)


def _instant(day: date, minutes: int) -> datetime:
    """Stockholm wall-clock `minutes` after midnight of `day` (may pass 24:00) as a UTC instant."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return wall.replace(tzinfo=STOCKHOLM).astimezone(UTC)


def _runs(schedule: _Weekly, now: datetime) -> list[tuple[datetime, datetime]]:
    """Opening periods (UTC start, end), merged when they touch, from yesterday to the lookahead."""
    today = _local(now).date()
    spans = []
    for offset in range(-1, LOOKAHEAD_DAYS + 2):
        day = today + timedelta(days=offset)
        if day in schedule.closed_dates or (not schedule.holidays_open and is_public_holiday(day)):
            continue
        for start, end in schedule.days[day.weekday()]:
            spans.append((_instant(day, start), _instant(day, end)))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _current_run(schedule: _Weekly, now: datetime) -> tuple[datetime, datetime] | None:
    now_utc = _to_utc(now)
    for start, end in _runs(schedule, now):
        if start <= now_utc < end:
            return start, end
    return None


# ---------------------------------------------------------------- Swedish formatting


def _clock(moment: datetime, end: bool = False) -> str:
    """'09.00'; a closing time at midnight reads '24.00'."""
    local = moment.astimezone(STOCKHOLM)
    if end and local.hour == 0 and local.minute == 0:
        return "24.00"
    return f"{local.hour:02d}.{local.minute:02d}"


def _when(moment: datetime, today: date) -> str:
    day = moment.astimezone(STOCKHOLM).date()
    days_away = (day - today).days
    if days_away == 0:
        return "i dag"
    if days_away == 1:
        return "i morgon"
    if days_away <= 6:
        return WEEKDAY_NAMES_SV[day.weekday()]
    return f"{day.day} {MONTH_NAMES_SV[day.month - 1]}"
