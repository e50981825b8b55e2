"""The conversation's own lines: the plea, the crisis reminder, small talk and placeholders."""
import pytest

from bot import catalogue, catalogue_file, lines
from tests.conftest import conversation_section


def phones(cat, *ids):
    return [cat.resource(i).phone for i in ids]


@pytest.mark.parametrize(
    ("kind", "reader", "expected"),
    [("acute_danger", "child", ["akut_112"]), ("acute_danger", "adult", ["akut_112"]),
     ("suicidal", "child", ["mind_sjalvmordslinjen", "bris"]), ("suicidal", "guardian", ["mind_sjalvmordslinjen", "akut_112"]),
     ("self_harm", "child", ["bris", "akut_112"]), ("self_harm", "professional", ["vard_1177", "mind_sjalvmordslinjen"])],
)
def test_the_reminder_gives_the_right_numbers_in_one_sentence(shipped, kind, reader, expected):
    line = lines.reminder(shipped, kind, reader)
    assert all(number in line for number in phones(shipped, *expected)), line
    assert line.count(".") == 1 and line.endswith(".") and "{" not in line


def test_no_crisis_no_reminder(shipped):
    assert lines.reminder(shipped, None) is None
    assert lines.remind(shipped, None, "child", ["Hej då!"]) == ["Hej då!"]


def test_a_goodbye_after_a_crisis_is_never_bare(shipped):
    goodbye = lines.small_talk(shipped, "goodbye", "child")
    out = lines.remind(shipped, "suicidal", "child", [goodbye])
    assert out[0] == goodbye and "90101" in out[1] and "116 111" in out[1]


def test_a_reply_that_already_gives_the_number_gets_no_second_reminder(shipped):
    about_bris = "Bris: Det är gratis. Ring 116 111 eller chatta på www.bris.se."
    assert lines.remind(shipped, "suicidal", "child", [about_bris]) == [about_bris]
    # a number inside a longer number does not count
    assert len(lines.remind(shipped, "acute_danger", "child", ["Ring 011200."])) == 2


def test_the_plea_asks_gently_and_gives_112_and_bris(shipped):
    text = lines.plea(shipped, "child")
    assert "?" in text and "112" in text and shipped.resource("bris").phone in text
    assert "kan inte hjälpa" not in text


@pytest.mark.parametrize("key", lines.SMALL_TALK)
@pytest.mark.parametrize("reader", [None, "child", "guardian", "professional"])
def test_small_talk_is_there_for_every_reader(shipped, key, reader):
    assert lines.small_talk(shipped, key, reader).strip()


def test_off_topic_says_what_the_bot_can_help_with(shipped):
    assert "hitta stöd" in lines.small_talk(shipped, "out_of_scope")


def test_unknown_small_talk_is_an_error(shipped):
    with pytest.raises(KeyError):
        lines.small_talk(shipped, "weather")


def test_a_professional_who_only_says_so_is_asked_what_they_saw(shipped):
    assert "orosanmälan" in lines.role(shipped, "professional")


def test_every_conversation_text_is_filled_for_every_reader(shipped):
    texts = [t for _, t in conversation_texts(shipped.conversation)]
    assert len(texts) >= 25
    for t in texts:
        for reader in ("child", "adult"):
            filled = shipped.fill(t.for_reader(reader) or "", name="Bris")
            assert filled and "{" not in filled, t


def conversation_texts(section, where="conversation"):
    for name in section.__fields__:
        value = getattr(section, name)
        if isinstance(value, catalogue.Texts):
            yield f"{where}.{name}", value
        else:
            yield from conversation_texts(value, f"{where}.{name}")


def test_a_placeholder_that_is_no_resource_number_is_refused():
    text = conversation_section().replace("Ring {nod} om det blir farligt igen.", "Ring {nood} om det blir farligt igen.")
    text += ("resources:\n  - {id: nod, name: N, about: {adult: x}, phone: '112', source: s, last_verified: 2026-01-01}\n"
             "  - {id: dygnet, name: D, about: {adult: x}, source: s, last_verified: 2026-01-01}\n"
             "needs: {}\n")
    with pytest.raises(catalogue.CatalogueError) as e:
        catalogue_file.parse(text)
    message = str(e.value)
    assert "okänd platshållare {nood}" in message  # not a resource
    assert "okänd platshållare {dygnet}" in message  # a resource without a phone number
    assert "{name}" not in message  # a variable where the part allows it


def test_a_variable_is_only_allowed_where_it_is_filled_in():
    text = conversation_section().replace("Okej.", "Okej, {name}.", 1)
    text += ("resources:\n  - {id: nod, name: N, about: {adult: x}, phone: '112', source: s, last_verified: 2026-01-01}\n"
             "  - {id: dygnet, name: D, about: {adult: x}, phone: '1', source: s, last_verified: 2026-01-01}\n"
             "needs: {}\n")
    with pytest.raises(catalogue.CatalogueError, match=r"retract.child: okänd platshållare \{name\}"):
        catalogue_file.parse(text)


def test_a_catalogue_without_the_conversation_section_loads_but_is_warned_and_never_answers_empty(tmp_path):
    from staff import check
    from tests.conftest import FIXTURES

    mini = (FIXTURES / "mini_catalogue.yml").read_text(encoding="utf-8")
    text = mini[:mini.index("conversation:\n")] + mini[mini.index("needs:\n"):]
    path = tmp_path / "k.yml"
    path.write_text(text, encoding="utf-8")
    report = check.check(path)
    assert report.exit_code == 0 and any("avsnittet conversation saknas" in w.message for w in report.warnings)
    with pytest.raises(catalogue.CatalogueError):
        lines.small_talk(catalogue_file.parse(text), "goodbye")
