"""bot.catalogue_file: staff edit resources.yml by hand, and every fault gets a Swedish error with
file:line, all in one run."""
from __future__ import annotations

import re

import pytest

from bot import catalogue, catalogue_file, catalogue_store
from tests.conftest import ROOT
from tests.support.catalogue_edits import KONTOR, MINI, SHIPPED, broken_shipped_copy, errors_of, line_of, replace_once


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
        catalogue_store.load(big)



def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "resources.yml"
    path.write_bytes(MINI.replace("Kontorslinjen", "Kontorslinjen för föräldrar").encode("latin-1"))
    first_non_ascii = next(i for i, line in enumerate(MINI.splitlines(), start=1) if not line.isascii())
    with pytest.raises(catalogue.CatalogueError, match=rf":{first_non_ascii}: filen är inte sparad som UTF-8"):
        catalogue_store.load(path)




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



def test_the_complete_example_in_the_staff_guide_is_valid():
    guide = (ROOT / "docs" / "katalog.md").read_text(encoding="utf-8")
    example = guide.split("## Ett komplett exempel")[1].split("```yaml\n")[1].split("```")[0]
    municipality, resource = example.split("\nresources:\n")
    text = SHIPPED.replace("\nservices:", "\n" + municipality.split("municipalities:\n")[1] + "\nservices:", 1)
    text = text.replace("\nneeds:", "\n" + resource + "\nneeds:", 1)
    cat = catalogue_file.parse(text)
    r = cat.resource("exempelby_orosanmalan")
    assert r.municipality == "exempelby" and r.hours["exceptions"][0]["note"] == "sommartider"
    assert cat.local("orosanmalan", "exempelby") == [r]



@pytest.mark.parametrize("markup", ["<b>Ring</b> nu", "Ring <script>alert(1)</script>", "Bris &amp; BUP",
                                    "Läs mer <a href='https://x.se'>här</a>", "tecken &#60;", "<img src=x>"])
def test_markup_in_a_text_is_an_error_at_its_line(markup):
    """The widget and the staff page show catalogue text as text; markup is refused when it is written (issue 27)."""
    first = next(line for line in MINI.splitlines() if line.strip().startswith(("child:", "adult:")))
    key, _, _ = first.partition(":")
    edited = replace_once(MINI, first, f'{key}: "{markup}"')
    (error,) = [e for e in errors_of(edited) if "HTML-kod" in e]
    assert f"k.yml:{line_of(edited, markup[:8])}:" in error


@pytest.mark.parametrize("text", ["Ring 112 < 5 min", "a < b och 3 > 2", "https://x.se/?a=1&b=2", "Bris & BUP"])
def test_text_that_only_looks_a_little_like_markup_is_fine(text):
    first = next(line for line in MINI.splitlines() if line.strip().startswith(("child:", "adult:")))
    key, _, _ = first.partition(":")
    catalogue_file.parse(replace_once(MINI, first, f'{key}: "{text}"'), "k.yml")
