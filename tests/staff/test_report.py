"""staff.report: the lägesbild built from generated counters hides every count below 5 and gives nothing away by
subtraction (an attacker with linear programming, tests/support/disclosure.py); `make rapport` writes both files."""
import csv
import datetime as dt
import io
import subprocess

import pytest

from bot.suppression import FEWER, HIDDEN
from staff import report
from tests.conftest import ROOT
from tests.support.disclosure import worked_out
from tools.example_counts import generate

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def data():
    return generate(weeks=16, seed=3, today=TODAY)


@pytest.mark.parametrize("municipality,weeks", [("soderhamn", 6), ("kungalv", 12), (None, 12)])
def test_the_published_report_hides_small_counts_and_gives_nothing_away(shipped, data, municipality, weeks):
    chosen = report.weeks_between(*report.default_weeks(TODAY, weeks))
    built = report.build(data, shipped, municipality, chosen)
    for key, value in built.values.items():
        label = built.labels[key]
        if value < 5:
            assert label == FEWER, (key, value)
        else:
            assert label in (HIDDEN, str(value)), (key, value, label)
    assert any(label == FEWER for label in built.labels.values())
    assert worked_out(built.labels, [(line.total, line.parts) for line in built.lines]) == []


def test_a_week_with_one_small_group_hides_its_partner_too(shipped):
    from bot.counts import REPLY, Cell

    week = "2026-W48"
    counts = {Cell(week, REPLY, municipality="kungalv", reader="child", need="child_bullying"): 7,
              Cell(week, REPLY, municipality="kungalv", reader="guardian", need="parent_own_child"): 2,
              Cell(week, REPLY, municipality="kungalv", reader="", need=""): 6}
    built = report.build(counts, shipped, "kungalv", [week])
    assert built.labels[("lasare", week, "vuxna")] == FEWER
    assert built.labels[("svar", week, report.ALL)] == "15"
    assert HIDDEN in (built.labels[("lasare", week, "barn")], built.labels[("lasare", week, "okant")])
    page = report.html_page(built)
    assert "färre än 5" in page and "Kungälv" in page
    rows = list(csv.reader(io.StringIO(report.csv_text(built)), delimiter=";"))
    assert rows[0] == ["kommun", "tabell", "vecka", "kategori", "antal"]
    published = {(t, w, k): n for _, t, w, k, n in rows[1:]}
    assert published == built.labels  # the file holds the labels, nothing else
    assert ("lasare", week, "vuxna") in published and "2" not in [published[("lasare", week, "vuxna")]]


def test_weeks_and_municipalities_as_staff_write_them(shipped):
    assert report.parse_week("2026 v7") == report.parse_week("2026-07") == "2026-W07"
    assert report.weeks_between("2025-W52", "2026-W02") == ["2025-W52", "2026-W01", "2026-W02"]
    with pytest.raises(report.ReportError, match="ingen vecka 54"):
        report.parse_week("2026-W54")
    with pytest.raises(report.ReportError, match="före"):
        report.weeks_between("2026-W10", "2026-W02")
    assert report.choose(shipped, "Söderhamn", "2026-W01", "2026-W02")[0] == "soderhamn"
    assert report.choose(shipped, "alla", None, None, TODAY)[1][-1] == "2026-W48"
    with pytest.raises(report.ReportError, match="Kända kommuner"):
        report.choose(shipped, "Gotham", None, None)


def test_make_rapport_writes_both_files_from_a_generated_example_database(tmp_path):
    out = tmp_path / "rapport"
    done = subprocess.run(["make", "-s", "rapport", "EXEMPEL=ja", f"UT={out}", "KOMMUN=Söderhamn"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    page, table = (out / "lagesbild.html").read_text(encoding="utf-8"), (out / "lagesbild.csv").read_text(encoding="utf-8-sig")
    assert "Lägesbild från Stödlotsen – Söderhamn" in page and page.count('src="data:image/png;base64,') == 5
    assert "frågor om" in page and "där katalogen saknar lokal kontakt" in page
    assert table.startswith("kommun;tabell;vecka;kategori;antal\n") and "soderhamn;behov;" in table
    assert "Lägesbild för Söderhamn" in done.stdout


STATISTIK = "STODLOTSEN_STATISTIK_TOKEN"
STATISTIK_TOKEN = "statistik-token-0123456789"


@pytest.fixture
def statistik(tmp_path, monkeypatch, data):
    """The staff web server with /statistik over a generated counters' database beside tmp_path/bot.db."""
    from bot import count_store
    from tests.support.webpages import Servers

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  dialect: "sqlite"\n  db: "{tmp_path / "bot.db"}"\n', encoding="utf-8")
    monkeypatch.setenv(count_store.ENDPOINTS_ENV, str(endpoints))
    store = count_store.Store(count_store.locate()[0])
    store.add(data)
    store.close()
    servers = Servers()
    yield lambda tokens: servers.start(tokens=tokens) + report.PATH
    servers.stop()


def test_statistik_is_off_without_its_token_and_refuses_a_request_without_it(statistik):
    from tests.staff.test_page import basic, get

    off = statistik({"STODLOTSEN_STAFF_TOKEN": STATISTIK_TOKEN})  # the staff page's token does not open it
    assert get(off, basic(STATISTIK_TOKEN))[0] == 404
    url = statistik({STATISTIK: STATISTIK_TOKEN})
    for headers in ({}, basic("fel-token-0123456789"), {"Authorization": "Bearer " + STATISTIK_TOKEN[:-1]}):
        status, got, body = get(url, headers)
        assert status == 401 and got["WWW-Authenticate"].startswith("Basic ")
        assert "Lägesbild" not in body and "behov" not in body


def test_statistik_with_its_token_shows_the_report_for_the_chosen_municipality(statistik):
    from tests.staff.test_page import basic, get

    url = statistik({STATISTIK: STATISTIK_TOKEN})
    status, got, body = get(url + "?kommun=kungalv&fran=2026-W40&till=2026-W47", basic(STATISTIK_TOKEN))
    assert status == 200 and "Lägesbild från Stödlotsen – Kungälv" in body and "2026-W40" in body
    assert body.count('src="data:image/png;base64,') == 5 and "färre än 5" in body
    assert "img-src data:" in got["Content-Security-Policy"] and "script" not in got["Content-Security-Policy"]
    assert STATISTIK_TOKEN not in body and "<script" not in body
    status, _, body = get(url + "?fran=2026-W99", basic(STATISTIK_TOKEN))
    assert status == 200 and "ingen vecka 99" in body
