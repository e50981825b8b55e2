"""Adversarial texts of 5 000 characters for the scrub patterns: long runs that a pattern could
try again and again from every position (tests/domain/test_privacy.py runs them; tools/bench.py times them)."""
from __future__ import annotations

LENGTH = 5000


def _fill(piece: str, tail: str = "") -> str:
    return (piece * (LENGTH // len(piece) + 1))[: LENGTH - len(tail)] + tail


def adversarial() -> dict[str, str]:
    """name -> text, each exactly LENGTH characters."""
    return {
        "letters then @": _fill("a", " @ x"),
        "dots then @": _fill("a.", "@x"),
        "words then at": _fill("kalle ", "at x"),
        "at at at": _fill("at "),
        "@ everywhere": _fill("a@"),
        "label dots": _fill("a@b.", "c"),
        "digits": _fill("1"),
        "digits and spaces": _fill("1 "),
        "digits and dashes": _fill("0-"),
        "zeros and dots": _fill("0.", "x"),
        "capital words": _fill("Ab "),
        "capital words then number": _fill("Storgatan Storgatan ", "x"),
        "street words": _fill("gatan "),
        "street without number": _fill("Agatan a"),
        "letters before digit": _fill("a", "1"),
        "heter heter": _fill("heter "),
        "jag är Kalle": _fill("jag är Kalle "),
        "min kompis": _fill("min kompis "),
        "slashes": _fill("/ "),
        "lgh": _fill("A 1 lgh "),
        "bor på": _fill("bor på A "),
    }
