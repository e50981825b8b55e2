"""One conversation, any instance: two Rasa instances behind nginx, sharing PostgreSQL and Redis
(tools/cluster.py). The turns of a conversation land on either instance, in any order, even at the
same moment, and the replies and the stored events are exactly those of one instance."""
import json
import threading
import uuid

import pytest
import sqlalchemy as sa
import yaml

from bot import storage
from tests.conftest import ROOT
from tests.support.markers import reply_text

CASES = yaml.safe_load((ROOT / "tests" / "conversation_cases.yml").read_text(encoding="utf-8"))
# Every crisis case and the rest of every tenth: the conversation state and the crisis state.
SAMPLE = [c for i, c in enumerate(CASES) if c.get("crisis") or i % 10 == 0]
TOO_FAST = "snabbare än jag hinner läsa"  # bot/fallback.too_fast_reply
VOLATILE = {"timestamp", "message_id"}  # differ between any two runs, one instance or two


def talk(servers, sender, turns):
    """Send *turns* one after the other, turn i to servers[i % len(servers)]; the reply texts."""
    replies = []
    for i, turn in enumerate(turns):
        status, messages = servers[i % len(servers)].send(sender, turn)
        assert status == 200
        replies.append(reply_text(messages))
    return replies


def stored(cluster, sender):
    """The conversation's stored events, in order, without what differs between runs anyway."""
    engine = sa.create_engine(cluster.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, intent_name, action_name, data FROM events "
                                    "WHERE sender_id = :s ORDER BY id"),
                            {"s": storage.hash_sender(sender, cluster.key.encode())}).fetchall()
    engine.dispose()

    def stable(data):
        if isinstance(data, dict):
            return {k: stable(v) for k, v in data.items() if k not in VOLATILE}
        return [stable(v) for v in data] if isinstance(data, list) else data

    return [(t, i, a, stable(json.loads(d))) for t, i, a, d in rows]


@pytest.mark.parametrize("case", SAMPLE, ids=[c["id"] for c in SAMPLE])
def test_turns_on_alternating_instances_give_what_one_instance_gives(cluster, case):
    one, two = cluster.instances
    alone, spread = f"kl-ett-{uuid.uuid4().hex[:8]}", f"kl-tva-{uuid.uuid4().hex[:8]}"
    expected = talk([one], alone, case["turns"])
    assert talk([two, one], spread, case["turns"]) == expected
    assert stored(cluster, spread) == stored(cluster, alone)
    assert len([e for e in stored(cluster, spread) if e[0] == "user"]) == len(case["turns"])


def test_the_crisis_state_follows_the_conversation_to_the_other_instance(cluster):
    one, two = cluster.instances
    sender = f"kl-kris-{uuid.uuid4().hex[:8]}"
    first = talk([one], sender, ["jag vill inte leva längre"])[0]
    assert "112" in first and "90101" in first
    later = talk([two, one, two], sender, ["ok", "förresten, finns det nån fritidsgård här", "tack hej då"])
    assert all("90101" in r for r in later), later


def _at_once(servers, sender, texts):
    """Send every text at the same moment, text i to servers[i % len(servers)]; the replies."""
    replies = [None] * len(texts)
    start = threading.Barrier(len(texts))

    def send(i):
        start.wait()
        replies[i] = servers[i % len(servers)].send(sender, texts[i], timeout=60)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def test_concurrent_messages_of_one_conversation_are_handled_one_at_a_time(cluster):
    """Six messages of one conversation at the same moment, three on each instance: each gets its
    own answer and the stored conversation is six whole turns, one after the other."""
    sender = f"kl-samtidigt-{uuid.uuid4().hex[:8]}"
    texts = ["min pappa slår mig", "är det anonymt?", "kostar det något?", "hjälp", "jag bor i kungälv", "tack"]
    replies = _at_once(cluster.instances, sender, texts)
    assert all(status == 200 and reply_text(messages) for status, messages in replies), replies
    assert not any("tekniskt fel" in reply_text(m) or TOO_FAST in reply_text(m) for _, m in replies)
    kinds = [(t, a) for t, _, a, _ in stored(cluster, sender) if t in ("user", "action")]
    users = [i for i, (t, _) in enumerate(kinds) if t == "user"]
    assert len(users) == 6
    for i, j in zip(users, users[1:], strict=False):  # every turn ends (action_listen) before the next begins
        assert ("action", "action_listen") in kinds[i + 1:j], kinds


def test_the_rate_limit_holds_across_instances(cluster):
    """Burst 10, then 2 a second (rasa_wing/channels/rest.py), per sender over every instance: with an
    allowance per instance, 16 messages at once spread over two would all have got through."""
    sender = f"kl-takt-{uuid.uuid4().hex[:8]}"
    replies = _at_once(cluster.instances, sender, ["hej"] * 16)
    too_fast = sum(TOO_FAST in reply_text(messages) for _, messages in replies)
    assert all(status == 200 for status, _ in replies)
    assert 4 <= too_fast <= 6, too_fast  # 10 at once, and at most a refill of 2 while they were sent


def test_a_catalogue_edit_reaches_every_instance(cluster):
    original = cluster.catalogue.read_text(encoding="utf-8")
    before = "Hos Bris kan du prata med en vuxen om allt."
    after = "Hos Bris kan du prata med en vuxen om allt som händer."
    assert before in original
    try:
        cluster.catalogue.write_text(original.replace(before, after), encoding="utf-8")
        for server in cluster.instances:
            reply = reply_text(server.send(f"kl-katalog-{uuid.uuid4().hex[:8]}", "alla i klassen är elaka mot mig")[1])
            assert after in reply, reply
    finally:
        cluster.catalogue.write_text(original, encoding="utf-8")


def test_one_key_for_the_pseudonymous_ids_on_every_instance(cluster):
    one, two = cluster.instances
    sender = f"kl-nyckel-{uuid.uuid4().hex[:8]}"
    talk([one, two], sender, ["mamma dricker varje kväll", "är det gratis?"])
    engine = sa.create_engine(cluster.database_url)
    with engine.connect() as conn:
        ids = {row[0] for row in conn.execute(sa.text("SELECT DISTINCT sender_id FROM events"))}
    engine.dispose()
    assert storage.hash_sender(sender, cluster.key.encode()) in ids
    assert not any(sender in i for i in ids)


def test_the_lagesbild_counts_every_instance_once(cluster):
    """Both instances add to one counters' table in the shared database (bot/count_store.py: n = n + k):
    three conversations of two turns, each turn on the other instance, count three started, three
    continued and six replies – not per instance, not twice."""
    import time

    from bot import counts

    def totals():
        engine = sa.create_engine(cluster.database_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT kind, sum(n) FROM lagesbild GROUP BY kind")).fetchall()
        engine.dispose()
        return {kind: int(n) for kind, n in rows}

    before, still = totals(), 0
    while still < 3:  # what earlier tests counted is stored every half second: wait until nothing more comes
        time.sleep(0.5)
        now = totals()
        still = still + 1 if now == before else 0
        before = now
    for _ in range(3):
        talk(list(reversed(cluster.instances)), f"kl-lagesbild-{uuid.uuid4().hex[:8]}",
             ["alla i klassen är elaka mot mig", "är det gratis?"])
    deadline = time.monotonic() + 30
    grown = {}
    while time.monotonic() < deadline:  # the counters are stored every half second (tools/botserver.py)
        after = totals()
        grown = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        if grown.get(counts.REPLY, 0) >= 6 and grown.get(counts.CONVERSATION_CONTINUED, 0) >= 3:
            break
        time.sleep(0.5)
    assert grown.get(counts.CONVERSATION_STARTED) == 3, grown
    assert grown.get(counts.CONVERSATION_CONTINUED) == 3, grown
    assert grown.get(counts.REPLY) == 6, grown
