"""`make check` / `python -m staff check PATH [--links]`: is the catalogue safe to use?

Errors are what `bot.catalogue_file` finds and the store refuses to load (the running bot then keeps its last good
catalogue). Warnings are things staff should look at, but that do not stop the file:
old `last_verified`, missing `source`, http addresses, needs without a description, needs with no resource for
some reader, municipalities without one of the local contacts everyone needs (orosanmälan, the social services'
reception, its on-call service, the switchboard, family support) and no reason for it, hours that never open, phone
numbers in an unusual format, and (with --links) addresses that do not answer – or, when none
answers at all, one line saying that the computer seems to be offline.
A reason in the catalogue why a municipality has no such contact yet (`unconfirmed`) is shown as a note, not a
warning. Everything is in Swedish for municipal staff. No Rasa here.
"""
from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Tuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from bot import hours as opening_hours
from bot.catalogue import AUDIENCES, CatalogueError, Problem, service_of
from bot.catalogue_file import Parsed, catalogue_path, label, read_source

STALE_AFTER_DAYS = 183  # about six months
# What every municipality should have, so that someone without a computer always gets a number to call:
# orosanmälan, the social services' reception, the on-call service outside office hours, the switchboard, family support.
LOCAL_SERVICES_EXPECTED = ("orosanmalan", "socialtjanst", "socialjour", "vaxel", "familjestod")
USER_AGENT = "Stodlotsen-katalogkontroll/1.0 (kontroll av kommunens stodkatalog; en forfragan per adress)"
LINK_TIMEOUT = (3, 10)  # connect, read (seconds): a server that does not answer within 3 s counts as down
LINK_WORKERS = 6
URL_FIELDS = ("chat", "eservice", "web")
OFFLINE = ("Länkarna är inte kontrollerade: ingen webbadress gick att nå – datorn verkar inte vara ansluten till "
           "internet. Kontrollera nätverket och kör kontrollen med --links igen.")
_URL_IN_TEXT = re.compile(r"https?://[^\s,;)\"']+")

# Phone numbers as Swedish users read them: short numbers (112, 1177, 90101, 116 111, 114 14),
# area code + hyphen + groups (0150-48 83 00, 077-150 50 50, 020-50 50 50), or +46 with groups.
_PHONE_FORMS = (
    re.compile(r"^\d{3,6}$"),
    re.compile(r"^\d{3} \d{2,3}$"),
    re.compile(r"^0\d{1,3}-\d{2,3}(?: \d{2,3}){1,3}$"),
    re.compile(r"^\+\d{2} \d{1,3}(?:[ -]\d{2,3}){2,4}$"),
)


@dataclass
class Report:
    name: str
    errors: List[Problem] = field(default_factory=list)
    warnings: List[Problem] = field(default_factory=list)
    notes: List[Problem] = field(default_factory=list)  # a contact a municipality lacks, with the reason it gives
    links_checked: int = 0
    links_offline: bool = False  # --links reached no address at all: said once, not once per link
    parsed: Parsed | None = None  # the catalogue with its lines, when it has no errors (for the staff page)

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def text(self) -> str:
        lines = [f"Kontrollerar {self.name}"]
        if self.errors:
            lines.append(f"\nFEL ({len(self.errors)}) – katalogen kan inte användas förrän de är rättade:")
            lines += [f"  {p.format(self.name)}" for p in self.errors]
        if self.warnings:
            lines.append(f"\nVARNINGAR ({len(self.warnings)}) – katalogen fungerar, men titta på detta:")
            lines += [f"  {p.format(self.name)}" for p in self.warnings]
        if self.notes and not self.errors:
            lines.append(f"\nINTE BEKRÄFTAT ({len(self.notes)}) – kommunen saknar resursen, och katalogen säger varför:")
            lines += [f"  {p.format(self.name)}" for p in self.notes]
        if self.links_checked:
            lines.append(f"\n{self.links_checked} webbadresser kontrollerade.")
        if self.links_offline:
            lines.append(f"\n{OFFLINE}")
        if self.errors:
            lines.append(f"\nResultat: {len(self.errors)} fel (varningar visas när felen är rättade). "
                         "Boten fortsätter med den senaste fungerande katalogen tills felen är rättade.")
        else:
            lines.append(f"\nResultat: inga fel, {len(self.warnings)} varningar. Katalogen kan användas.")
        return "\n".join(lines)


def check(path: Path | str | None = None, links: bool = False, today: dt.date | None = None,
          session: requests.Session | None = None) -> Report:
    path = catalogue_path(path)
    report = Report(_shown(path))
    try:
        parsed = read_source(path)
    except CatalogueError as e:
        report.errors = e.problems or [Problem(None, "", str(e))]
        return report
    today = today or dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()
    report.parsed = parsed
    report.warnings = warnings(parsed, today)
    report.notes = unconfirmed(parsed)
    if links:
        urls = addresses(parsed)
        dead, report.links_offline = dead_links(urls, session)
        report.links_checked = 0 if report.links_offline else len({u for _, _, u in urls})
        report.warnings += dead
    report.warnings.sort(key=lambda p: p.line or 0)
    return report


def _shown(path: Path) -> str:
    """The path as staff typed it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- warnings


def warnings(parsed: Parsed, today: dt.date) -> List[Problem]:
    cat, found = parsed.catalogue, []

    def warn(path: tuple, who: str, message: str) -> None:
        found.append(Problem(parsed.line(*path), who, message))

    entries = [("municipalities", i, m, f"kommunen {m.name}") for i, m in enumerate(cat.municipalities)]
    entries += [("resources", i, r, r.name) for i, r in enumerate(cat.resources)]
    for section, i, entry, who in entries:
        age = (today - entry.last_verified).days
        if age > STALE_AFTER_DAYS:
            warn((section, i, "last_verified"), who,
                 f"uppgifterna kontrollerades senast {entry.last_verified.isoformat()} ({age // 30} månader sedan) – "
                 "kontrollera dem vid källan och skriv dagens datum i last_verified")
        elif age < 0:
            warn((section, i, "last_verified"), who,
                 f"last_verified {entry.last_verified.isoformat()} ligger i framtiden – skriv datumet då du kontrollerade")
        if not (entry.source or "").strip():
            warn((section, i, "source"), who,
                 "källa (source) saknas – skriv var uppgifterna kommer ifrån (webbadress eller dokument)")
        for url in _URL_IN_TEXT.findall(entry.source or ""):
            if url.startswith("http://"):
                warn((section, i, "source"), who, f"källan {url} är inte https – finns sidan på https://?")

    facts = [(("resources", i, "details", name), r.name, d) for i, r in enumerate(cat.resources) if r.details
             for name, d in r.details.items()]
    facts += [(("services", key, "details", name), f"tjänsten {key}", d) for key, s in cat.services.items() if s.details
              for name, d in s.details.items()]
    for path, who, detail in facts:
        age = (today - detail.last_verified).days
        if age > STALE_AFTER_DAYS:
            warn((*path, "last_verified"), who,
                 f"{label(path[-1])} kontrollerades senast {detail.last_verified.isoformat()} ({age // 30} månader "
                 "sedan) – kontrollera uppgiften vid källan och skriv dagens datum i last_verified")
        elif age < 0:
            warn((*path, "last_verified"), who,
                 f"{label(path[-1])}: last_verified {detail.last_verified.isoformat()} ligger i framtiden")

    for i, r in enumerate(cat.resources):
        for f in URL_FIELDS:
            url = getattr(r, f)
            if url and url.startswith("http://"):
                warn(("resources", i, f), r.name, f"{label(f)} {url} är inte https – använd https:// om sidan finns där")
        for f in ("phone", "sms"):
            number = getattr(r, f)
            if number and not any(form.match(number) for form in _PHONE_FORMS):
                warn(("resources", i, f), r.name,
                     f"{label(f)} '{number}' har en ovanlig form – skriv som användarna ska se det: riktnummer, "
                     "bindestreck och grupper (0150-48 83 00) eller kortnummer (116 111, 90101)")
        if r.hours:
            if opening_hours.opens_at_all(r.hours) is False:
                warn(("resources", i, "hours"), r.name,
                     "öppettiderna har inga tider alls – resursen visas alltid som stängd; ta bort hours om tiderna "
                     "är okända")
            else:
                noon = dt.datetime.combine(today, dt.time(12), ZoneInfo("Europe/Stockholm"))
                if not opening_hours.is_open(r.hours, noon) and opening_hours.next_opening(r.hours, noon) is None:
                    cause = next((k for k in ("exceptions", "closed_dates") if r.hours.get(k)), "weekly")
                    warn(("resources", i, "hours", cause), r.name,
                         f"öppettiderna öppnar inte någon gång de närmaste {opening_hours.LOOKAHEAD_DAYS} dagarna – "
                         "stämmer undantagen (exceptions/closed_dates)?")
        if r.is_local and r.service and not any(
                f"local:{service}" in entries_ for service in (r.service, *r.also_serves)
                for need in cat.needs.values() for entries_ in need.route.values()):
            warn(("resources", i, "service"), r.name,
                 f"inget behov leder till tjänsten '{r.service}' (local:{r.service}) – resursen visas aldrig")

    if cat.conversation is None:
        found.append(Problem(1, "", "avsnittet conversation saknas – boten kan då inte svara på tack, hej då, "
                                    "\"hjälp\" eller följdfrågor utan nödsvaret (se docs/katalog.md, Samtalet)"))
    found += _need_warnings(parsed)
    for i, m in enumerate(cat.municipalities):
        for service in LOCAL_SERVICES_EXPECTED:
            if not cat.local(service, m.id) and service not in m.unconfirmed:
                warn(("municipalities", i), f"kommunen {m.name}",
                     f"har ingen resurs för {_service_name(parsed, service)} (service: {service}) – användarna får bara "
                     "den allmänna texten; lägg till resursen, eller skriv under unconfirmed varför den saknas")
        for service in m.unconfirmed:
            if cat.local(service, m.id):
                warn(("municipalities", i, "unconfirmed", service), f"kommunen {m.name}",
                     f"har en resurs för {_service_name(parsed, service)} men också ett skäl under unconfirmed varför "
                     "den saknas – ta bort skälet")
    return found


def _service_name(parsed: Parsed, service: str) -> str:
    known = parsed.catalogue.services.get(service)
    return known.name if known is not None and known.name else service


def unconfirmed(parsed: Parsed) -> List[Problem]:
    """The contacts a municipality lacks, each with the reason the catalogue gives (`unconfirmed`)."""
    cat = parsed.catalogue
    return [Problem(parsed.line("municipalities", i, "unconfirmed", service), f"kommunen {m.name}",
                    f"{_service_name(parsed, service)}: {reason}")
            for i, m in enumerate(cat.municipalities) for service, reason in m.unconfirmed.items()
            if not cat.local(service, m.id)]


def _need_warnings(parsed: Parsed) -> List[Problem]:
    cat, found = parsed.catalogue, []
    routed = set()
    for need_id, need in cat.needs.items():
        for entries in need.route.values():
            routed.update(e for e in entries if service_of(e) is None)
        if not need.description:
            found.append(Problem(parsed.line("needs", need_id), f"behovet {need_id}",
                                 "förklaring (description) saknas – skriv en rad om vad behovet gäller; den visas i "
                                 "make forhandsvisa och på personalsidan, aldrig för användarna"))
        if need.ask is not None:
            continue  # answers with a question and buttons, not with resources
        missing = [a for a in AUDIENCES
                   if not need.entries_for(a) and not (need.redirect and a in need.redirect.by_audience)]
        if len(missing) == len(AUDIENCES):
            found.append(Problem(parsed.line("needs", need_id), f"behovet {need_id}",
                                 "inget vägval (route) – svaret nämner ingen resurs"))
        elif missing:
            found.append(Problem(parsed.line("needs", need_id, "route"), f"behovet {need_id}",
                                 f"ingen resurs för {', '.join(missing)} och ingen default – de får bara texten"))
    for i, r in enumerate(cat.resources):
        if not r.is_local and not r.emergency and r.id not in routed:
            found.append(Problem(parsed.line("resources", i, "id"), r.name,
                                 "inget behov leder hit (route) – resursen visas aldrig"))
    return found


# ---------------------------------------------------------------- links


def addresses(parsed: Parsed) -> List[Tuple[int | None, str, str]]:
    """(line, who, url) for every web address users can be shown."""
    out = []
    for i, r in enumerate(parsed.catalogue.resources):
        for f in URL_FIELDS:
            url = getattr(r, f)
            if url:
                out.append((parsed.line("resources", i, f), r.name, url))
    return out


@dataclass(frozen=True)
class _Probe:
    problem: str | None  # why users cannot use the address (Swedish); None when it answers
    reached: bool  # whether a server answered at all (False: no name lookup, no connection)


def _probe(session: requests.Session, url: str) -> _Probe:
    try:
        resp = session.head(url, timeout=LINK_TIMEOUT, allow_redirects=True)
        if resp.status_code >= 400:  # many servers refuse HEAD (403/405/501); ask properly before judging
            resp.close()
            resp = session.get(url, timeout=LINK_TIMEOUT, allow_redirects=True, stream=True)
        resp.close()
        return _Probe(f"svarar med felkod {resp.status_code}" if resp.status_code >= 400 else None, True)
    except requests.exceptions.SSLError:  # a ConnectionError, but the server did answer
        return _Probe("har ett fel i sitt certifikat (https)", True)
    except requests.exceptions.ConnectTimeout:
        return _Probe("svarar inte (tidsgränsen gick ut)", False)
    except requests.Timeout:
        return _Probe("svarar inte (tidsgränsen gick ut)", True)
    except requests.ConnectionError:
        return _Probe("går inte att nå (ingen anslutning)", False)
    except requests.RequestException:
        return _Probe("går inte att hämta", True)


def _one_per_host(urls: List[str]) -> List[str]:
    """The first address of each of up to LINK_WORKERS hosts: tried first, all at once."""
    hosts: dict = {}
    for url in urls:
        hosts.setdefault(urlsplit(url).netloc, url)
    return list(hosts.values())[:LINK_WORKERS]


def dead_links(urls: Iterable[Tuple[int | None, str, str]],
               session: requests.Session | None = None) -> Tuple[List[Problem], bool]:
    """The addresses users cannot use, and whether the computer seems to be offline.

    One address on each of a few hosts is tried first, all at once; when none of them can be reached
    at all, the rest are not tried (the answer is then "offline", after one timeout at most)."""
    urls = list(urls)
    own = session is None
    session = session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    try:
        unique = sorted({u for _, _, u in urls})
        first = _one_per_host(unique)
        with ThreadPoolExecutor(max_workers=LINK_WORKERS) as pool:
            results = dict(zip(first, pool.map(lambda u: _probe(session, u), first), strict=True))
            if first and not any(r.reached for r in results.values()):
                return [], True
            rest = [u for u in unique if u not in results]
            results.update(zip(rest, pool.map(lambda u: _probe(session, u), rest), strict=True))
    finally:
        if own:
            session.close()
    return [Problem(line, who, f"länken {url} {results[url].problem}") for line, who, url in urls
            if results[url].problem], False


# ---------------------------------------------------------------- crisis lines in other languages
def unreviewed_translations() -> str | None:
    """The crisis lines in other languages (bot/crisis_languages.yml) nobody fluent has approved yet."""
    from bot import languages

    waiting = languages.unreviewed()
    if not waiting:
        return None
    return (f"OGRANSKADE ÖVERSÄTTNINGAR ({len(waiting)}) i {languages.LINES_FILE.name} – visas ändå i krissvar; "
            "be någon som kan språket läsa raden och sätt reviewed: true: " + ", ".join(waiting))
