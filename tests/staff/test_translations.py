"""staff/translations.py and the review page (/personal/oversattningar): every translated text beside its Swedish
original, as the user sees it and in its direction; approving or correcting records who and when in the file,
round-trip; make check counts what is left per language. Tested with the crisis lines of bot/crisis_languages.yml
and with a texts/<språk>.yml file in the format of docs/katalog.md."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from bot import catalogue_file, languages, yamllines
from staff import check, translations
from tests.support.catalogue_edits import SHIPPED, line_of
from tests.support.staff_site import FULL, REVIEWER, SODERHAMN

ARABIC = '''# Arabiska. Nyckeln är platsen för den svenska texten i resources.yml.
conversation.thanks.child:
  text: "شكراً لأنك كتبت."
  reviewed: false
resources.bris.about.adult:
  text: "Bris تدعم الأطفال. اتصل على {bris}."
  reviewed: true
  reviewed_by: "tolk, arabiska"
  reviewed_at: "2026-12-01T10:00+01:00"
finns.inte.child:
  text: "x"
  reviewed: false
'''


@pytest.fixture
def lines_copy(tmp_path, monkeypatch):
    path = tmp_path / "crisis_languages.yml"
    path.write_text(languages.LINES_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(languages, "LINES_FILE", path)
    return path


def found_for(folder) -> translations.Found:
    data = yamllines.load(SHIPPED).data
    return translations.find(folder / "resources.yml", data, catalogue_file.parse(SHIPPED).fill)


def test_a_text_file_is_read_beside_its_swedish_original_and_as_the_user_sees_it(tmp_path, lines_copy):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "ar.yml").write_text(ARABIC, encoding="utf-8")
    found = found_for(tmp_path)
    arabic = {i.key: i for i in found.items if i.file.name == "ar.yml"}
    thanks = arabic["conversation.thanks.child"]
    assert thanks.lines[0].swedish == catalogue_file.parse(SHIPPED).conversation.thanks.child
    assert thanks.direction == "rtl" and not thanks.reviewed
    bris = arabic["resources.bris.about.adult"]
    assert bris.shown == "Bris تدعم الأطفال. اتصل على 116 111." and bris.reviewed_by == "tolk, arabiska"
    assert bris.lines[0].swedish == catalogue_file.parse(SHIPPED).resource("bris").about.adult
    assert arabic["finns.inte.child"].lines[0].swedish is None
    assert found.waiting()["ar"] == 3 + 2  # the crisis line's three numbers and two texts


def test_the_crisis_lines_are_reviewed_per_language_with_the_swedish_beside_each(lines_copy, tmp_path):
    found = found_for(tmp_path)
    english = next(i for i in found.items if i.language == "en")
    assert [(line.label, line.swedish) for line in english.lines] == [
        ("112", "nödnummer: polis, ambulans, räddningstjänst"), ("90101", "Mind, om du har tankar på självmord (dygnet runt)"),
        ("116 111", "Bris, för barn och unga under 18 år (dygnet runt)")]
    assert english.shown.startswith("112: emergency: police, ambulance, fire · 90101: Mind")
    assert english.direction == "ltr" and next(i for i in found.items if i.language == "fa").direction == "rtl"
    assert "sv" not in {i.language for i in found.items}


def test_approving_records_who_and_when_and_keeps_the_file_as_written(lines_copy, tmp_path):
    before = lines_copy.read_text(encoding="utf-8")
    english = next(i for i in found_for(tmp_path).items if i.language == "en")
    translations.review(english, "tolk, engelska", {"112": "emergency number: police, ambulance, fire"},
                        now=dt.datetime(2026, 12, 8, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    after = lines_copy.read_text(encoding="utf-8")
    assert after.startswith(before[:before.index("en:\n")])  # the Swedish instructions stay
    block = after[after.index("en:\n"):after.index("ar:\n")]
    assert block == ('en:\n  name: English\n  reviewed: true\n  reviewed_by: "tolk, engelska"\n'
                     '  reviewed_at: 2026-12-08T10:30+01:00\n  numbers:\n'
                     '    "112": "emergency number: police, ambulance, fire"\n'
                     '    "90101": "Mind, if you have thoughts of suicide (day and night)"\n'
                     '    "116 111": "Bris, for children and young people under 18 (day and night)"\n')
    assert after[after.index("ar:\n"):] == before[before.index("ar:\n"):]
    assert languages.numbers_line("en", "Ring 112.") == "112: emergency number: police, ambulance, fire"  # no restart


def test_a_review_needs_a_role_and_no_empty_text(lines_copy, tmp_path):
    english = next(i for i in found_for(tmp_path).items if i.language == "en")
    with pytest.raises(translations.ReviewError, match="en roll"):
        translations.review(english, "  ")
    with pytest.raises(translations.ReviewError, match="tom"):
        translations.review(english, "tolk", {"112": " "})


def test_a_text_file_entry_is_approved_round_trip(tmp_path, lines_copy):
    (tmp_path / "texts").mkdir()
    path = tmp_path / "texts" / "ar.yml"
    path.write_text(ARABIC, encoding="utf-8")
    thanks = next(i for i in found_for(tmp_path).items if i.key == "conversation.thanks.child")
    translations.review(thanks, "tolk, arabiska", now=dt.datetime(2026, 12, 8, 11, 0, tzinfo=dt.timezone.utc))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Arabiska. Nyckeln")
    assert ('conversation.thanks.child:\n  text: "شكراً لأنك كتبت."\n  reviewed: true\n  reviewed_by: "tolk, arabiska"\n'
            "  reviewed_at: 2026-12-08T11:00+00:00\n") in text


def test_a_broken_entry_is_an_error_at_its_line(tmp_path, lines_copy):
    (tmp_path / "texts").mkdir()
    broken = ARABIC.replace("  reviewed: false\nresources", "  reviewed: ja\nresources")
    (tmp_path / "texts" / "ar.yml").write_text(broken, encoding="utf-8")
    found = found_for(tmp_path)
    assert [(name.endswith("ar.yml"), p.line, p.message.split(" –")[0]) for name, p in found.problems] == [
        (True, line_of(broken, "reviewed: ja"), "reviewed ska vara true eller false, inte 'ja'")]


# ---------------------------------------------------------------- the page


def test_the_page_shows_each_line_beside_its_original_in_its_direction(site, lines_copy):
    page = site.get("/personal/oversattningar", SODERHAMN)
    assert page.status == 200 and "Rader som väntar på granskning: engelska 3, arabiska 3" in page.body
    arabic = page.body[page.body.index('id="sprak-ar"'):page.body.index('id="sprak-so"')]
    assert "nödnummer: polis, ambulans, räddningstjänst" in arabic
    assert re.search(r'<p lang="ar" dir="rtl">الطوارئ', arabic)  # read-only for a municipality's token
    assert re.search(r'<div class="bubble" lang="ar" dir="rtl">', arabic) and 'method="post"' not in arabic


def test_a_reviewer_approves_a_language_on_the_page(site, lines_copy):
    page = site.get("/personal/oversattningar", REVIEWER)
    finnish = page.body[page.body.index('id="sprak-fi"'):]
    ident = re.search(r'name="post" value="([^"]+)"', finnish).group(1)
    assert re.search(r'<textarea id="[^"]+" name="rad-0" rows="2" lang="fi" dir="ltr"', finnish)
    assert site.post("/personal/oversattningar", {"post": ident, "granskare": "tolk, finska"}, SODERHAMN).status == 403
    done = site.post("/personal/oversattningar", {"post": ident, "granskare": "tolk, finska",
                                                  "rad-0": "hätänumero: poliisi, ambulanssi, pelastus"}, REVIEWER)
    assert done.status == 303 and "klar=r%C3%A4ttad+och+godk%C3%A4nd" in done.headers["Location"]
    assert languages.load_lines(lines_copy)["fi"]["reviewed"] is True
    assert languages.load_lines(lines_copy)["fi"]["numbers"]["112"] == "hätänumero: poliisi, ambulanssi, pelastus"
    again = site.get("/personal/oversattningar", FULL)
    assert "Godkänd av tolk, finska, 20" in again.body and "finska 3" not in again.body
    assert check.with_translations(check.check(site.catalogue), site.catalogue).translations.waiting().get("fi") is None
