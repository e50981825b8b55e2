"""The mistakes staff made when they followed docs/katalog.md (issue 17): a number without quotes, a
missing quote, a tab, a duplicated id. Each is an error at the right line, alone when the file cannot
be read, and a number is never turned into another number on its way to a reply."""
from __future__ import annotations

import re

import pytest

from bot import catalogue_file, catalogue_store, replies, yamllines
from bot.catalogue import AUDIENCES
from staff.__main__ import main
from tests.conftest import at
from tests.support.catalogue_edits import MINI, SHIPPED, bump, errors_of, line_of, replace_once

NOON = at("2026-11-24 12:00")
NUMBER_FIELD = re.compile(r'^(\s*(?:phone|sms): )"([^"]*)"\s*$')
TIME = re.compile(r'"(\d\d:\d\d-\d\d:\d\d)"')


def unquoted(line: str) -> str:
    """The line with the quotes around its phone number or opening times taken away."""
    return TIME.sub(r"\1", NUMBER_FIELD.sub(r"\1\2", line))


# ---------------------------------------------------------------- a number is text, always


def test_every_number_in_the_shipped_catalogue_without_quotes_is_an_error_that_quotes_the_line_and_its_fix():
    lines = SHIPPED.splitlines()
    changed = [n for n, line in enumerate(lines, start=1) if unquoted(line) != line]
    assert len(changed) >= 20  # every phone number and every opening time of the shipped file
    text = "\n".join(unquoted(line) for line in lines) + "\n"
    errors = errors_of(text)
    assert len(errors) == len(changed), "\n".join(errors)
    for n, error in zip(changed, errors, strict=True):
        written, original = unquoted(lines[n - 1]).strip(), lines[n - 1].strip()
        what = "tiden" if TIME.search(original) else "numret"
        assert error.startswith(f"k.yml:{n}: ") and "står utan citattecken" in error, error
        assert f": {written} – sätt citattecken runt {what}: {original} (" in error, error  # the fix is the line as shipped


def test_the_issues_number_is_an_error_and_the_preview_never_shows_a_converted_one(tmp_path, capsys):
    text = replace_once(SHIPPED, '    phone: "0303-23 93 77"\n', "    phone: 027075000\n")
    path = tmp_path / "resources.yml"
    path.write_text(text, encoding="utf-8")
    assert main(["--katalog", str(path), "svar", "adult_other_child", "--vem", "adult", "--kommun", "kungalv"]) == 1
    out, err = capsys.readouterr()
    assert f"resources.yml:{line_of(text, 'phone: 027075000')}: " in err
    assert 'telefon (phone) står utan citattecken: phone: 027075000 – sätt citattecken runt numret: phone: "027075000"' in err
    assert "6060544" not in out + err and "27075000" not in out.replace("027075000", "")


@pytest.mark.parametrize("written", ["027075000", "020505050", "0150-48 83 00", "116 111", "0x1F", "0o17", "1_000",
                                     "1e3", ".inf", "10:00", "09:00-11:00", "2026-11-22", "+46 150 48 83 00", "yes"])
def test_the_loader_keeps_every_value_as_written(written):
    doc = yamllines.load(f"a: {written}\nb: [{written}]\nc: '{written}'\n")
    assert doc.data == {"a": written, "b": [written], "c": written}
    assert doc.unquoted[("a",)].text == written and doc.unquoted[("b", 0)].text == written
    assert ("c",) not in doc.unquoted


def test_only_true_false_and_null_are_read_as_such():
    doc = yamllines.load("a: true\nb: False\nc: null\nd: ~\ne:\nf: 'true'\n")
    assert doc.data == {"a": True, "b": False, "c": None, "d": None, "e": None, "f": "true"}


def test_an_unquoted_number_in_a_text_field_stays_as_written(tmp_path):
    text = replace_once(MINI, "    name: Kontorslinjen\n", "    name: 0150\n    aliases: [020505050, 11414]\n")
    cat = catalogue_file.parse(text)
    assert cat.resource("kontor").name == "0150" and cat.resource("kontor").aliases == ["020505050", "11414"]


def test_a_running_bot_keeps_the_right_number_when_a_number_loses_its_quotes(tmp_path):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    good = catalogue_store.current(path)
    bump(path, replace_once(MINI, '    phone: "0100-11 11 11"\n', "    phone: 0100111111\n"))
    cat = catalogue_store.current(path)
    assert cat is good
    text = replies.compose(cat, "oro", audience="guardian", municipality_id="alfa", now=NOON).text
    assert "Telefon: 0100-11 11 11." in text and "0100111111" not in text


def test_every_number_in_every_reply_is_written_in_the_file_exactly_so(shipped):
    written = set(re.findall(r'(?:phone|sms): "([^"]+)"', SHIPPED))
    shown = set()
    for need_id in shipped.needs:
        for audience in AUDIENCES:
            for kommun in [None, *(m.id for m in shipped.municipalities)]:
                text = replies.compose(shipped, need_id, audience=audience, municipality_id=kommun, now=NOON).text
                shown |= set(re.findall(r"(?:Telefon|Sms): ([^.]+)\.", text))
                shown |= set(re.findall(r"\b(?:ring|sms:a) ([+\d][\d \-]*\d)", text))
    assert len(shown) >= 8
    assert shown <= written, shown - written


# ---------------------------------------------------------------- a missing quote, at its line


@pytest.mark.parametrize("old, new, needle", [
    ("    name: Kontorslinjen\n", '    name: "Kontorslinjen\n', '"Kontorslinjen'),
    ('about: {child: "Vuxna som lyssnar på dagen.", adult', 'about: {child: "Vuxna som lyssnar på dagen., adult',
     "på dagen., adult"),
    ('    phone: "000 222"\n', '    phone: 000 222"\n', '000 222"'),
    ('    source: https://alfa.example/familj\n', '    source: "https://alfa.example/familj\n', '"https://alfa.example/familj'),
    ('        - {title: "Mitt eget barn", intent: oro}', '        - {title: "Mitt eget barn, intent: oro}', "Mitt eget barn,"),
    ('      child: "Kommunen har vuxna som hjälper familjer."\n', '      child: Kommunen har vuxna som hjälper familjer."\n',
     "hjälper familjer.\""),
], ids=["end-of-line", "in-braces", "start-of-number", "before-a-date", "last-in-file", "start-of-text"])
def test_a_missing_quote_is_one_error_at_its_line_saying_so(old, new, needle):
    text = replace_once(MINI, old, new)
    errors = errors_of(text)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"k.yml:{line_of(text, needle)}: ") and "citattecken" in errors[0], errors


def test_two_missing_quotes_that_still_make_valid_yaml_are_found():
    text = replace_once(MINI, "    name: Kontorslinjen\n", '    name: "Kontorslinjen\n')
    text = replace_once(text, '    about: {child: "Vuxna som lyssnar på dagen.", adult: "Rådgivning på kontorstid."}\n',
                        "    about: {child: Vuxna som lyssnar på dagen., adult: Rådgivning på kontorstid.}\n")
    text = replace_once(text, '    phone: "000 222"\n', '    phone: 000 222"\n')
    errors = errors_of(text)
    assert len(errors) == 1 and errors[0].startswith(f"k.yml:{line_of(text, 'Kontorslinjen')}: "), errors
    assert "ett citattecken saknas" in errors[0]


# ---------------------------------------------------------------- a tab, one error


def test_a_tab_gives_one_error_not_a_misleading_second_one():
    # After the indented about: block, a tab used to be read as that block's indentation ("okänt fält 'phone'").
    old = '    phone: "0150-48 83 00"\n'
    text = replace_once(SHIPPED, old, "\t" + old.lstrip())
    assert text.split("\tphone")[0].rstrip().endswith('."')  # the line above is about.adult
    assert errors_of(text) == [f"k.yml:{line_of(text, chr(9) + 'phone')}: tabbtecken i indraget – använd mellanslag, "
                               "aldrig tabb"]


def test_several_tabs_are_still_one_error_naming_every_line():
    text = replace_once(MINI, '    phone: "000 222"\n', '\tphone: "000 222"\n')
    text = replace_once(text, "    name: Dygnetlinjen\n", "  \tname: Dygnetlinjen\n")
    first, second = line_of(text, "\tname: Dygnetlinjen"), line_of(text, '\tphone: "000 222"')
    assert errors_of(text) == [f"k.yml:{first}: tabbtecken i indraget – använd mellanslag, aldrig tabb "
                               f"(också på rad {second})"]


# ---------------------------------------------------------------- a duplicated id


@pytest.mark.parametrize("section, entry, what", [
    ("resources", "  - id: alfa_familj\n", "resurser"),
    ("municipalities", "  - {id: beta,", "kommuner"),
])
def test_a_duplicated_id_is_an_error(section, entry, what):
    copy = {"resources": "  - id: kontor\n    name: Kontoret igen\n    about: {adult: x}\n    source: https://k.example/\n"
                         "    last_verified: 2026-11-01\n",
            "municipalities": "  - {id: alfa, name: Alfa igen, source: https://a.example/, last_verified: 2026-11-01}\n"}
    text = replace_once(MINI, entry, copy[section] + entry)
    errors = errors_of(text)
    first = line_of(MINI, "id: kontor" if section == "resources" else "id: alfa,")
    duplicate = line_of(text, "Kontoret igen" if section == "resources" else "Alfa igen") - (section == "resources")
    assert errors == [f"k.yml:{duplicate}: {'Kontoret igen' if section == 'resources' else 'kommunen Alfa igen'}: id "
                      f"'{'kontor' if section == 'resources' else 'alfa'}' finns redan på rad {first} – två {what} kan "
                      "inte ha samma id; ge den här ett eget id"]
