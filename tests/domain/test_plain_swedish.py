"""Child-facing text is short and easy: LIX ≤ 35 for every text a child can see."""
import pytest
import yaml

from bot.replies import compose
from tests.conftest import ROOT, at
from tests.support.lix import lix

MAX_LIX = 35
NOON = at("2026-11-24 12:00")


def child_texts(cat):
    """Every catalogue text written for children, with where it comes from."""
    for r in cat.resources:
        if r.about.child:
            yield f"resources.{r.id}.about.child", r.about.child
    for key, service in cat.services.items():
        if service.generic.child:
            yield f"services.{key}.generic.child", service.generic.child
    for need_id, need in cat.needs.items():
        if need.text.child:
            yield f"needs.{need_id}.text.child", need.text.child
        for answer in need.answers:
            if answer.text.child:
                yield f"needs.{need_id}.answers.{answer.id}.child", answer.text.child
        if need.ask and need.ask.text.child:
            yield f"needs.{need_id}.ask.child", need.ask.text.child
    owners = [(f"resources.{r.id}", r.details) for r in cat.resources]
    owners += [(f"services.{key}", s.details) for key, s in cat.services.items()]
    for where, details in owners:
        for name, detail in details.items() if details else []:
            if detail.child:
                yield f"{where}.details.{name}.child", detail.child
    yield from _conversation_child_texts(cat.conversation, "conversation")


def _conversation_child_texts(section, where):
    for name in section.__fields__:
        value = getattr(section, name)
        if value is None:  # an optional text the catalogue leaves out
            continue
        if hasattr(value, "for_reader"):
            if value.child:
                yield f"{where}.{name}.child", value.child
        else:
            yield from _conversation_child_texts(value, f"{where}.{name}")


def domain_texts():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for v in variants:
            yield f"domain.{name}", v["text"]


def test_lix_scores_hard_text_higher_than_easy_text():
    easy = "Det är inte ditt fel. Du kan ringa oss. Vi lyssnar."
    hard = "Socialtjänstens utredningsverksamhet genomför kvalificerade bedömningar avseende vårdnadshavarnas omsorgsförmåga."
    assert lix(easy) < 20 < 60 < lix(hard)
    assert lix("") == 0


def test_every_child_text_in_the_catalogue_is_easy(shipped):
    texts = list(child_texts(shipped))
    assert len(texts) >= 20
    hard = {where: round(lix(t), 1) for where, t in texts if lix(t) > MAX_LIX}
    assert not hard, f"LIX över {MAX_LIX}: {hard}"


def test_every_small_talk_response_is_easy():
    hard = {where: round(lix(t), 1) for where, t in domain_texts() if lix(t) > MAX_LIX}
    assert not hard, f"LIX över {MAX_LIX}: {hard}"


@pytest.mark.parametrize("municipality_id", [None, "katrineholm", "nykoping", "soderhamn", "kungalv"])
def test_every_whole_reply_to_a_child_is_easy(shipped, municipality_id):
    for need_id in shipped.needs:
        reply = compose(shipped, need_id, audience="child", municipality_id=municipality_id, now=NOON)
        score = lix(reply.text)
        assert score <= MAX_LIX, f"{need_id} ({municipality_id}): LIX {score:.1f}\n{reply.text}"
