"""Staff edit resources.yml by hand: every fault gets a Swedish error with file:line, all in one run,
`python -m staff check` says so with the right exit code, and the running bot keeps the last good file."""
from __future__ import annotations

import datetime as dt
import http.server
import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from bot import catalogue
from staff import check
from staff.__main__ import main
from tests.conftest import FIXTURES, ROOT

SHIPPED = (ROOT / "resources.yml").read_text(encoding="utf-8")
MINI = (FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line containing *needle*."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth - 1]


def errors_of(text: str) -> list[str]:
    with pytest.raises(catalogue.CatalogueError) as info:
        catalogue.parse(text, "k.yml")
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems)
    return lines


def replace_once(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# ---------------------------------------------------------------- bad input, one fault at a time

KONTOR = '    phone: "000 222"\n'


@pytest.mark.parametrize(
    "edit, line_needle, expected",
    [
        (lambda t: replace_once(t, KONTOR, '    phone: "00G 222"\n'), '"00G 222"',
         r"Kontorslinjen: telefon \(phone\) '00G 222' innehåller bokstäver – skriv bara siffror"),
        (lambda t: replace_once(t, KONTOR, KONTOR + "    phnoe: 1\n"), "phnoe",
         r"Kontorslinjen: okänt fält 'phnoe' – menade du 'phone'\?"),
        (lambda t: replace_once(t, "    name: Kontorslinjen\n", ""), "id: kontor",
         r"resurs nr 3 \(id kontor\): fältet namn \(name\) saknas"),
        (lambda t: replace_once(t, "    source: https://kontor.example/\n    last_verified: 2026-11-01",
                                "    source: https://kontor.example/\n    last_verified: 2025-13-40"), "2025-13-40",
         r"Kontorslinjen: senast kontrollerad \(last_verified\) '2025-13-40' är inget riktigt datum – skriv ÅÅÅÅ-MM-DD"),
        (lambda t: replace_once(t, KONTOR, "\t" + KONTOR.lstrip()), "000 222",
         r"tabbtecken i indraget – använd mellanslag"),
        (lambda t: replace_once(t, KONTOR, KONTOR + '    phone: "000 333"\n'), "000 333",
         r"'phone' står två gånger \(först på rad \d+\)"),
        (lambda t: replace_once(t, 'thu: ["09:00-11:00"]', 'thu: ["9-11"]'), '"9-11"',
         r"Kontorslinjen: öppettider \(hours\): felaktig tid '9-11' – skriv \"TT:MM-TT:MM\""),
        (lambda t: replace_once(t, "    municipality: alfa\n", "    municipality: alva\n"), "municipality: alva",
         r"Familjestödet i Alfa: kommunen 'alva' finns inte under municipalities – menade du 'alfa'\?"),
        (lambda t: replace_once(t, "      default: [kontor]", "      default: [kontorr]"), "[kontorr]",
         r"behovet ledigt: vägval \(route.default\): resursen 'kontorr' finns inte under resources – menade du 'kontor'\?"),
        (lambda t: replace_once(t, "    chat: null\n" if "    chat: null\n" in t else KONTOR,
                                KONTOR + "    web: www.kontor.example\n"), "www.kontor.example",
         r"Kontorslinjen: webb \(web\) 'www.kontor.example' är ingen fullständig webbadress – den ska börja med https://"),
        (lambda t: replace_once(t, "needs:", "need:"), "need:",
         r"okänt avsnitt 'need' – menade du 'needs'\?"),
        (lambda t: replace_once(t, '    name: Kontorslinjen\n', '    name: "Kontorslinjen\n'), '"Kontorslinjen',
         r"ett citattecken saknas"),
    ],
    ids=["phone-letters", "unknown-field", "no-name", "impossible-date", "tab", "duplicate-key",
         "bad-hours", "unknown-municipality", "unknown-resource-in-route", "url-without-scheme", "typo-in-section",
         "unclosed-quote"],
)
def test_each_fault_gets_a_swedish_error_with_its_line(edit, line_needle, expected):
    text = edit(MINI)
    lines = errors_of(text)
    wanted = re.compile(expected)
    hits = [e for e in lines if wanted.search(e)]
    assert hits, lines
    assert hits[0].startswith(f"k.yml:{line_of(text, line_needle)}: "), (hits[0], line_of(text, line_needle))


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "filen är tom"),
        ("   \n# bara en kommentar\n", "filen är tom"),
        ("- en lista\n- inte en katalog\n", "ska bestå av avsnitten municipalities, services, resources, needs"),
        ("{{{ inte yaml", "filen är inte giltig YAML"),
        ("resources: []\n", "avsnittet 'needs' saknas"),
    ],
)
def test_files_that_are_not_a_catalogue(content, expected):
    assert any(expected in e for e in errors_of(content))


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "resources.yml"
    with big.open("wb") as f:
        f.truncate(50_000_000)
    with pytest.raises(catalogue.CatalogueError, match=r"filen är för stor \(50.0 MB, högst 2 MB\)"):
        catalogue.load(big)


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "resources.yml"
    path.write_bytes(MINI.replace("Kontorslinjen", "Kontorslinjen för föräldrar").encode("latin-1"))
    first_non_ascii = next(i for i, line in enumerate(MINI.splitlines(), start=1) if not line.isascii())
    with pytest.raises(catalogue.CatalogueError, match=rf":{first_non_ascii}: filen är inte sparad som UTF-8"):
        catalogue.load(path)


# ---------------------------------------------------------------- every error in one run


def broken_shipped_copy() -> str:
    text = replace_once(SHIPPED, 'phone: "116 111"', 'phone: "11G 111"')
    text = replace_once(text, "    chat: https://mind.se/\n", "    chatt: https://mind.se/\n")
    text = replace_once(text, "  - id: kvinnofridslinjen\n    name: Kvinnofridslinjen\n", "  - id: kvinnofridslinjen\n")
    text = replace_once(text, 'journalförs)"\n    last_verified: 2026-12-02', 'journalförs)"\n    last_verified: 2025-13-40')
    text = replace_once(text, '    phone: "1177"\n', "    phone: 1177\n")
    text = replace_once(text, '        tue: ["13:00-15:00"]', '        tue: ["13.00-15.00"]')
    text = replace_once(text, "    service: familjestod\n", "    service: familjestod\n    service: familjestöd\n")
    text = replace_once(text, "      child: [bris, elevhalsa]\n", "      child: [briss, elevhalsa]\n")
    return text


def test_every_error_is_reported_in_one_run_in_file_order():
    text = broken_shipped_copy()
    errors = errors_of(text)
    expected = [
        (line_of(text, '"11G 111"'), "Bris: telefon (phone) '11G 111' innehåller bokstäver"),
        (line_of(text, "chatt: https://mind.se/"), "Mind Självmordslinjen: okänt fält 'chatt' – menade du 'chat'?"),
        (line_of(text, "id: kvinnofridslinjen"), "resurs nr 5 (id kvinnofridslinjen): fältet namn (name) saknas"),
        (line_of(text, "phone: 1177"), '1177: telefon (phone) står utan citattecken: phone: 1177 –'),
        (line_of(text, "2025-13-40"), "'2025-13-40' är inget riktigt datum"),
        (line_of(text, '"13.00-15.00"'), "felaktig tid '13.00-15.00'"),
        (line_of(text, "service: familjestod"), "tjänsten 'familjestöd' finns inte under services – menade du 'familjestod'?"),
        (line_of(text, "service: familjestöd"), "'service' står två gånger"),
        (line_of(text, "child: [briss, elevhalsa]"), "resursen 'briss' finns inte under resources – menade du 'bris'?"),
    ]
    assert len(errors) == len(expected), "\n".join(errors)
    for error, (line, fragment) in zip(errors, expected, strict=True):
        assert error.startswith(f"k.yml:{line}: ") and fragment in error, (error, line, fragment)


def test_the_shipped_catalogue_has_no_errors_and_every_entry_a_source():
    report = check.check(ROOT / "resources.yml")
    assert report.errors == [] and report.exit_code == 0, report.text()
    assert not [w for w in report.warnings if "källa (source) saknas" in w.message]


# ---------------------------------------------------------------- warnings

WARNED = (
    MINI.replace("  - {id: beta, name: Beta, aliases: [], source: https://beta.example/, last_verified: 2026-11-01}",
                 "  - {id: beta, name: Beta, aliases: [], last_verified: 2026-11-01}")
    .replace("    source: https://dygnet.example/\n    last_verified: 2026-11-01",
             "    source: https://dygnet.example/\n    last_verified: 2025-11-01")
    .replace('    phone: "000 222"\n', '    phone: "0002 22"\n    web: http://kontor.example/\n')
    .replace('thu: ["09:00-11:00"], fri: ["09:00-11:00"]}', 'thu: ["09:00-11:00"], fri: ["09:00-11:00"]}\n'
             '      exceptions: [{from: 2026-11-01, to: 2027-06-30, note: renovering}]')
    .replace("  - id: alfa_familj\n", "  - id: dygnet_igen\n    name: Dygnet igen\n    about: {adult: x}\n"
             "    hours: {weekly: {}}\n    source: https://x.example/\n    last_verified: 2026-11-01\n"
             "  - id: alfa_familj\n")
)


def test_warnings_do_not_stop_the_file_and_each_names_its_line(tmp_path):
    path = tmp_path / "k.yml"
    path.write_text(WARNED, encoding="utf-8")
    report = check.check(path, today=dt.date(2026, 11, 22))
    assert report.errors == [] and report.exit_code == 0
    warned = [w for w in report.warnings if "förklaring (description) saknas" not in w.message]  # tests/staff/test_preview.py
    got = [(w.line, w.where, w.message) for w in warned]
    text = "\n".join(map(str, got))

    def has(needle: str, where: str, fragment: str, nth: int = 1) -> None:
        line = line_of(WARNED, needle, nth)
        assert any(g[0] == line and g[1] == where and fragment in g[2] for g in got), (needle, line, fragment, text)

    has("id: beta", "kommunen Beta", "källa (source) saknas")
    has("last_verified: 2025-11-01", "Dygnetlinjen", "kontrollerades senast 2025-11-01 (12 månader sedan)")
    has("http://kontor.example/", "Kontorslinjen", "webb (web) http://kontor.example/ är inte https")
    has('"0002 22"', "Kontorslinjen", "telefon (phone) '0002 22' har en ovanlig form")
    has("exceptions: [{from: 2026-11-01", "Kontorslinjen", "öppnar inte någon gång de närmaste 60 dagarna")
    has("hours: {weekly: {}}", "Dygnet igen", "öppettiderna har inga tider alls")
    has("id: beta", "kommunen Beta", "har ingen resurs för orosanmalan")
    has("id: alfa,", "kommunen Alfa", "har ingen resurs för orosanmalan")
    has("id: beta", "kommunen Beta", "har ingen resurs för familjestod")
    assert not any(w.where == "kommunen Alfa" and "familjestod" in w.message for w in report.warnings)  # it has one
    has("id: dygnet_igen", "Dygnet igen", "inget behov leder hit")
    assert len(warned) == 10, text


def test_a_need_without_a_resource_for_some_readers_is_warned(tmp_path):
    path = tmp_path / "k.yml"
    path.write_text(MINI + "  tom:\n    text: {adult: Hej}\n", encoding="utf-8")
    report = check.check(path)
    assert any(w.where == "behovet tom" and "inget vägval" in w.message and w.line == line_of(MINI + "  tom:\n", "  tom:")
               for w in report.warnings), report.text()


# ---------------------------------------------------------------- the command


def test_cli_exit_codes_and_output(tmp_path, capsys):
    broken = tmp_path / "trasig.yml"
    broken.write_text(broken_shipped_copy(), encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "FEL (9)" in out and f"{broken}:{line_of(broken_shipped_copy(), '11G 111')}: Bris: telefon" in out
    assert "Boten fortsätter med den senaste fungerande katalogen" in out
    assert main(["check", str(ROOT / "resources.yml")]) == 0
    assert "Resultat: inga fel" in capsys.readouterr().out


def test_make_check_checks_the_shipped_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^KATALOG \?= resources\.yml$", makefile, re.MULTILINE)
    assert re.search(r"^check:.*\n\t.*-m staff check \"\$\$KATALOG\"", makefile, re.MULTILINE)
    assert re.search(r"^test:.*\bcheck\b", makefile, re.MULTILINE)


# ---------------------------------------------------------------- --links against a local server


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def _answer(self, body: bool) -> None:
        type(self).seen.append((self.command, self.path, self.headers.get("User-Agent")))
        if self.path == "/slow":
            time.sleep(1.5)
        status = {"/ok": 200, "/gone": 404, "/slow": 200, "/nohead": 405 if self.command == "HEAD" else 200,
                  "/moved": 301}.get(self.path, 500)
        self.send_response(status)
        if status == 301:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):  # noqa: N802
        self._answer(body=False)

    def do_GET(self):  # noqa: N802
        self._answer(body=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_links_lists_the_dead_ones_with_their_line(tmp_path, web, monkeypatch):
    monkeypatch.setattr(check, "LINK_TIMEOUT", (1, 0.5))
    dead_port = closed_port()
    pages = {"ok": f"{web}/ok", "gone": f"{web}/gone", "slow": f"{web}/slow", "nohead": f"{web}/nohead",
             "moved": f"{web}/moved", "refused": f"http://127.0.0.1:{dead_port}/"}
    text = MINI.replace("  - id: alfa_familj\n", "".join(
        f"  - id: l_{k}\n    name: Länk {k}\n    about: {{adult: x}}\n    web: {url}\n"
        f"    source: https://x.example/\n    last_verified: 2026-11-01\n" for k, url in pages.items()) + "  - id: alfa_familj\n")
    path = tmp_path / "k.yml"
    path.write_text(text, encoding="utf-8")
    report = check.check(path, links=True)
    dead = {w.where: w for w in report.warnings if w.message.startswith("länken ")}
    assert set(dead) == {"Länk gone", "Länk slow", "Länk refused"}, report.text()
    assert "felkod 404" in dead["Länk gone"].message and dead["Länk gone"].line == line_of(text, "/gone")
    assert "tidsgränsen" in dead["Länk slow"].message
    assert "ingen anslutning" in dead["Länk refused"].message
    assert report.links_checked == 6 and report.exit_code == 0
    calls = [(m, p) for m, p, _ in _Handler.seen]
    assert ("HEAD", "/nohead") in calls and ("GET", "/nohead") in calls  # HEAD first, then GET
    assert ("GET", "/ok") not in calls  # HEAD was enough
    assert {ua for _, _, ua in _Handler.seen} == {check.USER_AGENT}
    assert "Stodlotsen" in check.USER_AGENT


def with_links(urls: list[str]) -> str:
    """MINI with one extra resource per address."""
    return MINI.replace("  - id: alfa_familj\n", "".join(
        f"  - id: l_{i}\n    name: Länk {i}\n    about: {{adult: x}}\n    web: {url}\n"
        f"    source: https://x.example/\n    last_verified: 2026-11-01\n" for i, url in enumerate(urls))
        + "  - id: alfa_familj\n")


def test_links_offline_for_real_is_said_once(tmp_path, capsys):
    # .invalid names never resolve (RFC 2606): what a computer without a network sees for every address.
    path = tmp_path / "k.yml"
    path.write_text(with_links([f"https://sida{i}.stodlotsen.invalid/{i}" for i in range(12)]), encoding="utf-8")
    assert main(["check", str(path), "--links"]) == 0
    out = capsys.readouterr().out
    assert out.count("datorn verkar inte vara ansluten till internet") == 1, out
    assert "länken" not in out and "webbadresser kontrollerade" not in out


class FakeSession:
    """Answers like the internet would, without it: {host: status} answer, other hosts cannot be reached."""

    def __init__(self, answering: dict):
        self.answering, self.asked, self.headers = answering, [], {}

    def _ask(self, url: str, **_kwargs):
        self.asked.append(url)
        host = url.split("/")[2]
        if host not in self.answering:
            raise requests.ConnectionError(f"Failed to resolve '{host}'")
        return type("Response", (), {"status_code": self.answering[host], "close": lambda self: None})()

    head = get = _ask


def test_links_offline_tries_a_few_hosts_once_and_stops():
    urls = [(n, f"R{n}", f"https://host{n % 9}.example/{n}") for n in range(30)]
    session = FakeSession({})
    assert check.dead_links(urls, session) == ([], True)
    assert len(session.asked) == check.LINK_WORKERS and len({u.split("/")[2] for u in session.asked}) == check.LINK_WORKERS


def test_links_online_lists_each_dead_one_and_says_nothing_about_being_offline(tmp_path):
    hosts = {"bra.example": 200, "borta.example": 404}
    urls = ["https://bra.example/a", "https://bra.example/b", "https://borta.example/", "https://finns-inte.example/"]
    path = tmp_path / "k.yml"
    path.write_text(with_links(urls), encoding="utf-8")
    report = check.check(path, links=True, session=FakeSession(hosts))
    dead = {w.where: w.message for w in report.warnings if w.message.startswith("länken ")}
    assert dead == {"Länk 2": "länken https://borta.example/ svarar med felkod 404",
                    "Länk 3": "länken https://finns-inte.example/ går inte att nå (ingen anslutning)"}
    assert not report.links_offline and report.links_checked == 4
    assert "ansluten till internet" not in report.text() and "4 webbadresser kontrollerade." in report.text()


# ---------------------------------------------------------------- hot reload, last known good


def bump(path: Path, text: str) -> None:
    """Write *text* and move the modification time forward, as an editor saving a second later would."""
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 2 * 10**9
    os.utime(path, ns=(later, later))


BAD_EDITS = {
    "not-yaml": "{{{ inte yaml",
    "empty": "",
    "tab": MINI.replace(KONTOR, "\t" + KONTOR.lstrip()),
    "duplicate-key": MINI.replace(KONTOR, KONTOR + '    phone: "000 333"\n'),
    "no-name": MINI.replace("    name: Kontorslinjen\n", ""),
    "unknown-field": MINI.replace(KONTOR, KONTOR + "    phnoe: 1\n"),
    "bad-date": MINI.replace("last_verified: 2026-11-01\n  - id: alfa_familj", "last_verified: 2025-13-40\n  - id: alfa_familj"),
    "bad-phone": MINI.replace(KONTOR, '    phone: "00G 222"\n'),
}


@pytest.mark.parametrize("name", sorted(BAD_EDITS))
def test_a_bad_edit_keeps_answers_and_logs_the_swedish_error_once(tmp_path, caplog, name):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    good = catalogue.current(path)
    assert good.resource("kontor").phone == "000 222"
    bump(path, BAD_EDITS[name])
    caplog.clear()
    assert catalogue.current(path) is good
    assert catalogue.current(path) is good
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1, caplog.text  # once per broken version, not once per message
    assert "den senaste fungerande katalogen" in errors[0].getMessage()
    assert str(path) in errors[0].getMessage()
    with pytest.raises(catalogue.CatalogueError) as info:  # make check shows the same error
        catalogue.load(path)
    assert str(info.value) in errors[0].getMessage()


def test_a_good_edit_is_used_at_once_and_a_deleted_file_keeps_the_last(tmp_path):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    assert catalogue.current(path).resource("kontor").phone == "000 222"
    bump(path, MINI.replace(KONTOR, '    phone: "000 999"\n'))
    assert catalogue.current(path).resource("kontor").phone == "000 999"
    path.unlink()
    assert catalogue.current(path).resource("kontor").phone == "000 999"


def test_the_complete_example_in_the_staff_guide_is_valid():
    guide = (ROOT / "docs" / "katalog.md").read_text(encoding="utf-8")
    example = guide.split("## Ett komplett exempel")[1].split("```yaml\n")[1].split("```")[0]
    municipality, resource = example.split("\nresources:\n")
    text = SHIPPED.replace("\nservices:", "\n" + municipality.split("municipalities:\n")[1] + "\nservices:", 1)
    text = text.replace("\nneeds:", "\n" + resource + "\nneeds:", 1)
    cat = catalogue.parse(text)
    r = cat.resource("exempelby_orosanmalan")
    assert r.municipality == "exempelby" and r.hours["exceptions"][0]["note"] == "sommartider"
    assert cat.local("orosanmalan", "exempelby") == [r]


def test_the_watcher_logs_a_broken_save_without_waiting_for_a_message(tmp_path, caplog):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    assert catalogue.current(path).resource("kontor").phone == "000 222"  # the last good one
    catalogue.watch(path, interval=0.2)
    assert catalogue.watch(path) is catalogue.watch(path)  # one thread per file
    bump(path, MINI.replace(KONTOR, '    phone: "00G 222"\n'))
    deadline = time.monotonic() + 5
    while "'00G 222' innehåller bokstäver" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "'00G 222' innehåller bokstäver" in caplog.text
    assert catalogue.current(path).resource("kontor").phone == "000 222"


def test_a_missing_file_or_a_folder_is_said_in_swedish(tmp_path, capsys):
    assert main(["check", str(tmp_path / "finns-inte.yml")]) == 1
    assert "finns-inte.yml: filen finns inte – kontrollera sökvägen" in capsys.readouterr().out
    assert main(["check", str(tmp_path)]) == 1
    assert "det här är en mapp, inte en fil" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["50-mb", "latin-1"])
def test_a_huge_or_wrongly_encoded_save_keeps_the_last_good(tmp_path, name):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    good = catalogue.current(path)
    if name == "50-mb":
        with path.open("ab") as f:
            f.truncate(50_000_000)
    else:
        path.write_bytes(MINI.replace("000 222", "000 999").encode("latin-1"))
    later = time.time_ns() + 3 * 10**9
    os.utime(path, ns=(later, later))
    assert catalogue.current(path) is good
    assert good.resource("kontor").phone == "000 222"
