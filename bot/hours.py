"""Opening hours: is a resource open now, when does it open next, and a Swedish phrase for users.

Works on `hours` as written in resources.yml (see docs/design.md), parsed into a `Schedule` by
`parse`; the catalogue does that once per resource when it loads. Every function also takes the
plain dict form:

    {"always": True}
    {"weekly": {"mon": ["09:00-11:00"], "tue": ["21:00-06:00"]},
     "public_holidays": "closed",          # closed (default) | open
     "closed_dates": ["2026-12-24"],       # optional
     "exceptions": [                       # optional dated exceptions, first match wins
         {"from": "2026-07-06", "to": "2026-08-09"},                     # closed (summer)
         {"from": "2026-12-23", "hours": ["09:00-12:00"]}]}              # other hours that day

Intervals are "HH:MM-HH:MM" in Stockholm wall-clock time. An end at or before the start
crosses midnight ("21:00-06:00" closes 06:00 the next day); "24:00" is allowed as an end.
A closed day (public holiday or closed date) cancels the intervals that *start* that day;
the tail of the previous evening's interval still counts. Precedence for a day: closed_dates,
then exceptions (their `hours`, none = closed), then public holidays, then the weekly hours.

All arithmetic on instants is done in UTC, so the DST changes are handled: wall-clock
times are turned into instants with `zoneinfo` (a time skipped in spring maps one hour
later, an ambiguous time in autumn means its first occurrence).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Union
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
_KEYS = ("always", "weekly", "public_holidays", "closed_dates", "exceptions")
_EXCEPTION_KEYS = ("from", "to", "hours", "note")
_DAY = timedelta(days=1)
# A weekday as staff may write it: mon … sun, mån … sön, måndag … söndag (å, ä, ö or not).
_DAY_WORDS = {word: i for i, words in enumerate((
    ("mon", "man", "mandag"), ("tue", "tis", "tisdag"), ("wed", "ons", "onsdag"), ("thu", "tor", "tors", "torsdag"),
    ("fri", "fre", "fredag"), ("sat", "lor", "lordag"), ("sun", "son", "sondag"))) for word in words}
_DAY_FOLD = str.maketrans("åäö", "aao")
_LOOSE_INTERVAL = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*[-–—]\s*(\d{1,2})(?:[:.](\d{2}))?$")


@dataclass(frozen=True)
class Schedule:
    """Parsed `hours` (see `parse`). The catalogue parses every resource's hours once, when it is
    loaded (`Resource.schedule`); the functions below also take the plain dict form."""

    days: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7  # per weekday (mon=0): (start_min, end_min)
    holidays_open: bool = False
    closed_dates: frozenset[date] = frozenset()
    exceptions: tuple[tuple[date, date, tuple[tuple[int, int], ...]], ...] = ()  # (from, to, spans); first match wins
    always: bool = False  # open around the clock; the other fields are then unused

    def spans_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """The opening intervals that start on *day*: closed dates, then exceptions, then holidays, then the week."""
        if day in self.closed_dates:
            return ()
        for first, last, spans in self.exceptions:
            if first <= day <= last:
                return spans
        if not self.holidays_open and is_public_holiday(day):
            return ()
        return self.days[day.weekday()]


ALWAYS = Schedule(always=True)
Hours = Union[Schedule, dict, None]  # what the functions below take


class HoursError(ValueError):
    """Malformed `hours` in the catalogue. The message is Swedish (for staff); `path` is where below
    `hours` (e.g. ("weekly", "mon", 0)), so the catalogue can point to the line."""

    def __init__(self, message: str, path: tuple = ()):
        super().__init__(message)
        self.path = path


# ---------------------------------------------------------------- public API


def stockholm_now() -> datetime:
    """The current time in Stockholm, the time zone of every opening hour and every reply."""
    return datetime.now(STOCKHOLM)


def is_open(hours: Hours, now: datetime) -> bool | None:
    """True/False, or None when the hours are unknown (None or empty)."""
    schedule = _schedule(hours)
    if schedule is None:
        return None
    if schedule.always:
        return True
    return _current_run(schedule, now) is not None


def next_opening(hours: Hours, now: datetime) -> datetime | None:
    """The next moment (strictly after `now`) it opens, as an aware Europe/Stockholm datetime.

    None when the hours are unknown, always open, or it does not open within 60 days.
    When it is open now, this is the opening after the current opening period ends.
    """
    schedule = _schedule(hours)
    if schedule is None or schedule.always:
        return None
    now_utc = _to_utc(now)
    for start, _end in _runs(schedule, now):
        if start > now_utc:
            if start - now_utc > timedelta(days=LOOKAHEAD_DAYS):
                return None
            return start.astimezone(STOCKHOLM)
    return None


def describe(hours: Hours, now: datetime) -> str | None:
    """Swedish phrase for users, e.g. "öppet nu till 15.00" or "stängt nu – öppnar tisdag 13.00".

    None when the hours are unknown.
    """
    schedule = _schedule(hours)
    if schedule is None:
        return None
    if schedule.always:
        return "öppet dygnet runt"
    run = _current_run(schedule, now)
    if run is not None:
        closes = run[1]
        if closes - _to_utc(now) <= _DAY:
            return f"öppet nu till {_clock(closes, end=True)}"
        return "öppet nu"
    opens = next_opening(schedule, now)
    if opens is None:
        return "stängt just nu"
    return f"stängt nu – öppnar {_when(opens, _local(now).date())} {_clock(opens)}"


def validate(hours: dict | None) -> None:
    """Raise ValueError if `hours` is malformed (for checking the catalogue at load time)."""
    parse(hours)


def weekly_summary(hours: Hours) -> str | None:
    """The usual week in Swedish, e.g. "måndag 09.00–11.00, tisdag 13.00–15.00, onsdag–fredag 09.00–11.00".

    None when unknown or always open (say `describe` instead). Days with the same hours are joined.
    """
    schedule = _schedule(hours)
    if schedule is None or schedule.always:
        return None
    groups: list[list] = []  # [first_day, last_day, spans]
    for i, spans in enumerate(schedule.days):
        if spans and groups and groups[-1][1] == i - 1 and groups[-1][2] == spans:
            groups[-1][1] = i
        elif spans:
            groups.append([i, i, spans])
    if not groups:
        return None
    parts = []
    for first, last, spans in groups:
        days = WEEKDAY_NAMES_SV[first] if first == last else f"{WEEKDAY_NAMES_SV[first]}–{WEEKDAY_NAMES_SV[last]}"
        times = " och ".join(f"{_minutes(a)}–{_minutes(b)}" for a, b in spans)
        parts.append(f"{days} {times}")
    return ", ".join(parts)


def day_summary(hours: Hours, day: date) -> str | None:
    """The hours that start on *day* in Swedish ("09.00–11.00", "stängt"); None when unknown."""
    schedule = _schedule(hours)
    if schedule is None:
        return None
    if schedule.always:
        return "öppet dygnet runt"
    spans = schedule.spans_on(day)
    return " och ".join(f"{_minutes(a)}–{_minutes(b)}" for a, b in spans) if spans else "stängt"


def _minutes(m: int) -> str:
    """Minutes after midnight as "09.00"; an end on the next morning reads as that morning's clock."""
    if m > 24 * 60:
        m -= 24 * 60
    return f"{m // 60:02d}.{m % 60:02d}"


def is_public_holiday(day: date) -> bool:
    """A Swedish public holiday or julafton / nyårsafton / midsommarafton; ordinary Sundays are not."""
    return day in _holiday_names(day.year)


# ---------------------------------------------------------------- holidays


def warm_up(today: date | None = None) -> None:
    """Work out this year's and next year's holidays now. The first calendar takes the `holidays`
    library some 0.2 s (it imports its country modules and Swedish names); done during the first
    question about opening hours, it held up every other conversation of the action server."""
    year = (today or stockholm_now().date()).year
    _holiday_names(year)
    _holiday_names(year + 1)


def holiday_name(day: date) -> str | None:
    """The holiday or eve that closes *day*, in Swedish ("juldagen", "midsommarafton"); None on other days."""
    return _holiday_names(day.year).get(day)


@cache
def _holiday_names(year: int) -> dict[date, str]:
    calendar = holidays.country_holidays("SE", years=year, language="sv")
    names = {}
    for day, name in calendar.items():
        parts = [part.strip() for part in name.split(";") if part.strip() not in _SUNDAY_NAMES]
        if parts:
            names[day] = ", ".join(parts).lower()
    # Eves that are de facto holidays; not in the library's public calendar.
    midsummer_eve = date(year, 6, 19) + timedelta(days=(4 - date(year, 6, 19).weekday()) % 7)
    names.update({date(year, 12, 24): "julafton", date(year, 12, 31): "nyårsafton", midsummer_eve: "midsommarafton"})
    return names


# ---------------------------------------------------------------- parsing


def weekdays_of(key: object) -> tuple[int, ...] | None:
    """The weekdays (mon=0) a key under `weekly` stands for: one day ("mon", "mån", "måndag") or days in a row
    ("mon-fri", "mån–fre", "lördag-söndag"; "fri-mon" goes over the weekend); None when it is no day."""
    parts = [part.strip() for part in re.split(r"[-–—]", str(key).strip().lower().translate(_DAY_FOLD))]
    if len(parts) > 2 or any(part not in _DAY_WORDS for part in parts):
        return None
    start, end = _DAY_WORDS[parts[0]], _DAY_WORDS[parts[-1]]
    return tuple((start + n) % 7 for n in range((end - start) % 7 + 1))


def problems(hours: object) -> list[HoursError]:
    """Every problem in `hours` (Swedish, for staff), each with its `path` below `hours`."""
    found: list[HoursError] = []
    _parse_all(hours, found)
    return found


def parse(hours: dict | None) -> Schedule | None:
    """The schedule of `hours` as written in the catalogue; None when unknown (None or empty).
    Raises the first HoursError found (`problems` lists them all)."""
    found: list[HoursError] = []
    schedule = _parse_all(hours, found)
    if found:
        raise found[0]
    return schedule


def _schedule(hours: Hours) -> Schedule | None:
    return hours if hours is None or isinstance(hours, Schedule) else parse(hours)


def _error(found: list[HoursError], path: tuple, message: str) -> None:
    found.append(HoursError(message, path))


def _parse_all(hours: object, found: list[HoursError]) -> Schedule | None:
    if not hours:
        return None
    if not isinstance(hours, dict):
        _error(found, (), f"hours ska ha underfält (always, weekly …), inte {hours!r} – se docs/katalog.md")
        return None
    for key in sorted(set(hours) - set(_KEYS), key=str):
        close = difflib.get_close_matches(str(key), _KEYS, n=1)
        hint = f"menade du '{close[0]}'?" if close else f"tillåtna är {', '.join(_KEYS)}"
        _error(found, (key,), f"okänt fält '{key}' under hours – {hint}")
    if hours.get("always") is not None and hours.get("always") is not True:
        _error(found, ("always",), "always kan bara vara true; för tider, skriv weekly i stället")
    if hours.get("always") is True:
        if "weekly" in hours:
            _error(found, ("weekly",), "använd antingen 'always: true' eller 'weekly', inte båda")
        return ALWAYS
    if "weekly" not in hours:
        _error(found, (), "hours behöver 'always: true' (dygnet runt) eller 'weekly' (tider per veckodag)")
        return None

    weekly = hours["weekly"] or {}
    days: list[tuple[tuple[int, int], ...]] = [()] * 7
    if not isinstance(weekly, dict):
        _error(found, ("weekly",), "weekly ska ha en rad per veckodag (mon, tue, wed, thu, fri, sat, sun)")
        weekly = {}
    written: dict[int, object] = {}  # weekday -> the key that gave it its hours
    for key in weekly:
        covered = weekdays_of(key)
        if covered is None:
            close = difflib.get_close_matches(str(key).lower().translate(_DAY_FOLD)[:3], _DAY_WORDS, n=1)
            hint = f"menade du '{WEEKDAYS[_DAY_WORDS[close[0]]]}'? " if close else ""
            _error(found, ("weekly", key), f"okänd veckodag '{key}' – {hint}skriv mon, tue, wed, thu, fri, sat eller "
                                           "sun, eller flera dagar i följd som mon-fri (eller mån-fre)")
            continue
        spans = _intervals(weekly[key], ("weekly", key), found)
        for i in covered:
            if i in written:
                _error(found, ("weekly", key), f"{WEEKDAY_NAMES_SV[i]} står redan under '{written[i]}' – skriv varje "
                                               "dag en gång")
                continue
            written[i], days[i] = key, spans

    policy = hours.get("public_holidays", "closed")
    if policy not in ("closed", "open"):
        _error(found, ("public_holidays",), f"public_holidays ska vara closed eller open, inte {policy!r}")

    closed = hours.get("closed_dates") or []
    if not isinstance(closed, (list, tuple)):
        _error(found, ("closed_dates",), "closed_dates ska vara en lista med datum, t.ex. [2026-12-24, 2026-12-31]")
        closed = []
    closed_dates = {_date(d, ("closed_dates", i), found) for i, d in enumerate(closed)}

    exceptions = hours.get("exceptions") or []
    if not isinstance(exceptions, (list, tuple)):
        _error(found, ("exceptions",), "exceptions ska vara en lista, där varje rad börjar med '- from:'")
        exceptions = []
    parsed = tuple(p for i, e in enumerate(exceptions) if (p := _exception(e, ("exceptions", i), found)))
    return Schedule(tuple(days), policy == "open", frozenset(d for d in closed_dates if d is not None), parsed)


def _intervals(spans: object, path: tuple, found: list[HoursError]) -> tuple[tuple[int, int], ...]:
    if not spans:
        return ()
    if isinstance(spans, str):
        spans = [spans]
    if not isinstance(spans, (list, tuple)):
        _error(found, path, f"tiderna ska vara en lista, t.ex. [\"09:00-11:00\"], inte {spans!r}")
        return ()
    parsed = (_parse_interval(span, path + (i,), found) for i, span in enumerate(spans))
    return tuple(p for p in parsed if p is not None)


def _exception(entry: object, path: tuple, found: list[HoursError]) -> tuple[date, date, tuple] | None:
    if not isinstance(entry, dict):
        _error(found, path, "varje undantag ska ha from (och gärna to och hours), t.ex. '- {from: 2026-07-06, to: 2026-08-09}'")
        return None
    for key in sorted(set(entry) - set(_EXCEPTION_KEYS), key=str):
        close = difflib.get_close_matches(str(key), _EXCEPTION_KEYS, n=1)
        hint = f"menade du '{close[0]}'?" if close else f"tillåtna är {', '.join(_EXCEPTION_KEYS)}"
        _error(found, path + (key,), f"okänt fält '{key}' i undantaget – {hint}")
    if "from" not in entry:
        _error(found, path, "undantaget saknar from (första dagen, ÅÅÅÅ-MM-DD)")
        return None
    first = _date(entry["from"], path + ("from",), found)
    last = _date(entry["to"], path + ("to",), found) if entry.get("to") is not None else first
    spans = _intervals(entry.get("hours"), path + ("hours",), found)
    if first is None or last is None:
        return None
    if last < first:
        _error(found, path + ("to",), f"to ({last.isoformat()}) är före from ({first.isoformat()}) – byt plats på datumen")
        return None
    return first, last, spans


def _parse_interval(text: object, path: tuple, found: list[HoursError]) -> tuple[int, int] | None:
    """"09:00-11:00" -> (540, 660) minutes; an end at or before the start is on the next day."""
    match = _INTERVAL.match(text.strip()) if isinstance(text, str) else None
    if not match:
        loose = _LOOSE_INTERVAL.match(text.strip()) if isinstance(text, str) else None
        fix = (f"\"{int(loose[1]):02d}:{loose[2] or '00'}-{int(loose[3]):02d}:{loose[4] or '00'}\"" if loose
               else "\"09:00-11:00\"")
        _error(found, path, f"felaktig tid {text!r} – skriv \"TT:MM-TT:MM\" med kolon och vanligt bindestreck, "
                            f"{'alltså' if loose else 't.ex.'} {fix}")
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2 != 0):
        _error(found, path, f"tiden {text!r} finns inte – timmar 00–23, minuter 00–59 (sluttiden får vara 24:00)")
        return None
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        _error(found, path, f"tiden {text!r} är tom (börjar och slutar samma minut) – för hela dygnet skriv \"00:00-24:00\"")
        return None
    if end < start:
        end += 24 * 60  # crosses midnight
    return start, end


def _date(value: object, path: tuple, found: list[HoursError]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        _error(found, path, f"datumet {str(value)!r} finns inte – skriv ÅÅÅÅ-MM-DD, t.ex. 2026-12-24")
        return None


def opens_at_all(hours: dict | None) -> bool | None:
    """False when valid hours have no opening time at all (every day empty, no exception with times)."""
    schedule = _schedule(hours)
    if schedule is None:
        return None
    if schedule.always:
        return True
    return any(schedule.days) or any(spans for _f, _t, spans in schedule.exceptions)


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


def _runs(schedule: Schedule, now: datetime) -> list[tuple[datetime, datetime]]:
    """Opening periods (UTC start, end), merged when they touch, from yesterday to the lookahead."""
    today = _local(now).date()
    spans: list[tuple[datetime, datetime]] = []
    for offset in range(-1, LOOKAHEAD_DAYS + 2):
        day = today + timedelta(days=offset)
        for start, end in schedule.spans_on(day):
            spans.append((_instant(day, start), _instant(day, end)))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in spans:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], finish))
        else:
            merged.append((begin, finish))
    return merged


def _current_run(schedule: Schedule, now: datetime) -> tuple[datetime, datetime] | None:
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
