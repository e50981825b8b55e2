"""rasa_wing.event_scrub: Rasa's events as they may be stored – what a client sent is scrubbed, Rasa's own
fields are kept where Rasa puts them, identifiers given away earlier are scrubbed wherever they come back."""
from bot.identifiers import Known
from bot.privacy import NAME, PHONE
from rasa_wing import event_scrub


def test_scrub_event_walks_text_parse_data_entities_metadata_and_slots():
    user = {
        "event": "user",
        "timestamp": 1700000000.5,
        "text": "jag heter Kalle, 19121212-1212",
        "input_channel": "rest",
        "message_id": "abc",
        "parse_data": {
            "text": "jag heter Kalle, 19121212-1212",
            "intent": {"name": "greet", "confidence": 0.9},
            "entities": [{"entity": "municipality", "value": "kalle.s@example.com", "start": 0, "end": 5}],
        },
        "metadata": {"phone": "+46701234567", "nested": [{"pnr": 201212121212}], "municipality": "kungalv",
                     "kalle@example.com": "key is an address"},
    }
    out = event_scrub.scrub_event(user)
    flat = repr(out)
    for secret in ["Kalle", "19121212-1212", "kalle.s@example.com", "+46701234567", "201212121212", "kalle@example.com"]:
        assert secret not in flat
    assert out["timestamp"] == 1700000000.5 and out["message_id"] == "abc" and out["input_channel"] == "rest"
    assert out["parse_data"]["intent"] == {"name": "greet", "confidence": 0.9}
    assert out["metadata"]["municipality"] == "kungalv"
    assert user["text"] == "jag heter Kalle, 19121212-1212", "the original stays untouched in memory"

    slot = event_scrub.scrub_event({"event": "slot", "name": "note", "value": "ring 070-1234567", "timestamp": 1.0})
    assert slot == {"event": "slot", "name": "note", "value": "ring [telefon]", "timestamp": 1.0}
    number_slot = event_scrub.scrub_event({"event": "slot", "name": "age", "value": 12, "timestamp": 1.0})
    assert number_slot["value"] == 12


def test_entity_values_that_were_identifiers_are_removed():
    event = {"event": "user", "text": "jag heter Kalle och bor i Kungälv",
             "parse_data": {"text": "jag heter Kalle och bor i Kungälv", "entities": [
                 {"entity": "municipality", "value": "Kalle", "start": 10, "end": 15},
                 {"entity": "municipality", "value": "kungalv", "start": 26, "end": 33}]}}
    values = [e["value"] for e in event_scrub.scrub_event(event)["parse_data"]["entities"]]
    assert values == [event_scrub.REMOVED, "kungalv"]


def test_an_identifier_repeated_elsewhere_in_the_conversation_is_removed():
    found = event_scrub.identifiers(["jag heter Kalle Svensson", {"meta": "070-123 45 67"}])
    assert ("Kalle Svensson", NAME) in found and ("070-123 45 67", PHONE) in found
    known = Known(b"k" * 32)
    known.add(found)
    bot = event_scrub.scrub_event({"event": "bot", "text": "Hej Kalle! Jag har inga uppgifter om stöd i Svensson än."}, known)
    assert bot["text"] == "Hej [namn]! Jag har inga uppgifter om stöd i [namn] än."
    # a word that merely contains the name is left alone; the genitive and the number in another form are not
    assert event_scrub.scrub_event({"event": "bot", "text": "Kallelse"}, known)["text"] == "Kallelse"
    user = event_scrub.scrub_event({"event": "user", "text": "Kalles pappa har 70 123 45 67"}, known)
    assert user["text"] == "[namn] pappa har [telefon]"


# --- metadata: what a client sends is scrubbed, whatever its keys are called ------------------------

def test_metadata_keys_named_like_rasas_own_fields_are_scrubbed_at_any_depth():
    event = {"event": "user", "timestamp": 1.0, "text": "hej", "input_channel": "rest", "message_id": "abc",
             "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": [],
                            "intent_ranking": [{"name": "greet", "confidence": 0.9}]},
             "metadata": {"confidence": "070-123 45 67", "timestamp": "19121212-1212",
                          "nested": {"policy": "jag heter Kevin", "event": "kevin@example.com",
                                     "input_channel": "0701234567"},
                          "float": 46701234567.0, "int": 701234567}}
    out = event_scrub.scrub_event(event)
    flat = repr(out)
    for secret in ("070-123", "19121212", "Kevin", "kevin@", "0701234567", "46701234567", "701234567"):
        assert secret not in flat, secret
    assert out["timestamp"] == 1.0 and out["message_id"] == "abc" and out["input_channel"] == "rest"
    assert out["parse_data"]["intent"] == {"name": "greet", "confidence": 0.9}
    assert out["parse_data"]["intent_ranking"] == [{"name": "greet", "confidence": 0.9}]


def test_a_made_up_input_channel_is_not_stored():
    event = {"event": "user", "text": "hej", "input_channel": "Kevin Lindqvist 070-123 45 67"}
    assert event_scrub.scrub_event(event)["input_channel"] == event_scrub.REMOVED
    assert event_scrub.scrub_event(dict(event, input_channel="facebook"))["input_channel"] == "facebook"


def test_a_number_in_a_bot_action_event_is_kept_where_rasa_puts_it():
    action = {"event": "action", "timestamp": 1700000000.123, "name": "action_route", "policy": "BoundedRulePolicy",
              "confidence": 1.0}
    assert event_scrub.scrub_event(action) == action
