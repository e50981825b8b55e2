"""Patches of Rasa internals refuse a Rasa they were not written for (rasa_wing/compat.py): one log
line, Rasa untouched, never half applied; and they can be taken out again."""
import inspect
import logging

import pytest

from rasa_wing import compat, speedups
from rasa_wing.compat import Target


def other_rasa(monkeypatch, version="3.7.0"):
    tested = compat.installed_version
    monkeypatch.setattr(compat, "installed_version", lambda package: version if package == "rasa" else tested(package))


def members():
    """Every member the fixes replace or rely on, as it is now (raw: a staticmethod stays one)."""
    return {(t.owner, t.name): inspect.getattr_static(t.owner, t.name)
            for patch in speedups.PATCHES for t in patch.targets()}


@pytest.fixture
def stock_rasa():
    speedups.uninstall()
    yield members()
    speedups.uninstall()


def same(before, after):
    return before.keys() == after.keys() and all(after[k] is v for k, v in before.items())


def test_outside_the_fixture_tests_see_stock_rasa(stock_rasa):
    for (owner, name), value in stock_rasa.items():
        module = getattr(getattr(value, "__func__", value), "__module__", None)
        assert module is None or not module.startswith("bot."), (owner, name)


def test_another_rasa_version_gets_no_fix_and_one_log_line(stock_rasa, monkeypatch, caplog):
    other_rasa(monkeypatch)
    caplog.set_level(logging.DEBUG, logger="rasa_wing")
    assert speedups.install() == []
    assert same(stock_rasa, members())
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    line = caplog.records[0].getMessage()
    assert "3.7.0" in line and "3.6.21" in line and "Rasas eget beteende gäller" in line
    assert speedups.install() == [] and len(caplog.records) == 1  # still nothing, and no second line


def test_a_changed_member_leaves_out_only_its_fix(stock_rasa, monkeypatch, caplog):
    from rasa.shared.core.domain import Domain

    def is_empty(self, strict):  # as if Rasa had changed the signature
        return False

    monkeypatch.setattr(Domain, "is_empty", is_empty)
    caplog.set_level(logging.WARNING, logger="rasa_wing")
    applied = speedups.install()
    assert "Domain.is_empty sparas" not in applied and len(applied) == len(speedups.PATCHES) - 1
    assert Domain.is_empty is is_empty  # untouched
    assert len(caplog.records) == 1 and "Domain.is_empty har parametrarna (self, strict)" in caplog.text


def test_a_fix_is_applied_all_or_nothing(stock_rasa, monkeypatch, caplog):
    class Owner:
        def first(self):
            return "rasa"

    def replacements():
        return [(Owner, "first", lambda self: "ours"), (Owner, "second", lambda self: "ours")]

    both = speedups._Patch("Två ersättningar", lambda: [Target(Owner, "first", ("self",)),
                                                       Target(Owner, "second", ("self",))], replacements)
    unchecked = speedups._Patch("Okontrollerad", lambda: [Target(Owner, "first", ("self",))], replacements)
    monkeypatch.setattr(speedups, "PATCHES", (both, unchecked))
    assert speedups.install() == []
    assert Owner().first() == "rasa" and not hasattr(Owner, "second")
    assert "Owner.second finns inte" in caplog.text and "ersätter second utan att kontrollera det" in caplog.text


def test_uninstall_puts_rasas_own_members_back(stock_rasa):
    from rasa.shared.core.events import Event

    assert speedups.install()
    assert not same(stock_rasa, members())
    speedups.uninstall()
    assert same(stock_rasa, members())
    assert isinstance(inspect.getattr_static(Event, "resolve_by_type"), staticmethod)


@pytest.mark.parametrize("target, problem", [
    (Target(compat, "no_such_member"), "finns inte"),
    (Target(compat, "TESTED", kind=list), "av typen dict"),
    (Target(compat, "refuse", ("what",)), "har parametrarna (what, reason), inte (what)"),
    (Target(compat, "refuse", ("what", "reason")), None),
])
def test_a_target_names_what_differs(target, problem):
    found = target.problem()
    assert found == problem if problem is None else problem in found


@pytest.mark.parametrize("value, off", [(None, False), ("1", False), ("ja", False), ("0", True), ("false", True),
                                        (" OFF ", True), ("nej", True)])
def test_the_switch_refuses_every_patch(monkeypatch, value, off):
    """STODLOTSEN_SPEEDUPS=0 is stock Rasa with our components (the benchmark's comparison)."""
    if value is None:
        monkeypatch.delenv(compat.SWITCH, raising=False)
    else:
        monkeypatch.setenv(compat.SWITCH, value)
    assert (compat.switched_off() is not None) is off
    assert (compat.refusal() is not None) is off
    if off:
        assert compat.refusal().startswith("STODLOTSEN_SPEEDUPS=")
