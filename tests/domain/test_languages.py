"""Language of a crisis message and the line in that language (bot/languages.py, make check)."""
import pytest

from bot import languages
from staff import check
from tests.conftest import ROOT


@pytest.mark.parametrize("text, code", [
    ("I really don't want to be alive anymore", "en"),
    ("لا أستطيع أن أتحمل أكثر من هذا", "ar"),
    ("nolosha way igu adag tahay oo waan daalay", "so"),
    ("دیگر طاقت ندارم و خیلی خسته‌ام", "fa"),
    ("ሓገዝ የድልየኒ ኣሎ", "ti"),
    ("мені дуже погано і страшно", "uk"),
    ("en jaksa enää mitään", "fi"),
    ("jag orkar inte mer med nånting", None),
    ("hej", None),
    ("", None),
])
def test_detect(text, code):
    assert languages.detect(text) == code


def test_the_line_names_only_the_numbers_in_the_reply():
    reply = "Ring 112 nu. Mind Självmordslinjen: ring 90101."
    line = languages.crisis_line("I want to end it all tonight", reply)
    assert "112" in line and "90101" in line and "116 111" not in line
    assert languages.crisis_line("jag vill inte leva", reply) is None


def test_every_language_explains_the_three_numbers():
    lines = languages.load_lines()
    assert set(lines) == set(languages.LANGUAGES)
    for entry in lines.values():
        assert set(entry["numbers"]) == {"112", "90101", "116 111"}


def test_make_check_counts_the_lines_nobody_fluent_has_approved(tmp_path, monkeypatch):
    lines = tmp_path / "lines.yml"
    lines.write_text('en: {name: English, reviewed: true, numbers: {"112": x}}\n'
                     'fi: {name: Suomi, reviewed: false, numbers: {"112": y, "90101": z}}\n', encoding="utf-8")
    monkeypatch.setattr(languages, "LINES_FILE", lines)
    report = check.with_translations(check.check(ROOT / "resources.yml"))
    assert report.translations.waiting() == {"fi": 2}
    assert "Översättningar som väntar på granskning: finska 2 rader" in report.text()
    lines.write_text('en: {name: English, reviewed: true, numbers: {"112": x}}\n', encoding="utf-8")
    report = check.with_translations(check.check(ROOT / "resources.yml"))
    assert report.translations.waiting() == {} and "granskning" not in report.text()


def test_a_line_file_without_reviewed_is_refused(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text('en: {name: English, numbers: {"112": x}}\n', encoding="utf-8")
    with pytest.raises(ValueError):
        languages.load_lines(bad)
