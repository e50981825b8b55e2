"""staff/edit.py: a form's values written into resources.yml round-trip – only the fields that changed, comments and
order kept, the result checked like make check; every save keeps a dated copy, and a copy can be restored."""
from __future__ import annotations

import datetime as dt
import difflib

import pytest

from bot import catalogue_file, catalogue_store, yamllines
from staff import check, edit
from tests.support.catalogue_edits import MINI, SHIPPED, bump, line_of


def changed_lines(before: str, after: str) -> list[str]:
    return [d for d in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if d[:1] in "+-" and not d.startswith(("+++", "---"))]


def values(text: str, resource_id: str) -> dict:
    return edit.form_values(edit.entry_of(yamllines.load(text).data, resource_id)[1])


def test_the_shipped_file_is_written_back_unchanged_when_nothing_changed():
    for r in catalogue_file.parse(SHIPPED).resources:
        edited = edit.apply(SHIPPED, r.id, values(SHIPPED, r.id))
        assert edited.changed == [] and edited.text == SHIPPED, r.id


def test_a_changed_phone_number_is_the_one_line_that_changes_and_comments_stay():
    form = values(SHIPPED, "kungalv_orosanmalan") | {"telefon": "0303-23 93 78"}
    edited = edit.apply(SHIPPED, "kungalv_orosanmalan", form)
    assert edited.changed == ["Telefon"]
    assert changed_lines(SHIPPED, edited.text) == ['-    phone: "0303-23 93 77"', '+    phone: "0303-23 93 78"']
    assert catalogue_file.parse(edited.text).resource("kungalv_orosanmalan").phone == "0303-23 93 78"


def test_a_new_field_goes_where_the_guide_has_it_and_an_emptied_one_is_removed():
    form = values(MINI, "kontor") | {"epost": "kontor@kontor.example", "alder_max": "20", "om_vuxen": ""}
    edited = edit.apply(MINI, "kontor", form)
    assert changed_lines(MINI, edited.text) == [
        '-    about: {child: "Vuxna som lyssnar på dagen.", adult: "Rådgivning på kontorstid."}',
        '+    about: {child: "Vuxna som lyssnar på dagen."}',
        "+    email: kontor@kontor.example",
        "+    ages: {max: 20}"]
    r = catalogue_file.parse(edited.text).resource("kontor")
    assert r.email == "kontor@kontor.example" and r.ages.max == 20 and r.about.adult is None
    assert list(yamllines.load(edited.text).data["resources"][2]) == [
        "id", "name", "about", "phone", "email", "hours", "ages", "source", "last_verified"]


def test_hours_from_the_form_days_exceptions_and_closed_dates():
    form = values(MINI, "kontor") | {"dag_sat": "10:00-14:00", "stangda_dagar": "2026-12-23, 2026-12-30",
                                     "undantag": "2026-07-06 – 2026-08-09: stängt (sommarstängt)\n2026-12-22: 09:00-12:00"}
    edited = edit.apply(MINI, "kontor", form)
    assert edited.changed == ["Öppettider"]
    r = catalogue_file.parse(edited.text).resource("kontor")
    assert r.schedule.days[5] == ((600, 840),) and r.schedule.days[1] == ((780, 900),)  # Tuesday untouched
    assert r.schedule.closed_dates == {dt.date(2026, 12, 23), dt.date(2026, 12, 30)}
    assert r.schedule.spans_on(dt.date(2026, 7, 20)) == () and r.schedule.spans_on(dt.date(2026, 12, 22)) == ((540, 720),)
    assert "note: sommarstängt" in edited.text and values(edited.text, "kontor")["undantag"] == form["undantag"]


def test_a_day_range_in_the_file_is_read_into_the_days_and_left_alone_unless_a_day_changes():
    text = MINI.replace('weekly: {mon: ["09:00-11:00"], tue: ["13:00-15:00"], wed: ["09:00-11:00"], thu: ["09:00-11:00"], '
                        'fri: ["09:00-11:00"]}', 'weekly: {mån-fre: ["08:00-16:00"]}')
    form = values(text, "kontor")
    assert [form[f"dag_{d}"] for d in ("mon", "fri", "sat")] == ["08:00-16:00", "08:00-16:00", ""]
    assert edit.apply(text, "kontor", form | {"telefon": "000 333"}).text.count("mån-fre") == 1
    changed = edit.apply(text, "kontor", form | {"dag_fri": "08:00-12:00"})
    assert catalogue_file.parse(changed.text).resource("kontor").schedule.days[4] == ((480, 720),)


def test_around_the_clock_replaces_the_week_and_no_hours_removes_them():
    always = edit.apply(MINI, "kontor", values(MINI, "kontor") | {"dygnet_runt": "ja"})
    assert catalogue_file.parse(always.text).resource("kontor").always_open
    none = edit.apply(MINI, "kontor", values(MINI, "kontor") | {f"dag_{d}": "" for d, _ in edit.DAYS})
    assert catalogue_file.parse(none.text).resource("kontor").hours is None


def test_an_exception_the_form_cannot_read_names_the_field():
    with pytest.raises(edit.FormError) as info:
        edit.apply(MINI, "kontor", values(MINI, "kontor") | {"undantag": "hela julen stängt"})
    assert info.value.field == "undantag" and "2026-07-06 – 2026-08-09: stängt" in str(info.value)


def test_an_error_lands_on_its_field():
    edited = edit.apply(SHIPPED, "kungalv_orosanmalan", values(SHIPPED, "kungalv_orosanmalan") | {"telefon": "0303-ABC"})
    report = check.check_text(edited.text, "resources.yml")
    position = edit.entry_of(report.document.data, "kungalv_orosanmalan")[0]
    assert [edit.field_of(report.document, position, p.line) for p in report.errors] == ["telefon"]


@pytest.mark.parametrize("scope, resource, allowed", [
    ("alla", "bris", True), ("alla", "kungalv_orosanmalan", True), ("kungalv", "kungalv_orosanmalan", True),
    ("soderhamn", "kungalv_orosanmalan", False), ("soderhamn", "bris", False), ("oversattning", "bris", False)])
def test_a_scoped_token_edits_only_its_municipalitys_resources(shipped, scope, resource, allowed):
    assert edit.may_edit(scope, shipped.resource(resource)) is allowed


def test_a_save_keeps_a_dated_copy_and_a_copy_can_be_restored(tmp_path):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    first = edit.apply(MINI, "kontor", values(MINI, "kontor") | {"telefon": "000 333"})
    edit.save(path, first.text, edit.version(MINI), "före ändringen av Kontorslinjen (Telefon)", now=dt.datetime(2026, 12, 8, 10))
    assert path.read_text(encoding="utf-8") == first.text
    assert catalogue_store.current(path).resource("kontor").phone == "000 333"  # used at once
    copies = edit.copies(path)
    assert [(c.saved, c.note) for c in copies] == [(dt.datetime(2026, 12, 8, 10), "före ändringen av Kontorslinjen (Telefon)")]
    assert copies[0].path.read_text(encoding="utf-8") == MINI
    edit.restore(path, copies[0].name, now=dt.datetime(2026, 12, 8, 11))
    assert path.read_text(encoding="utf-8") == MINI
    assert [c.note for c in edit.copies(path)] == ["före återställningen av kopian från 2026-12-08 10:00",
                                                   "före ändringen av Kontorslinjen (Telefon)"]


def test_a_save_is_refused_when_someone_saved_in_between_or_the_text_has_errors(tmp_path):
    path = tmp_path / "resources.yml"
    bump(path, MINI)
    edited = edit.apply(MINI, "kontor", values(MINI, "kontor") | {"telefon": "000 333"})
    with pytest.raises(edit.SaveError, match="Filen har ändrats sedan du öppnade sidan"):
        edit.save(path, edited.text, edit.version(MINI + "# någon annan\n"), "x")
    with pytest.raises(edit.SaveError, match="innehåller bokstäver"):
        edit.save(path, edited.text.replace("000 333", "000 33G"), edit.version(MINI), "x")
    assert path.read_text(encoding="utf-8") == MINI and edit.copies(path) == []
    assert line_of(MINI, "000 222")  # unchanged
