"""bot.identifiers: what a conversation gave away, as keyed hashes, found again in later texts."""
import pytest

from bot.identifiers import Known, candidates, forms, number_forms

KEY = b"a key of thirty-two bytes, no more"


def known(*found):
    k = Known(KEY)
    k.add(found)
    return k


@pytest.mark.parametrize("later,expected", [
    ("Kalle slog mig igen", "[namn] slog mig igen"),
    ("Kalles pappa är arg", "[namn] pappa är arg"),
    ("kalle's dad", "[namn] dad"),
    ("KALLE SVENSSON", "[namn]"),
    ("Kallelse till möte", "Kallelse till möte"),
    ("ring 70 123 45 67", "ring [telefon]"),
    ("ring +46 70-123 45 67", "ring [telefon]"),
    ("ring 0046701234567", "ring [telefon]"),
    ("ring 070 12 34 567", "ring [telefon]"),
    ("pnr 121212-1212", "pnr [personnummer]"),
    ("116 111", "116 111"),
])
def test_a_later_text_is_scrubbed_of_what_was_given_away(later, expected):
    k = known(("Kalle Svensson", "[namn]"), ("070-123 45 67", "[telefon]"), ("19121212-1212", "[personnummer]"))
    assert k.scrub(later) == expected


def test_only_hashes_are_kept_and_they_depend_on_the_key():
    k = known(("Kalle", "[namn]"))
    assert all("kalle" not in d.casefold() and len(d) == 32 for d in k.digests)
    assert Known(b"another key entirely, also long").digests == {}
    other = Known(b"another key entirely, also long")
    other.add([("Kalle", "[namn]")])
    assert set(other.digests).isdisjoint(k.digests)
    assert Known(KEY, k.digests).scrub("Kalle") == "[namn]"  # read back from the database: the same


def test_forms():
    assert number_forms("+46 70-123 45 67") == number_forms("070 1234567") == {"#701234567"}
    assert forms("kalle.svensson@hotmail.com", "[e-post]") == {"kalle", "svensson", "kalle svensson"}
    assert forms("Storgatan 12B", "[adress]") == {"storgatan", "12b", "storgatan 12b"}
    assert {f for _, _, f in candidates("Kalles  pappa")} >= {"kalles", "kalle", "kalles pappa", "pappa"}


def test_a_conversation_keeps_a_bounded_number():
    k = Known(KEY)
    k.add((f"Namn{i}", "[namn]") for i in range(5000))
    assert len(k.digests) == 400
