"""`make check` / `python -m staff check`: the shipped file has no errors, warnings name their line, the exit
code says whether the file can be used, and --links lists dead addresses (or says once that it is offline).
The errors themselves: tests/domain/test_catalogue_file.py; the last good file kept: test_catalogue_store.py."""
from __future__ import annotations

import datetime as dt
import http.server
import re
import socket
import threading
import time

import pytest
import requests

from staff import check
from staff.__main__ import main
from tests.conftest import ROOT
from tests.support.catalogue_edits import MINI, broken_shipped_copy, line_of


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
    for service in ("socialtjanst", "socialjour", "vaxel"):  # a number for everyone: reception, on call, switchboard
        has("id: alfa,", "kommunen Alfa", f"har ingen resurs för {service}")
        has("id: beta", "kommunen Beta", f"har ingen resurs för {service}")
    assert not any(w.where == "kommunen Alfa" and "familjestod" in w.message for w in report.warnings)  # it has one
    has("id: dygnet_igen", "Dygnet igen", "inget behov leder hit")
    assert len(warned) == 16, text


def test_a_municipality_may_say_why_it_lacks_a_contact_and_check_shows_the_reason_not_a_warning(tmp_path):
    path = tmp_path / "k.yml"
    reason = "Ingen kontakt bekräftad på kommunens webbplats."
    beta = "  - {id: beta, name: Beta, aliases: [], last_verified: 2026-11-01"
    path.write_text(WARNED.replace(beta + "}", beta + f", unconfirmed: {{familjestod: '{reason}', alfa: 'x'}}}}"),
                    encoding="utf-8")
    report = check.check(path, today=dt.date(2026, 11, 22))
    assert [p.message.split(" – ")[0] for p in report.errors] == ["tjänsten 'alfa' finns inte under services"]
    path.write_text(WARNED.replace(beta + "}", beta + f", unconfirmed: {{familjestod: '{reason}'}}}}"), encoding="utf-8")
    report = check.check(path, today=dt.date(2026, 11, 22))
    assert not any(w.where == "kommunen Beta" and "familjestod" in w.message for w in report.warnings)
    assert [(n.where, n.message) for n in report.notes] == [("kommunen Beta", f"familjestod: {reason}")]
    assert "INTE BEKRÄFTAT (1)" in report.text() and reason in report.text()


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


def test_a_missing_file_or_a_folder_is_said_in_swedish(tmp_path, capsys):
    assert main(["check", str(tmp_path / "finns-inte.yml")]) == 1
    assert "finns-inte.yml: filen finns inte – kontrollera sökvägen" in capsys.readouterr().out
    assert main(["check", str(tmp_path)]) == 1
    assert "det här är en mapp, inte en fil" in capsys.readouterr().out


