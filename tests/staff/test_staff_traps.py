"""The traps a staff member fell into when they kept the catalogue from README.md and docs/katalog.md only
(issue 26), one test each; every one failed on the code before, except four cases of the "every way to reach"
test (phone, sms, chat, eservice), which were shown before and guard the e-mail case beside them. The staff page's
traps (editing in the browser, the trial copy as preview before save, the 14 days, the phone layout) are in
tests/staff/test_resource_page.py, tests/staff/test_page.py and tests/browser/test_staff_edit.py; the restart with a
broken file also in tests/e2e/test_fault_catalogue.py."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from bot import catalogue_file, catalogue_store, hours, languages
from staff import check, preview
from staff.__main__ import main
from tests.conftest import ROOT, at
from tests.support.catalogue_edits import KONTOR, MINI, SHIPPED, bump, line_of, replace_once

TUESDAY = at("2026-12-08 10:00")


def parsed(text: str):
    return catalogue_file.parse(text, "k.yml")


def errors(text: str) -> list[str]:
    with pytest.raises(catalogue_file.CatalogueError) as info:
        catalogue_file.parse(text, "k.yml")
    return str(info.value).splitlines()


# ---------------------------------------------------------------- 1. an accepted field is used, or refused


def test_an_e_mail_address_reaches_the_reply_and_the_questions_about_mailing_and_chatting():
    cat = parsed(MINI.replace(KONTOR, KONTOR + "    email: kontor@kontor.example\n"))
    for reader in ("barn", "vuxen"):
        shown = preview.preview(cat, "ledigt", reader, now=TUESDAY)
        assert "kontor@kontor.example" in shown.reply.text, shown.text()
        asked = dict(shown.followups)
        for question in ("Kan jag mejla?", "Kan jag chatta i stället för att ringa?"):
            assert "kontor@kontor.example" in " ".join(asked[question]), (question, asked[question])


@pytest.mark.parametrize("field, value, shown", [
    ("phone", '"000 333"', "000 333"), ("sms", '"71000"', "71000"), ("chat", "https://chatt.example/", "chatt.example"),
    ("eservice", "https://etjanst.example/", "etjanst.example"), ("email", "hej@kontor.example", "hej@kontor.example"),
])
def test_every_way_to_reach_a_resource_is_in_the_reply_to_a_child_and_to_an_adult(field, value, shown):
    kept = "" if field == "phone" else KONTOR
    text = MINI.replace(KONTOR, kept + f"    {field}: {value}\n")
    cat = parsed(text)
    for reader in ("barn", "vuxen"):
        assert shown in preview.preview(cat, "ledigt", reader, now=TUESDAY).reply.text, (field, reader)


# ---------------------------------------------------------------- 2. a day range is a day range


@pytest.mark.parametrize("days", ["mån-fre", "mon-fri", "måndag–fredag", "Mån-Fre"])
def test_a_day_range_opens_every_day_in_it(days):
    cat = parsed(MINI.replace(
        'weekly: {mon: ["09:00-11:00"], tue: ["13:00-15:00"], wed: ["09:00-11:00"], thu: ["09:00-11:00"], fri: ["09:00-11:00"]}',
        f'weekly: {{"{days}": ["08:00-16:00"]}}'))
    week = preview.week(cat.resource("kontor"), dt.date(2026, 12, 7), 7)  # Monday 7 December
    assert [d.hours for d in week] == ["08.00–16.00"] * 5 + ["stängt", "stängt"]


def test_the_hint_for_a_loose_time_is_the_exact_line_to_write_and_following_it_passes():
    text = MINI.replace(
        'weekly: {mon: ["09:00-11:00"], tue: ["13:00-15:00"], wed: ["09:00-11:00"], thu: ["09:00-11:00"], fri: ["09:00-11:00"]}',
        'weekly: {mån-fre: ["8-16"]}')
    found = errors(text)
    assert len(found) == 1 and 'felaktig tid \'8-16\'' in found[0] and 'alltså "08:00-16:00"' in found[0], found
    assert parsed(text.replace('"8-16"', '"08:00-16:00"')).resource("kontor").schedule.days[3] == ((480, 960),)


def test_a_day_written_twice_is_an_error():
    assert hours.problems({"weekly": {"mon-fri": ["08:00-16:00"], "fre": ["08:00-12:00"]}})[0].args[0] == \
        "fredag står redan under 'mon-fri' – skriv varje dag en gång"


# ---------------------------------------------------------------- 4. indentation is called indentation


def test_a_field_that_slid_into_about_is_an_indentation_error():
    text = replace_once(MINI, '    about: {child: "Vuxna som lyssnar på dagen.", adult: "Rådgivning på kontorstid."}\n'
                              '    phone: "000 222"\n',
                        '    about:\n      child: "Vuxna som lyssnar på dagen."\n      phone: "000 222"\n')
    found = errors(text)
    assert len(found) == 1 and found[0].startswith(f"k.yml:{line_of(text, '      phone:')}: Kontorslinjen: indraget: ")
    assert "'phone' står längre in än about" in found[0] and "flytta raden åt vänster" in found[0]
    assert "tillåtna fält: child, adult" not in found[0]


def test_a_text_that_slid_out_of_about_is_an_indentation_error():
    text = replace_once(MINI, '    about: {child: "Vuxna som lyssnar på dagen.", adult: "Rådgivning på kontorstid."}\n',
                        '    about:\n      child: "Vuxna som lyssnar på dagen."\n    adult: "Rådgivning på kontorstid."\n')
    assert "indraget: 'adult' står lika långt in som about, men hör hemma under about" in errors(text)[0]


def test_the_guide_says_what_yaml_and_indentation_are():
    guide = (ROOT / "docs" / "katalog.md").read_text(encoding="utf-8")
    explained = guide[guide.index("## Vad är YAML, och vad är indrag?"):guide.index("## I en terminal (för IT)")]
    assert "skriven i **YAML**, ett textformat" in explained and "**indraget**: mellanslagen först på raden" in explained


# ---------------------------------------------------------------- 3. a place to edit, from any computer


def test_the_guide_starts_with_the_browser_and_asks_no_one_for_ssh_or_wsl():
    guide = (ROOT / "docs" / "katalog.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", guide, re.MULTILINE)
    assert sections[0] == "I webbläsaren: personalsidan" and sections.index("I en terminal (för IT)") > 0
    assert "WSL" not in guide and "Windows:** använd personalsidan i webbläsaren" in guide


# ---------------------------------------------------------------- 5. errors lead; noise is folded


def with_errors_and_warnings() -> str:
    text = replace_once(SHIPPED, '    phone: "0303-23 93 77"\n', '    phone: "0303-23 93 7G"\n')  # Kungälv: an error
    start = text.index("  - id: soderhamn_fritid\n")
    end = text.index("\n    last_verified:", start)
    section = text[start:end]
    return text[:start] + re.sub(r"\n    source: .*", "", section) + text[end:]  # Söderhamn: a source removed


def test_errors_lead_grouped_per_municipality_and_a_missing_source_is_one(tmp_path, capsys):
    path = tmp_path / "resources.yml"
    path.write_text(with_errors_and_warnings(), encoding="utf-8")
    assert main(["check", str(path), "--kommun", "Söderhamn"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^Kontrollerar [^\n]*\n\nFEL \(2\)[^\n]*\n  Söderhamn \(1\):\n    .*Fritidsgården.*fältet källa "
                     r"\(source\) saknas", out), out  # errors come first
    assert re.search(r"\n  Kungälv \(1\):\n    .*telefon \(phone\) '0303-23 93 7G' innehåller bokstäver", out), out
    assert out.index("Resultat:") > out.index("Översättningar")  # the result is the last word
    assert "Resultat: 2 fel." in out and "kan användas" not in out


def _with_warnings(tmp_path):
    """The shipped catalogue (which has no warnings) with warnings planted: two in Söderhamn, one in Kungälv and
    one among the national resources."""
    text = replace_once(SHIPPED, '    phone: "026-10 02 25"\n', '    phone: "02610 0225"\n')  # Söderhamn's socialjour
    text = replace_once(text, "municipality: soderhamn\n    service: fritid\n",
                        "municipality: soderhamn\n    service: fritid\n    web: http://www.soderhamn.se/verkstaderna\n")
    text = replace_once(text, '    phone: "031-365 87 00"\n', '    phone: "031 3658700"\n')  # Kungälv's socialjour
    text = replace_once(text, "    web: https://kvinnofridslinjen.se/\n", "    web: http://kvinnofridslinjen.se/\n")
    path = tmp_path / "resources.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_warnings_the_reader_cannot_act_on_are_folded_away_and_counted(tmp_path, capsys):
    path = _with_warnings(tmp_path)
    assert main(["check", str(path), "--kommun", "Söderhamn"]) == 0
    out = capsys.readouterr().out
    assert "VARNINGAR för Söderhamn (2)" in out and "'02610 0225' har en ovanlig form" in out
    assert "http://www.soderhamn.se/verkstaderna är inte https" in out
    assert "kvinnofridslinjen.se/ är inte https" not in out and "031 3658700" not in out  # others' are folded away …
    assert re.search(r"2 varningar visas inte \(.*Kungälv 1, Nationella resurser och det gemensamma 1\)", out), out


def test_the_filter_takes_a_municipality_as_written_and_alla_shows_every_warning(tmp_path, capsys):
    path = _with_warnings(tmp_path)
    assert main(["check", str(path), "--kommun", "alla"]) == 0
    everything = capsys.readouterr().out
    assert "kvinnofridslinjen.se/ är inte https" in everything and "031 3658700" in everything
    assert "visas inte" not in everything
    assert main(["check", str(path), "--kommun", "Söderhamns kommun"]) == 0
    assert "VARNINGAR för Söderhamn" in capsys.readouterr().out
    assert main(["check", str(path), "--kommun", "Atlantis"]) == 2
    assert "Kända kommuner: Katrineholm (katrineholm)" in capsys.readouterr().err


# ---------------------------------------------------------------- 7. the trial copy is not forgotten


def test_checking_the_live_file_names_a_trial_copy_beside_it(tmp_path, monkeypatch, capsys):
    live = tmp_path / "resources.yml"
    live.write_text(SHIPPED, encoding="utf-8")
    (tmp_path / "prov.yml").write_text(SHIPPED.replace('"116 111"', '"11G 111"'), encoding="utf-8")
    monkeypatch.setenv("STODLOTSEN_CATALOGUE", str(live))
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Kontrollerar resources.yml – den skarpa filen, den som boten använder\n"
                          "Obs: prov.yml i samma mapp kontrolleras inte.")
    assert "make check KATALOG=prov.yml" in out


# ---------------------------------------------------------------- 8. translation review is a staff task


def test_make_check_names_the_translation_file_with_its_folder_and_counts_per_language(capsys):
    assert main(["check", str(ROOT / "resources.yml")]) == 0
    out = capsys.readouterr().out
    assert "(bot/crisis_languages.yml)" in out and "arabiska 3" in out and "OGRANSKADE" not in out


def test_every_crisis_line_has_its_swedish_original_and_the_instructions_are_swedish():
    text = languages.LINES_FILE.read_text(encoding="utf-8")
    assert text.startswith("# En kort rad per språk") and "reviewed: true (inte ja)" in text
    import yaml

    data = yaml.safe_load(text)
    for code in languages.LANGUAGES:
        assert set(data[code]["numbers"]) == set(data["sv"]["numbers"]), code


def test_reviewed_ja_is_an_error_at_its_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    lines = tmp_path / "crisis_languages.yml"
    written = languages.LINES_FILE.read_text(encoding="utf-8").replace("en:\n  name: English\n  reviewed: false",
                                                                      "en:\n  name: English\n  reviewed: ja")
    lines.write_text(written, encoding="utf-8")
    monkeypatch.setattr(languages, "LINES_FILE", lines)
    assert main(["check", str(ROOT / "resources.yml")]) == 1
    out = capsys.readouterr().out
    assert f"crisis_languages.yml:{line_of(written, 'reviewed: ja')}: en (engelska): reviewed ska vara true eller " \
           "false, inte 'ja'" in out


def test_the_preview_shows_the_line_a_writer_in_another_language_gets(capsys):
    assert main(["svar", "suicidal", "--vem", "barn", "--sprak", "ar"]) == 0
    out = capsys.readouterr().out
    assert "Raden på språket (ar): 112: " in out and "90101: خط Mind" in out


def test_an_edited_crisis_line_is_used_without_a_restart(tmp_path, monkeypatch):
    lines = tmp_path / "crisis_languages.yml"
    lines.write_text(languages.LINES_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(languages, "LINES_FILE", lines)
    assert "emergency: police" in languages.numbers_line("en", "Ring 112.")
    bump(lines, lines.read_text(encoding="utf-8").replace("emergency: police, ambulance, fire", "emergency number"))
    assert languages.numbers_line("en", "Ring 112.") == "112: emergency number"


# ---------------------------------------------------------------- 9. a restart with a broken file


def test_a_restart_with_a_broken_file_uses_the_last_good_copy_and_says_so(tmp_path, monkeypatch, caplog):
    path = tmp_path / "resources.yml"
    bump(path, SHIPPED)
    catalogue_store.current(path)  # the running bot: this version is kept in the state directory
    for memory in ("_last_good", "_failed", "_fallbacks"):  # a restart: nothing in memory
        monkeypatch.setattr(catalogue_store, memory, {})
    catalogue_store._cached.cache_clear()
    bump(path, SHIPPED.replace('phone: "116 111"', 'phone: "11G 111"'))
    cat = catalogue_store.current(path)
    assert cat.resource("soderhamn_fritid").municipality == "soderhamn"
    used = catalogue_store.fallback(path)
    assert used is not None and used.copy == catalogue_store.last_good_copy(path)
    assert "'11G 111' innehåller bokstäver" in str(used.error)
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR" and str(path) in r.getMessage()]
    assert len(logged) == 1 and logged[0].startswith(f"KATALOGFEL: {path} har fel och används inte. Boten använder den "
                                                     "senast fungerande katalogen, sparad ")
    bump(path, SHIPPED)  # fixed: the file is used again
    assert catalogue_store.current(path) is not cat and catalogue_store.fallback(path) is None


# ---------------------------------------------------------------- 10. smaller ones


def test_the_preview_takes_a_municipality_as_the_chat_does(shipped):
    assert preview.municipality(shipped, "Söderhamns kommun").id == "soderhamn"


def test_a_service_given_as_a_need_names_the_needs_that_lead_there(shipped):
    with pytest.raises(preview.PreviewError) as info:
        preview.need_id(shipped, "familjestöd")
    assert "'familjestöd' är en kommunal tjänst (familjestod), inget behov. Behov som leder dit: " in str(info.value)
    assert "parent_own_child" in str(info.value) and "python -m staff resurs" in str(info.value)


def test_a_resource_can_be_previewed_directly_with_its_coming_fourteen_days(capsys):
    assert main(["resurs", "Socialtjänsten i Kungälv – gemensam mottagning (orosanmälan)", "--tid", "2026-12-21"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Socialtjänsten i Kungälv – gemensam mottagning (orosanmälan) (id kungalv_orosanmalan)")
    assert "Öppettider måndag 21 december – söndag 3 januari:" in out
    assert re.search(r"fredag 25 december +stängt +\(helgdag: juldagen\)", out)
    assert "Behov som leder hit: child_home_violence" in out


def test_an_age_limit_on_a_parents_service_is_read_as_the_childs_age():
    text = replace_once(MINI, '    phone: "0100-11 11 11"\n', '    phone: "0100-11 11 11"\n    ages: {max: 20}\n')
    shown = preview.preview(parsed(text), "oro", "förälder", "Alfa", now=TUESDAY)
    ages = " ".join(dict(shown.followups)["Vilka åldrar är det för?"])
    assert "för barn och unga upp till och med 20 år" in ages and "under 21" not in ages, ages


def test_the_crisis_command_speaks_swedish_and_says_it_shows_the_rules_only(capsys):
    assert main(["kris", "jag har tråkigt"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Krisreglerna ser ingen kris i texten.") and "typ:" not in out
    assert "bara reglerna" in out
    assert main(["kris", "jag vill inte leva längre"]) == 0
    assert capsys.readouterr().out.startswith("Krisreglerna ser: självmordstankar (regeln ")


def test_the_check_counts_what_is_left_per_language(shipped):
    report = check.with_translations(check.check(ROOT / "resources.yml"))
    assert report.translations.waiting() == {code: 3 for code in languages.LANGUAGES}
