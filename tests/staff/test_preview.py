"""The staff preview (`python -m staff svar`, `make forhandsvisa`): options as staff write them, and
anything unknown is an error that lists what there is – never a silent generic reply."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

import pytest

from bot import catalogue, catalogue_file
from staff import check, preview
from staff.__main__ import main
from tests.conftest import ROOT, STOCKHOLM, at
from tests.support.catalogue_edits import MINI, errors_of, line_of, replace_once

WEDNESDAY = at("2026-11-25 12:00")
STAMP = ".venv/.installed"  # `make -o` it: the test runs the recipe, never a reinstall (`make install` does that)


@pytest.mark.parametrize("words, expected", [
    ("lördag 22:00", "2026-11-28 22:00"),
    ("Lördag 22.00", "2026-11-28 22:00"),
    ("onsdag 08:30", "2026-11-25 08:30"),  # today counts
    ("måndag 9", "2026-11-30 09:00"),
    ("i morgon 07:15", "2026-11-26 07:15"),
    ("idag 23:59", "2026-11-25 23:59"),
    ("2026-12-24 10:00", "2026-12-24 10:00"),
    ("22:00", "2026-11-25 22:00"),
    ("söndag", "2026-11-29 12:00"),
    ("nu", "2026-11-25 12:00"),
    ("", "2026-11-25 12:00"),
])
def test_a_moment_in_staff_words(words, expected):
    assert preview.moment(words, WEDNESDAY) == at(expected)
    assert preview.moment(words, WEDNESDAY).tzinfo == STOCKHOLM


@pytest.mark.parametrize("words", ["igår", "lördag 25:00", "2026-13-01 10:00", "kl 10", "lördag 22:61"])
def test_a_moment_that_cannot_be_read_is_an_error_with_examples(words):
    with pytest.raises(preview.PreviewError, match="Skriv till exempel|finns inte"):
        preview.moment(words, WEDNESDAY)


def test_the_time_option_shows_closed_now_and_when_it_opens(shipped, capsys):
    # Kungälv's orosanmälan answers weekdays 09:00–16:30: on a Saturday night it opens on Monday.
    assert main(["svar", "adult_other_child", "--vem", "vuxen", "--kommun", "kungalv", "--tid", "2026-11-28 22:00"]) == 0
    out = capsys.readouterr().out
    assert "Stängt nu – öppnar måndag 09.00." in out and "0303-23 93 77" in out
    assert "\nTid: lördag 28 november 2026 kl. 22.00\n" in out
    assert main(["svar", "adult_other_child", "--vem", "vuxen", "--kommun", "kungalv", "--tid", "2026-11-24 10:00"]) == 0
    assert "Öppet nu till 16.30." in capsys.readouterr().out


@pytest.mark.parametrize("written", ["Kungälv", "kungalv", "KUNGÄLV", "kungälvs", " Kungälv "])
def test_a_municipality_by_its_name_or_id(shipped, written):
    assert preview.municipality(shipped, written).id == "kungalv"


@pytest.mark.parametrize("written", ["Flen", "kungalv2", "Göteborg"])
def test_an_unknown_municipality_is_an_error_listing_the_known_ones(written, capsys):
    assert main(["svar", "child_bullying", "--kommun", written]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"Kommunen '{written}' finns inte i katalogen. Kända kommuner: Katrineholm (katrineholm), Nyköping " \
           "(nykoping), Söderhamn (soderhamn), Kungälv (kungalv)." in err


def test_a_reader_in_swedish_or_as_the_key_and_an_unknown_one_is_an_error(capsys):
    assert [preview.reader(w) for w in ("barn", "förälder", "Vuxen", "yrkesperson", "guardian", "", None)] == \
           ["child", "guardian", "adult", "professional", "guardian", None, None]
    assert main(["svar", "child_bullying", "--vem", "mamma"]) == 2
    assert "Okänd läsare 'mamma'. Skriv någon av: barn eller ung (child), förälder (guardian)" in capsys.readouterr().err


def test_an_unknown_need_is_an_error_with_a_suggestion(capsys):
    assert main(["svar", "child_bulying"]) == 2
    assert "Okänt behov 'child_bulying' – menade du 'child_bullying'?" in capsys.readouterr().err


def test_the_needs_are_listed_with_their_description(shipped, capsys):
    assert main(["behov"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(shipped.needs)
    for line, (need_id, need) in zip(lines, shipped.needs.items(), strict=True):
        assert line.split()[0] == need_id and line.endswith(need.description)
    assert all(need.description and len(need.description) > 20 for need in shipped.needs.values())


def test_a_need_without_description_is_a_warning_and_a_two_line_one_an_error(tmp_path):
    path = tmp_path / "k.yml"
    path.write_text(MINI, encoding="utf-8")
    report = check.check(path)
    missing = [w for w in report.warnings if "förklaring (description) saknas" in w.message]
    assert {w.where for w in missing} == {f"behovet {n}" for n in catalogue_file.parse(MINI).needs}
    assert missing[0].line == line_of(MINI, "  oro:")
    text = replace_once(MINI, "  oro:\n", "  oro:\n    description: |\n      En rad.\n      Och en till.\n")
    assert errors_of(text) == [f"k.yml:{line_of(text, 'description: |')}: behovet oro: förklaring (description) ska "
                               f"vara en kort rad (högst {catalogue.DESCRIPTION_MAX} tecken) om vad behovet gäller"]


def test_the_preview_has_a_place_for_each_part_of_the_answer(shipped):
    shown = preview.preview(shipped, "worried_about_child", None, "Nyköping", "fredag 12:00", now=WEDNESDAY)
    assert shown.municipality.id == "nykoping" and shown.when == at("2026-11-27 12:00")
    assert shown.text().splitlines()[:4] == [
        "Behov: worried_about_child – " + shipped.needs["worried_about_child"].description,
        "Läsare: annan vuxen – behovets vanliga läsare", "Kommun: Nyköping (nykoping)",
        "Tid: fredag 27 november 2026 kl. 12.00"]
    assert shown.text().endswith("[Mitt eget barn]\n[Någon annans barn]\n[Ett barn i jobbet]\n[Jag är under 18]")
    # A guardian is sent on to the need for their own child, and the preview says so.
    shown = preview.preview(shipped, "worried_about_child", "förälder", None, "fredag 12:00", now=WEDNESDAY)
    assert shown.text().splitlines()[1:3] == ["Svaret kommer från: parent_own_child (redirect i resources.yml)",
                                              "Läsare: förälder"]
    assert shown.reply.buttons == [] and "Skriv vilken kommun du bor i" in shown.reply.text


def test_make_forhandsvisa_passes_the_options_and_lists_the_needs_without_them():
    env = {**os.environ, "BEHOV": "", "VEM": "", "KOMMUN": "", "TID": "", "TEXT": ""}

    def make(*options: str) -> subprocess.CompletedProcess:
        # --no-print-directory: under `make -C <clone> test` the outer make's -w reaches this one through MAKEFLAGS
        return subprocess.run(["make", "-s", "--no-print-directory", "-o", STAMP, "forhandsvisa", *options], cwd=ROOT,
                              env=env, capture_output=True, text=True)

    listed = make()
    assert listed.returncode == 0 and listed.stdout.startswith("child_bullying "), listed.stderr
    shown = make("BEHOV=adult_other_child", "VEM=vuxen", "KOMMUN=Kungälv", "TID=2026-11-28 22:00")
    assert shown.returncode == 0, shown.stderr
    assert "Kommun: Kungälv (kungalv)" in shown.stdout and "Stängt nu – öppnar måndag 09.00." in shown.stdout
    unknown = make("BEHOV=child_bullying", "KOMMUN=Flen")
    assert unknown.returncode != 0 and "Kända kommuner: Katrineholm (katrineholm)" in unknown.stderr


def test_today_is_used_when_no_time_is_given(shipped):
    before = dt.datetime.now(STOCKHOLM)
    shown = preview.preview(shipped, "child_bullying")
    assert before <= shown.when <= dt.datetime.now(STOCKHOLM)


def test_the_staff_guide_names_every_field_and_every_make_option():
    guide = (ROOT / "docs" / "katalog.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", "", guide, flags=re.DOTALL)  # explained in the text, not only shown in an example
    quoted = " ".join(re.findall(r"`([^`]+)`", prose))
    models = [catalogue.Municipality, catalogue.Service, catalogue.Resource, catalogue.Need, catalogue.Answer,
              catalogue.Ask, catalogue.Button, catalogue.Redirect, catalogue.WordRedirect, catalogue.Texts, catalogue.Ages]
    missing = {f"{m.__name__}.{f}" for m in models for f in m.__fields__ if not re.search(rf"\b{f}\b", quoted)}
    assert missing == set()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for option in ("BEHOV", "VEM", "KOMMUN", "TID", "TEXT", "KATALOG", "LANKAR"):
        assert f"$${option}" in makefile or f"$({option})" in makefile
        assert f"{option}=" in guide, option


def test_what_the_writer_says_is_part_of_the_preview(shipped):
    plain = preview.preview(shipped, "youth_sexual_health", "barn", None, "tisdag 12:00", now=WEDNESDAY)
    nine = preview.preview(shipped, "youth_sexual_health", "barn", None, "tisdag 12:00", "jag är 9", now=WEDNESDAY)
    assert "umo" in plain.reply.resources and "umo" not in nine.reply.resources  # UMO is for 13–25
    assert "Meddelande: jag är 9" in nine.heading() and "Meddelande" not in plain.heading()


def test_the_preview_shows_the_follow_up_answers_about_the_resources_named(shipped):
    shown = preview.preview(shipped, "partner_violence", "vuxen", None, "tisdag 12:00", now=WEDNESDAY)
    questions = dict(shown.followups)
    assert "Samtalet syns inte på telefonräkningen, men det kan synas i telefonens samtalslista." in questions[
        "Syns det på telefonräkningen?"][0]
    assert "Följdfrågor om stöden i svaret:" in shown.text() and "Vilka svarar?" in shown.text()
    asking = preview.preview(shipped, "worried_about_child", None, None, "tisdag 12:00", now=WEDNESDAY)
    assert asking.followups == [] and "Följdfrågor" not in asking.text()
