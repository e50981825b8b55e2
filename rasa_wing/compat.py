"""Code that reaches into Rasa's private parts works only on the Rasa it was written for.

Every such place (the hot-path patches in `speedups`, `BoundedRulePolicy`, the tracker store and
its event writer, the REST channel's action timeout, the lock store, the action server's input
check) names what it relies on as `Target`s: a member of a Rasa module or class, with the
parameters it has in the tested version. Before it changes anything it asks `refusal(...)`: the
installed version and every target are checked first. Only when all match does it apply its change,
all of it; otherwise `refuse` writes one line in the log and Rasa's own behaviour stays.

`STODLOTSEN_SPEEDUPS=0` refuses every one of them the same way: Rasa as shipped, with our own
components (the benchmark's stock-Rasa comparison, and a way to rule our changes out).

`Patches` makes attribute replacements that can be undone (tests install the speedups in a fixture
and take them out again, so other tests see stock Rasa).
"""
from __future__ import annotations

import inspect
import logging
import os
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Iterable, List, Tuple

logger = logging.getLogger(__name__)

#: The versions this code was written and tested for.
TESTED = {"rasa": "3.6.21", "rasa_sdk": "3.6.2"}
#: Set to 0 (false, no, off, nej) to refuse every patch.
SWITCH = "STODLOTSEN_SPEEDUPS"
_MISSING = object()


def installed_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class Target:
    """A member of Rasa that a patch replaces or relies on, as in the tested version.

    *parameters*: the parameter names of the function (or of the class's constructor), checked
    when given; *kind*: the type the value must have (e.g. a module, a number), checked when given.
    """

    owner: Any  # a module or a class
    name: str
    parameters: Tuple[str, ...] | None = None
    kind: type | Tuple[type, ...] | None = None

    @property
    def label(self) -> str:
        return f"{getattr(self.owner, '__qualname__', None) or getattr(self.owner, '__name__', self.owner)}.{self.name}"

    def problem(self) -> str | None:
        """What is different from the tested version; None when nothing is."""
        value = getattr(self.owner, self.name, _MISSING)
        if value is _MISSING:
            return f"{self.label} finns inte"
        if self.kind is not None and not isinstance(value, self.kind):
            return f"{self.label} är av typen {type(value).__name__}"
        if self.parameters is not None:
            try:
                found = tuple(inspect.signature(value).parameters)
            except (TypeError, ValueError):
                return f"{self.label} har ingen läsbar signatur"
            if found != self.parameters:
                return f"{self.label} har parametrarna ({', '.join(found)}), inte ({', '.join(self.parameters)})"
        return None


def untested_version(package: str = "rasa") -> str | None:
    """Why the installed *package* is not the tested one; None when it is."""
    found = installed_version(package)
    if found == TESTED[package]:
        return None
    return f"{package} {found or '(saknas)'} är installerat, koden är skriven för {TESTED[package]}"


def switched_off(environ: dict | None = None) -> str | None:
    """Why the patches are switched off by STODLOTSEN_SPEEDUPS; None when they are not."""
    value = (environ if environ is not None else os.environ).get(SWITCH, "1")
    if value.strip().lower() in ("0", "false", "no", "off", "nej"):
        return f"{SWITCH}={value.strip()}"
    return None


def refusal(targets: Iterable[Target] = (), packages: Iterable[str] = ("rasa",)) -> str | None:
    """The first reason not to apply a patch (the switch, version, then targets); None when it may be applied."""
    off = switched_off()
    if off:
        return off
    for package in packages:
        reason = untested_version(package)
        if reason:
            return reason
    return next((p for p in (t.problem() for t in targets) if p), None)


def refuse(what: str, reason: str) -> None:
    """The one log line that says a patch is not applied, and why."""
    logger.warning("%s används inte: %s. Rasas eget beteende gäller.", what, reason)


class Patches:
    """Attribute replacements that can be undone, in the reverse order they were made."""

    def __init__(self) -> None:
        self.names: List[str] = []  # the patches applied
        self._originals: List[Tuple[Any, str, Any]] = []

    def apply(self, name: str, replacements: Iterable[Tuple[Any, str, Any]]) -> None:
        """Make all of one patch's replacements: (owner, attribute, new value)."""
        for owner, attribute, value in replacements:
            # the raw attribute (a staticmethod stays a staticmethod); _MISSING when it was inherited
            self._originals.append((owner, attribute, vars(owner).get(attribute, _MISSING)))
            setattr(owner, attribute, value)
        self.names.append(name)

    def undo(self) -> None:
        self.names.clear()
        while self._originals:
            owner, name, original = self._originals.pop()
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
