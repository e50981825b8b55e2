"""Replies shaped for Messenger (rasa_wing.channels.messenger_format) and the webhook signature check
(rasa_wing.channels.messenger)."""
import hashlib
import hmac
import logging

import pytest

from bot.replies import compose
from rasa_wing.channels import messenger_format as fmt
from rasa_wing.channels.messenger import MessengerInput, signature_ok


def test_short_text_is_one_message():
    assert fmt.messages("Hej! Vad vill du prata om?") == [{"text": "Hej! Vad vill du prata om?"}]


def test_long_text_is_split_under_640_at_sentence_boundaries():
    sentence = "Det här är en mening som handlar om stöd och om vem du kan prata med när något känns fel."
    text = " ".join([sentence] * 20)  # about 1 800 characters, one paragraph
    parts = fmt.split_text(text)
    assert len(parts) >= 3
    assert all(len(p) < 640 for p in parts)
    assert all(p.endswith(".") for p in parts), "a part ends mid-sentence"
    assert " ".join(parts) == text


def test_paragraphs_are_kept_together_when_they_fit():
    text = "Första stycket.\n\nAndra stycket."
    assert fmt.split_text(text) == ["Första stycket.\n\nAndra stycket."]
    big = "a " * 400
    parts = fmt.split_text("Kort stycke.\n\n" + big.strip())
    assert parts[0] == "Kort stycke."
    assert all(len(p) < 640 for p in parts)


def test_a_word_longer_than_a_message_is_cut():
    parts = fmt.split_text("x" * 1500)
    assert all(len(p) < 640 for p in parts)
    assert "".join(parts) == "x" * 1500


def test_buttons_become_at_most_13_quick_replies_with_short_titles():
    buttons = [{"title": f"Alternativ nummer {i} med en lång titel", "payload": f"/val{i}"} for i in range(20)]
    replies = fmt.quick_replies(buttons)
    assert len(replies) == 13
    assert all(len(r["title"]) <= 20 for r in replies)
    assert replies[0] == {"content_type": "text", "title": "Alternativ nummer 0…", "payload": "/val0"}


def test_short_title_keeps_short_titles_and_cuts_at_a_word():
    assert fmt.short_title("Mitt eget barn") == "Mitt eget barn"
    assert fmt.short_title("Någon annans barn i min närhet") == "Någon annans barn i…"
    assert len(fmt.short_title("Supercalifragilisticexpialidocious")) == 20


def test_national_numbers_become_call_buttons_short_numbers_stay_text():
    buttons = fmt.call_buttons("Ring familjestödet på 0150-48 83 00 eller Bris på 116 111. Är någon i fara, ring 112.")
    assert buttons == [{"type": "phone_number", "title": "Ring 0150-48 83 00", "payload": "+46150488300"}]
    assert fmt.call_buttons("Ring 116 111, 114 14, 90101 eller 1177.") == []


def test_a_reply_with_a_national_number_is_a_button_template():
    [message] = fmt.messages("Kvinnofridslinjen: ring 020-50 50 50.")
    payload = message["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert payload["text"] == "Kvinnofridslinjen: ring 020-50 50 50."
    assert payload["buttons"][0]["payload"] == "+4620505050"


def test_quick_replies_ride_on_the_last_part():
    text = ("Lång text. " * 100).strip()
    out = fmt.messages(text, [{"title": "Mitt eget barn", "payload": "/parent_own_child"}])
    assert len(out) >= 2
    assert "quick_replies" not in out[0]
    assert out[-1]["quick_replies"] == [{"content_type": "text", "title": "Mitt eget barn", "payload": "/parent_own_child"}]


def test_every_shipped_reply_fits_messenger(shipped):
    """All needs, all readers, every municipality: each Send API message fits Messenger's limits."""
    for need in shipped.needs:
        for audience in ("child", "guardian", "adult", "professional"):
            for municipality_id in [None, *(m.id for m in shipped.municipalities)]:
                reply = compose(shipped, need, audience=audience, municipality_id=municipality_id)
                for text in reply.messages:
                    for message in fmt.messages(text, reply.buttons):
                        body = message.get("text") or message["attachment"]["payload"]["text"]
                        assert 0 < len(body) < 640
                        assert len(message.get("quick_replies", [])) <= 13
                        assert all(len(q["title"]) <= 20 for q in message.get("quick_replies", []))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (sign("hemlis", b'{"a":1}'), True),
        (sign("fel", b'{"a":1}'), False),
        (sign("hemlis", b'{"a":2}'), False),
        ("sha1=" + hmac.new(b"hemlis", b'{"a":1}', hashlib.sha1).hexdigest(), False),
        ("", False),
        (None, False),
        ("sha256=", False),
    ],
    ids=["right", "wrong-secret", "other-body", "sha1-only", "empty", "missing", "no-digest"],
)
def test_signature_check(header, ok):
    assert signature_ok("hemlis", b'{"a":1}', header) is ok


def test_no_secret_never_validates():
    assert signature_ok("", b"{}", sign("", b"{}")) is False


def test_channel_is_off_without_secrets_and_says_so(monkeypatch, caplog):
    for name in ("FB_VERIFY_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.WARNING, logger="rasa_wing.channels.messenger"):
        channel = MessengerInput.from_credentials(None)
    assert channel.enabled is False
    assert "Messenger-kanalen är avstängd" in caplog.text
    assert "FB_APP_SECRET" in caplog.text


def test_channel_reads_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("FB_VERIFY_TOKEN", "v")
    monkeypatch.setenv("FB_APP_SECRET", "s")
    monkeypatch.setenv("FB_PAGE_ACCESS_TOKEN", "t")
    monkeypatch.setenv("FB_GRAPH_URL", "http://127.0.0.1:9/")
    channel = MessengerInput.from_credentials(None)
    assert channel.enabled is True
    assert (channel.fb_verify, channel.fb_secret, channel.fb_access_token) == ("v", "s", "t")
    assert channel.get_output_channel().endpoint == "http://127.0.0.1:9/v19.0/me/messages"
