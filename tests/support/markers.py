"""What counts as "the reply names resource X" in our end-to-end routing cases.

Matched on the lower-cased text of every message of the reply, button titles included.
"""
import re

MARKERS = {
    "akut": r"(?<!\d)112(?!\d)",
    "bris": r"116[\s-]?111",
    "bris_vuxen": r"077[\s-]*150[\s-]*50[\s-]*50",
    "tips_polis": r"114[\s-]?14",
    "orosanmalan": r"orosanm[äa]l",
    "familjestod": r"familjest[öo]d|familjebehandl|f[öo]r[äa]ldrast[öo]d|st[öo]d till famil",
    "sjalvmord": r"90[\s-]?101",
    "kvinnofrid": r"020[\s-]*50[\s-]*50[\s-]*50|kvinnofridslinjen",
    "kvinnojour": r"kvinnojour|tjejjour",
    "krisinfo": r"lilla krisinfo|lilla\.krisinformation",
    "umo": r"\bumo\b|umo\.se|ungdomsmottagning",
    "maskros": r"maskrosbarn",
    "fritid": r"fritidsg[åa]rd|f[äa]ltare|f[äa]ltarbet",
    "sspf": r"\bsspf\b",
    "vard": r"\b1177\b|\bbup\b",
    "anonym": r"anonym",
    "plikt": r"skyldig|anm[äa]lningsplikt",
}
NOT_RESOURCES = {"akut", "anonym", "plikt"}
_COMPILED = {k: re.compile(v, re.IGNORECASE) for k, v in MARKERS.items()}


def reply_text(messages):
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        parts.extend(b.get("title", "") for b in m.get("buttons") or [])
    return "\n".join(parts).replace("\u00a0", " ")


def found(text):
    return {k for k, rx in _COMPILED.items() if rx.search(text)}


def problems(case, names, cap=3):
    """Why a reply naming *names* fails *case*; empty when it passes."""
    why = []
    missing = [m for m in case.get("all", []) if m not in names]
    if missing:
        why.append("saknar " + ",".join(missing))
    if case.get("any") and not names & set(case["any"]):
        why.append("ingen av " + ",".join(case["any"]))
    wrong = [m for m in case.get("none", []) if m in names]
    if wrong:
        why.append("nämner " + ",".join(wrong))
    resources = names - NOT_RESOURCES
    if len(resources) > case.get("cap", cap):
        why.append(f"{len(resources)} resurser")
    return why


def check_cases(name, cases, last_reply, min_pass):
    """Send every case (its `turns`, or its `text`) and judge the last reply: every crisis case must pass,
    and at least *min_pass* of all. *last_reply(turns)* returns the last reply's text."""
    failures, crisis_failures = [], []
    for case in cases:
        text = last_reply(case.get("turns") or [case["text"]])
        why = problems(case, found(text)) or ([] if text.strip() else ["tomt svar"])
        if why:
            line = f"{case['id']}: {'; '.join(why)} | {text[:200]!r}"
            failures.append(line)
            if case.get("crisis"):
                crisis_failures.append(line)
    passed = len(cases) - len(failures)
    print(f"\n{name}: {passed}/{len(cases)} ({100 * passed / len(cases):.1f} %)")
    print("\n".join(failures))
    assert not crisis_failures, "crisis cases must all pass:\n" + "\n".join(crisis_failures)
    assert passed / len(cases) >= min_pass, "\n".join(failures)
