"""Follow-up questions: what is asked (bot/context_patterns.yml) and the answer from the catalogue."""
import pytest

from bot import followup


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("är det gratis att ringa dit?", "cost"),
        ("kostar de pengar", "cost"),
        ("jag har kontantkort o nästan inget saldo", "cost"),
        ("pappa ser alla samtal på fakturan", "phone_bill"),
        ("syns numret på mobilräkningen", "phone_bill"),
        ("mamma kollar min mobil varje kväll", "phone_bill"),
        ("får pappa reda på att jag har ringt", "anonymity"),
        ("maste jag saga mitt namn", "anonymity"),
        ("behöver man säga vem man är?", "anonymity"),
        ("blir man anonym där", "anonymity"),
        ("ringer dom till mina föräldrar?", "anonymity"),
        ("är det hemligt", "anonymity"),
        ("går det att skriva istället?", "channels"),
        ("jag har ingen mobil bara en ipad", "channels"),
        ("ja törs int ringa", "channels"),
        ("finns det chatt", "channels"),
        ("finns det ett sms-nummer", "channels"),
        ("min telefon är trasig", "channels"),
        ("vem pratar jag med där", "who_answers"),
        ("är det riktiga människor?", "who_answers"),
        ("jobbar det poliser där", "who_answers"),
        ("vad händer sen?", "what_happens"),
        ("skickar de nån hit då", "what_happens"),
        ("kan de ta barnen ifrån dom?", "removal"),
        ("hamnar hon i fosterhem", "removal"),
        ("är jag för gammal för det, jag är 17", "ages"),
        ("är det bara för barn?", "ages"),
        ("hur inleder jag samtalet", "how_to_start"),
        ("hur börjar man", "how_to_start"),
        ("vet inte vad man ska skriva", "how_to_start"),
        ("kan jag maila istället", "email"),
        ("jag kan inte bevisa något", "proof"),
        ("tänk om jag har fel", "proof"),
        ("är jag skyldig att anmäla?", "report_duty"),
        ("har jag anmälningsplikt", "report_duty"),
        ("behöver jag säga det till nån vuxen", "report_duty"),
        ("har de öppet på söndagar", "hours"),
        ("är det bara killar som hör av sig", "ages"),
        ("is it free to call", "cost"),
        ("will my mum find out", "anonymity"),
        ("who answers the phone there", "who_answers"),
        ("what happens if i call", "what_happens"),
        ("när kan man ringa dom", "hours"),
    ],
)
def test_a_follow_up_topic_is_recognised_in_everyday_and_childrens_spelling(text, topic):
    assert topic in followup.topics(text)


@pytest.mark.parametrize(
    "text",
    ["pappa slår mig när han är full", "jag blir mobbad i skolan varje dag", "min dotter vill inte gå till skolan",
     "jag mår så dåligt", "mamma dricker varje dag", "jag vågar inte gå hem", "hej", "jag bor i nyköping",
     "jag har ingen att prata med", "kan inte sova på nätterna",
     # about this chat, not about what it named
     "sparas det jag skriver här?", "är du anonym", "kostar det att använda stödlotsen"],
)
def test_a_need_or_small_talk_is_not_a_follow_up(text):
    assert followup.topics(text) == []


def test_a_message_asking_two_things_gets_both_in_a_fixed_order():
    assert followup.topics("måste man betala o kommer det upp på fakturan") == ["cost", "phone_bill"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("en annan grej, vi har bråk hemma", True), ("förresten så dricker pappa", True),
     ("egentligen handlar det om min kille", True), ("en sak till", True), ("kostar det något?", False)],
)
def test_a_new_worry_is_told_apart_from_a_follow_up(text, expected):
    assert followup.starts_new_topic(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("hjälp", True), ("HJÄLP MIG", True), ("hjälp mej nu", True), ("snälla", True), ("pls", True),
     ("kan du hjälpa mig", True), ("jag vet inte vad jag ska göra längre", True), ("ja vet int va ja ska göra", True),
     ("😢", True), ("😭😭😭", True), ("☹️", True),
     ("jag behöver hjälp med läxan", False), ("hjälp mig hitta en fritidsgård", False), ("😀", False),
     ("haha 😢", False), ("", False)],
)
def test_a_plea_is_recognised_and_a_question_about_help_is_not(text, expected):
    assert followup.is_plea(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("haha skämtade bara", True), ("det var ett skämt", True), ("strunta i det", True), ("allt e lugnt igen", True),
     ("allt är bra", True), ("det var bara på skoj", True), ("jag skar mig igår", False), ("tack", False)],
)
def test_calming_words_are_recognised(text, expected):
    assert followup.is_calm(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ok", True), ("okej", True), ("jag ringer dit nu", True), ("ska testa att chatta", True),
     ("okej men jag vågar inte", False), ("pappa ringer hela tiden", False), ("är det fler som ringer dit", False)],
)
def test_acknowledgements_are_recognised(text, expected):
    assert followup.is_acknowledgement(text) is expected


@pytest.mark.parametrize(
    ("text", "need"),
    [("mitt eget", "parent_own_child"), ("min dotter", "parent_own_child"), ("det är min son", "parent_own_child"),
     ("grannens", "adult_other_child"), ("en kompis barn", "adult_other_child"), ("mitt barnbarn", "adult_other_child"),
     ("i jobbet", "professional_concern"), ("en elev", "professional_concern"), ("jag är hans tränare", "professional_concern"),
     ("mig själv", "child_wellbeing"), ("jag är under 18", "child_wellbeing"),
     ("pappa slår mamma", None), ("vet inte", None)],
)
def test_typed_answers_to_whose_child(text, need):
    assert followup.whose_child(text) == need


def test_the_pattern_file_refuses_letters_the_normalized_text_never_has(tmp_path):
    good = followup.PATTERNS_FILE.read_text(encoding="utf-8")
    bad = tmp_path / "p.yml"
    bad.write_text(good.replace("'\\bgratis\\b", "'\\bgrätis\\b"), encoding="utf-8")
    with pytest.raises(ValueError, match="no å/ä/ö"):
        followup.load_patterns(bad)
    bad.write_text(good.replace("new_topic:", "new_topics:"), encoding="utf-8")
    with pytest.raises(ValueError, match="expected exactly the keys"):
        followup.load_patterns(bad)


# ---------------------------------------------------------------- answers from the shipped catalogue


def ask(cat, text, keys, reader="child", kommun=None):
    reply = followup.answer(cat, followup.topics(text), keys, reader, kommun, text)
    assert reply is not None
    return reply.text


def test_anonymity_names_the_resource_again_with_its_number(shipped):
    text = ask(shipped, "behöver jag säga vem jag är", ["bris", "local:barn_unga_stod"])
    bris = shipped.resource("bris")
    assert text.startswith("Bris:") and "anonym" in text and bris.phone in text


def test_the_phone_bill_says_what_the_catalogue_knows_and_never_guesses(shipped):
    assert "syns inte på telefonräkningen" in ask(shipped, "kommer numret upp på fakturan", ["kvinnofridslinjen"], "adult")
    about_bris = ask(shipped, "kommer numret upp på fakturan", ["bris"])
    assert "brukar inte stå på telefonräkningen" in about_bris and "lista över samtal" in about_bris
    about_mind = ask(shipped, "syns det på räkningen", ["mind_sjalvmordslinjen"])  # nothing on Mind's bill
    assert "inte säkert" in about_mind and "lista över samtal" in about_mind
    assert "kan det stå på telefonräkningen" in ask(shipped, "syns det på räkningen", ["polisen_anmalan"])


def test_cost_comes_from_the_catalogue(shipped):
    assert "gratis" in ask(shipped, "måste man betala", ["bris"])
    assert "inte gratis" in ask(shipped, "måste man betala", ["polisen_tips"])


def test_no_phone_offers_the_ways_without_calling_and_never_112(shipped):
    text = ask(shipped, "jag törs inte ringa nån", ["akut_112", "mind_sjalvmordslinjen", "bris"])
    assert "112" not in text
    assert "mind.se" in text and "bris.se" in text


def test_a_resource_the_catalogue_has_only_a_number_for_says_so_and_never_only_by_phone(shipped):
    text = ask(shipped, "finns det nån chatt", ["ud_jouren"], "adult")
    assert "bara telefonnumret" in text and shipped.resource("ud_jouren").phone in text
    # a web page: the bot does not know of a chat, but it does not say "only by phone" either
    web = ask(shipped, "finns det nån chatt", ["bris_vuxen"], "adult")
    assert "bara" not in web and "inga säkra uppgifter" in web
    # the police take reports at a police station too; 1177 has e-services
    assert "polisstation" in ask(shipped, "kan jag skriva i stället", ["polisen_anmalan"])
    assert "1177.se" in ask(shipped, "kan jag skriva i stället", ["vard_1177"])


def test_what_the_catalogue_does_not_know_is_said_plainly(shipped):
    text = ask(shipped, "vem pratar jag med där", ["maskrosbarn"])
    assert text.startswith("Maskrosbarn:") and "vet jag inte säkert" in text and "maskrosbarn.org" in text


def test_a_resource_that_knows_wins_over_one_that_does_not(shipped):
    text = ask(shipped, "vad gör dom när man har ringt", ["polisen_tips", "bris"])
    assert "Bris:" in text and "Polisen" not in text


def test_a_professional_asking_about_anonymity_first_hears_the_duty_to_report(shipped):
    reply = followup.answer(shipped, ["anonymity"], ["local:orosanmalan"], "professional", "nykoping", "")
    assert "skyldig" in reply.messages[0]
    assert "orosanmälan" in reply.messages[1].lower() and "Nyköping" in reply.messages[1]


def test_a_professional_asking_about_proof_needs_no_earlier_answer(shipped):
    reply = followup.answer(shipped, ["proof", "report_duty"], [], "professional", None, "")
    assert "skyldig" in reply.text and "bevis" in reply.text and "orosanmälan" in reply.text.lower()


def test_a_private_person_asking_whether_to_report_is_not_told_of_a_duty(shipped):
    reply = followup.answer(shipped, ["report_duty"], ["local:orosanmalan"], "adult", None, "")
    assert "skyldig att anmäla" not in reply.text and "orosanmälan" in reply.text.lower()


def test_questions_about_reporting_are_answered_by_the_orosanmalan_facts(shipped):
    removal = ask(shipped, "tar dom barnen ifrån familjen då", ["bris"])
    assert "De flesta barn bor kvar hemma" in removal and "ovanligt" not in removal
    email = ask(shipped, "kan jag skicka det som e-post", ["local:orosanmalan"], "adult", "kungalv")
    assert "inte ett säkert sätt" in email and "Kungälv" in email


def test_ages_come_from_the_age_field_when_there_is_no_text(shipped):
    assert "13–25" in ask(shipped, "finns det en åldersgräns", ["umo"])


def test_how_to_start_is_said_once_and_names_the_resource(shipped):
    reply = followup.answer(shipped, ["how_to_start"], ["bris"], "child", None, "")
    assert len(reply.messages) == 2 and "116 111" in reply.messages[1]


def test_a_resource_named_in_the_question_is_answered_about(shipped):
    text = ask(shipped, "är 1177 anonymt?", ["bris"])
    assert text.startswith("1177:") and "inte helt anonymt" in text


def test_a_follow_up_the_patterns_do_not_place_describes_the_resources_again(shipped):
    reply = followup.answer(shipped, [], ["bris"], "child", None, "men hur då")
    assert "116 111" in reply.text and "anonym" in reply.text


def test_nothing_to_answer_about_gives_none(shipped):
    assert followup.answer(shipped, ["cost"], [], "child", None, "kostar det") is None
    assert followup.answer(shipped, ["cost"], ["akut_112"], "child", None, "kostar det") is None


@pytest.mark.parametrize("topic", [t for t in followup.TOPICS if t != followup.HOURS])
@pytest.mark.parametrize("reader", ["child", "adult", "professional"])
def test_every_answer_names_a_resource_and_how_to_reach_it(shipped, topic, reader):
    ways = [v for r in shipped.resources for v in (r.phone, r.web, r.chat) if v]
    for r in shipped.resources:
        if r.emergency or r.is_local:
            continue
        reply = followup.answer(shipped, [topic], [r.id], reader, None, "")
        assert reply is not None and "{" not in reply.text
        if r.phone or r.web or r.chat:
            assert any(way.split("//")[-1].rstrip("/") in reply.text for way in ways), (topic, r.id, reply.text)
        else:  # no contact fields (elevhälsan, BUP): the description says how to get there
            assert (r.about.for_reader("child" if reader == "child" else "adult") or "") in reply.text


def test_a_sentence_two_facts_share_is_said_once(shipped):
    text = ask(shipped, "är man anonym och hur går det till", ["bris"])
    assert text.count("Du behöver inte säga vad du heter.") == 1


def test_the_mini_catalogue_answers_from_the_generic_glue(mini):
    assert followup.answer(mini, ["anonymity"], ["dygnet"], "child", None, "").text == \
        "Dygnetlinjen: Du kan vara anonym. Ring 000 111."
    assert followup.answer(mini, ["cost"], ["dygnet"], "child", None, "").text == \
        "Dygnetlinjen: Det vet jag inte om Dygnetlinjen. Ring 000 111."


@pytest.mark.parametrize(
    ("text", "keys"),
    [("är bris gratis", ["bris"]), ("vad kostar det att ringa 1177", ["vard_1177"]),
     ("kan man gå till ungdomsmottagningen utan att säga det hemma", ["umo"]),
     ("får polisen veta vem jag är om jag ringer bris", ["bris"]),  # the police act here; Bris is asked about
     ("skickar dom polisen hem till oss", []), ("bris", ["bris"]), ("är 1177 anonymt", ["vard_1177"]),
     ("vilka jobbar där, är det soc?", [])],
)
def test_a_question_is_about_a_resource_it_names_as_its_object(shipped, text, keys):
    assert followup.asked_about(shipped, text) == keys


def test_a_resource_asked_about_by_name_is_answered_about_alone_even_if_the_catalogue_does_not_know(shipped):
    text = ask(shipped, "kostar det att gå till ungdomsmottagningen", ["bris"])
    assert text.startswith("UMO:") and "vet jag inte säkert" in text and "Bris" not in text


def test_a_question_about_reporting_brings_in_the_orosanmalan_facts_whatever_was_named(shipped):
    reply = followup.answer(shipped, ["anonymity"], ["vard_1177"], "guardian", "nykoping", "får man anmäla utan namn")
    assert reply.messages[0].startswith("Socialtjänsten i Nyköping") and "anonymt" in reply.messages[0]
    police = followup.answer(shipped, ["anonymity"], ["polisen_tips"], "adult", None, "kan jag polisanmäla utan namn")
    assert "orosanmälan" not in police.text.lower()


def test_every_follow_up_answer_to_a_child_is_plain_apart_from_names_and_addresses(shipped):
    """LIX ≤ 35 for what the answer says in words; the resources' official names and web addresses are
    catalogue data the answer must repeat (so the person can find them) and would dominate a short answer."""
    import re

    from tests.support.lix import lix

    names = sorted({r.name for r in shipped.resources} | {s.name for s in shipped.services.values() if s.name},
                   key=len, reverse=True)
    address = re.compile(r"\S+\.(?:se|org|nu|com)\S*")
    keys = [r.id for r in shipped.resources if not r.is_local and not r.emergency] + [
        f"local:{s}" for s in shipped.services]
    hard = {}
    for key in keys:
        for topic in [t for t in followup.TOPICS if t != followup.HOURS]:
            for kommun in (None, *(m.id for m in shipped.municipalities)):
                reply = followup.answer(shipped, [topic], [key], "child", kommun)
                text = address.sub("", reply.text)
                for name in names:
                    text = text.replace(name, "")
                if lix(text) > 35:
                    hard[(topic, key, kommun)] = round(lix(text), 1)
    assert not hard, hard
