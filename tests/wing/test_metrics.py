"""rasa_wing.metrics: the Prometheus endpoint listens on loopback only and counts what went wrong (in-process;
the running bot with its action server stopped: tests/e2e/test_fault_actions_down.py)."""
import asyncio
import urllib.request

import pytest
from prometheus_client import REGISTRY

from bot import catalogue_store
from rasa_wing import metrics
from rasa_wing.channels.rest import SafeRestInput
from tests.support.catalogue_edits import SHIPPED, bump
from tests.wing.test_rest_channel import CRISIS, NEED, failing, hanging, normal, silent


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("handler,reason", [(silent, "no_reply"), (failing, "error"), (hanging, "timeout")])
def test_each_safe_static_reply_is_counted_with_its_reason(handler, reason):
    before = value("stodlotsen_static_replies_total", reason=reason)
    asyncio.run(SafeRestInput(reply_timeout=0.2).reply(handler, NEED))
    assert value("stodlotsen_static_replies_total", reason=reason) == before + 1
    normal_before = sum(value("stodlotsen_static_replies_total", reason=r) for r in metrics.STATIC_REASONS)
    asyncio.run(SafeRestInput(reply_timeout=5).reply(normal, NEED))
    assert sum(value("stodlotsen_static_replies_total", reason=r) for r in metrics.STATIC_REASONS) == normal_before


def test_a_crisis_is_counted_by_its_kind_only():
    before = value("stodlotsen_crisis_messages_total", kind="suicidal")
    metrics.crisis({"text": CRISIS.text, "crisis": {"kind": "suicidal", "rule": "r1"}})
    metrics.crisis({"text": "hej", "crisis": {"kind": None}})
    assert value("stodlotsen_crisis_messages_total", kind="suicidal") == before + 1


def test_catalogue_reloads_and_refused_edits_are_counted(tmp_path):
    path = tmp_path / "resources.yml"
    bump(path, SHIPPED)
    catalogue_store.current(path)
    reloads, errors = value("stodlotsen_catalogue_reloads_total"), value("stodlotsen_catalogue_reload_errors_total")
    bump(path, SHIPPED.replace("name: Bris", "name: Bris ", 1))
    catalogue_store.current(path)
    bump(path, SHIPPED + "\n\ttabb: fel\n")
    catalogue_store.current(path)
    assert value("stodlotsen_catalogue_reloads_total") == reloads + 1
    assert value("stodlotsen_catalogue_reload_errors_total") == errors + 1


def test_the_endpoint_listens_on_loopback_only(monkeypatch):
    monkeypatch.setenv(metrics.PORT_ENV, "0")
    assert metrics.serve() is None  # 0: off
    port = metrics.serve(on=_free_port())
    assert metrics._state["server"].server_address[0] == "127.0.0.1"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    assert 'stodlotsen_static_replies_total{reason="no_reply"}' in text and "stodlotsen_catalogue_reloads_total" in text
    assert metrics.serve(on=_free_port()) == port  # once per process


def test_a_wrong_port_setting_turns_the_metrics_off(monkeypatch, caplog):
    monkeypatch.setenv(metrics.PORT_ENV, "nio")
    assert metrics.port() == 0 and "portnummer" in caplog.text
    monkeypatch.setenv(metrics.PORT_ENV, "70000")
    assert metrics.port() == 0
    monkeypatch.delenv(metrics.PORT_ENV)
    assert metrics.port() == metrics.DEFAULT_PORT


def _free_port():
    from tools.botserver import free_port

    return free_port()
