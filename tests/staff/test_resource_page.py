"""A resource's page on the staff site (staff/resource_page.py, served by tools/webserver.py): the form, the check
before anything is saved, the preview before save (what the trial copy was for), the save with its dated copy, the
coming 14 days – and the scope of a token, enforced by the server: Söderhamn's token cannot change Kungälv's."""
from __future__ import annotations

import difflib
import re

from bot import catalogue_file
from staff import edit
from tests.support.catalogue_edits import SHIPPED
from tests.support.staff_site import FULL, KUNGALV, REVIEWER, SODERHAMN, form_of

KUNGALV_PAGE = "/personal/resurs/kungalv_orosanmalan"
SODERHAMN_PAGE = "/personal/resurs/soderhamn_fritid"


def test_the_form_shows_the_resource_as_written(site):
    page = site.get(KUNGALV_PAGE)
    assert page.status == 200 and "<h1>Socialtjänsten i Kungälv – gemensam mottagning (orosanmälan)</h1>" in page.body
    form = form_of(page.body)
    assert form["telefon"] == "0303-23 93 77" and form["dag_mon"] == "09:00-16:30" and form["dag_sat"] == ""
    assert form["version"] == edit.version(SHIPPED) and form["skydd"]
    assert 'id="vecka"' in page.body and re.search(r"<th scope=\"row\">\w+ \d+ \w+</th>", page.body)
    assert 't.ex. <span class="tel">0270-750 00</span>' in page.body  # an example number in a hint does not break


def test_a_mistake_is_shown_at_its_field_and_nothing_is_saved(site):
    form = form_of(site.get(KUNGALV_PAGE).body) | {"telefon": "0303-ABC", "atgard": "spara"}
    page = site.post(KUNGALV_PAGE, form)
    assert page.status == 200 and "<strong>Inte sparat.</strong>" in page.body
    assert re.search(r'id="f-telefon"[^>]*aria-invalid="true"', page.body)
    assert re.search(r'<span class="field-error" id="f-telefon-fel">telefon \(phone\) &#x27;0303-ABC&#x27; innehåller '
                     r"bokstäver", page.body)
    assert '<a href="#f-telefon">Till fältet Telefon</a>' in page.body
    assert site.catalogue.read_text(encoding="utf-8") == SHIPPED


def test_preview_before_save_shows_the_replies_with_the_change_and_saves_nothing(site):
    form = form_of(site.get(KUNGALV_PAGE).body) | {"telefon": "0303-11 11 11", "atgard": "forhandsvisa",
                                                   "behov": "adult_other_child", "tid": "2026-12-14 10:00"}
    page = site.post(KUNGALV_PAGE, form)
    assert page.status == 200 and "Förhandsvisning – inte sparad." in page.body
    previews = page.body[page.body.index('id="forhandsvisning"'):page.body.index('id="vecka"')]
    assert "Ett barn får" in previews and "En förälder får" in previews
    assert previews.count('<span class="tel">0303-11 11 11</span>') >= 1 and "0303-23 93 77" not in previews
    assert "Öppet nu till 16.30." in previews  # Monday 14 December at 10:00
    assert site.catalogue.read_text(encoding="utf-8") == SHIPPED


def test_a_save_writes_only_the_change_keeps_a_copy_and_says_so(site):
    form = form_of(site.get(SODERHAMN_PAGE, SODERHAMN).body) | {"telefon": "0270-750 00", "atgard": "spara"}
    saved = site.post(SODERHAMN_PAGE, form, SODERHAMN)
    assert saved.status == 303 and saved.headers["Location"].startswith(SODERHAMN_PAGE + "?sparad=Telefon")
    after = site.catalogue.read_text(encoding="utf-8")
    diff = [d for d in difflib.unified_diff(SHIPPED.splitlines(), after.splitlines(), lineterm="", n=0) if d[:1] in "+-"]
    assert diff[2:] == ['+    phone: "0270-750 00"']
    assert catalogue_file.parse(after).resource("soderhamn_fritid").phone == "0270-750 00"
    page = site.get(saved.headers["Location"], SODERHAMN)
    assert "<strong>Sparat</strong> (Telefon). Boten använder ändringen från nästa meddelande" in page.body
    copies = site.get("/personal/kopior")
    assert "före ändringen av Fritidsgården Verkstäderna och fältarna i Söderhamn (Telefon)" in copies.body


def test_a_second_save_from_an_old_page_is_refused_and_keeps_the_values(site):
    form = form_of(site.get(SODERHAMN_PAGE).body)
    assert site.post(SODERHAMN_PAGE, form | {"telefon": "0270-750 00", "atgard": "spara"}).status == 303
    late = site.post(SODERHAMN_PAGE, form | {"sms": "71000", "atgard": "spara"})
    assert "Filen har ändrats sedan du öppnade sidan" in late.body and 'value="71000"' in late.body
    assert "sms:" not in site.catalogue.read_text(encoding="utf-8").split("id: soderhamn_fritid")[1].split("- id:")[0]


def test_a_token_for_another_municipality_is_refused_by_the_server(site):
    page = site.get(KUNGALV_PAGE, SODERHAMN)
    assert page.status == 200 and 'method="post"' not in page.body  # it may look, not edit
    assert "Din token gäller soderhamn. Resursen" in page.body and "hör till kungalv" in page.body
    form = form_of(site.get(KUNGALV_PAGE, KUNGALV).body) | {"telefon": "0303-11 11 11", "atgard": "spara"}
    refused = site.post(KUNGALV_PAGE, form | {"skydd": ""}, SODERHAMN, key=True)
    assert refused.status == 403
    refused = site.post(KUNGALV_PAGE, {k: v for k, v in form.items() if k != "skydd"}, SODERHAMN)
    assert refused.status == 403 and "Inte tillåtet" in refused.body
    national = site.post("/personal/resurs/bris", form_of(site.get("/personal/resurs/bris").body) | {"atgard": "spara"},
                         SODERHAMN)
    assert national.status == 403
    assert site.catalogue.read_text(encoding="utf-8") == SHIPPED
    assert site.post(KUNGALV_PAGE, form, KUNGALV).status == 303  # Kungälv's own token may


def test_a_post_without_the_form_key_or_from_another_site_is_refused(site):
    form = form_of(site.get(KUNGALV_PAGE).body) | {"telefon": "0303-11 11 11", "atgard": "spara"}
    assert site.post(KUNGALV_PAGE, {k: v for k, v in form.items() if k != "skydd"}, FULL, key=False).status == 403
    assert site.post(KUNGALV_PAGE, form | {"skydd": "fel"}, FULL).status == 403
    assert site.post(KUNGALV_PAGE, form, FULL, headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    assert site.post(KUNGALV_PAGE, form, None).status == 401
    assert site.catalogue.read_text(encoding="utf-8") == SHIPPED


def test_only_a_token_for_all_sees_and_restores_the_copies(site):
    form = form_of(site.get(SODERHAMN_PAGE).body) | {"telefon": "0270-750 00", "atgard": "spara"}
    site.post(SODERHAMN_PAGE, form)
    assert site.get("/personal/kopior", SODERHAMN).status == 403
    listed = site.get("/personal/kopior")
    name = re.search(r'name="kopia" value="([^"]+)"', listed.body).group(1)
    assert site.post("/personal/kopior", {"kopia": name}, SODERHAMN).status == 403
    assert site.catalogue.read_text(encoding="utf-8") != SHIPPED
    assert site.post("/personal/kopior", {"kopia": name}).status == 303
    assert site.catalogue.read_text(encoding="utf-8") == SHIPPED


def test_the_review_token_reads_the_resources_but_edits_none(site):
    page = site.get(KUNGALV_PAGE, REVIEWER)
    assert page.status == 200 and 'method="post"' not in page.body


def test_an_unknown_resource_or_page_is_404(site):
    assert site.get("/personal/resurs/finns_inte").status == 404
    assert site.get("/personal/annat").status == 404
    assert site.get("/personal/resurs/finns_inte", None).status == 401  # nothing said before the token
