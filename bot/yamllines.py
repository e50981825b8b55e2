"""YAML that remembers where things are: the data, plus the line of every key and list item.

Catalogue errors must point staff to `resources.yml:42`, so the file is composed into PyYAML's
node tree (which carries line marks) and converted by hand. Problems that PyYAML would hide or
stop at are collected instead, all of them, with their line:

* a key written twice in the same block (PyYAML silently keeps the last one),
* tab characters in the indentation,
* a syntax error (reported with its line and a Swedish hint; nothing after it can be read).

Dates stay text, so an impossible date such as 2025-13-40 is reported by the schema, with its line,
instead of crashing the YAML parser. Nothing here knows about the catalogue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import yaml

Path = Tuple[Any, ...]  # ("resources", 3, "phone")

_LEADING_TAB = re.compile(r"^[ ]*\t")


@dataclass(frozen=True)
class YamlProblem:
    line: int  # 1-based
    message: str  # Swedish, for staff


@dataclass
class Document:
    data: Any
    lines: Dict[Path, int] = field(default_factory=dict)  # 1-based line of each key / list item
    problems: List[YamlProblem] = field(default_factory=list)

    def line(self, path: Path) -> int | None:
        """The line of *path*, or of its closest ancestor that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text (the schema validates dates)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))

# PyYAML's problems (English) → what a non-programmer should do, in Swedish.
_HINTS = (
    ("'\\t'", "tabbtecken – använd mellanslag för indrag, aldrig tabb"),
    ("mapping values are not allowed", "ett kolon (:) på fel ställe – sätt texten inom citattecken \"…\" "
     "om den innehåller kolon, eller kontrollera indraget"),
    ("could not find expected ':'", "ett kolon (:) saknas efter fältnamnet, eller indraget är fel"),
    ("found unexpected end of stream", "ett citattecken eller en hakparentes stängs aldrig"),
    ("expected the node content", "en lista [ … ] eller { … } stängs aldrig, eller ett värde saknas"),
    ("did not find expected key", "indraget stämmer inte – rader på samma nivå ska börja i samma kolumn"),
    ("did not find expected node content", "ett värde saknas eller står på fel ställe"),
    ("did not find expected ',' or ']'", "en lista [ … ] är inte rätt avslutad – kontrollera kommatecken och ]"),
    ("did not find expected ',' or '}'", "en { … } är inte rätt avslutad – kontrollera kommatecken och }"),
    ("found character '%'", "ett värde får inte börja med % – sätt det inom citattecken"),
    ("found character '@'", "ett värde får inte börja med @ – sätt det inom citattecken"),
    ("found character '`'", "ett värde får inte börja med ` – sätt det inom citattecken"),
    ("found undefined alias", "ett värde får inte börja med * – sätt det inom citattecken"),
    ("expected alphabetic or numeric character", "ett värde får inte börja med & eller * – sätt det inom citattecken"),
    ("block sequence entries are not allowed", "en listrad (-) står på fel ställe – kontrollera indraget"),
    ("expected <block end>", "indraget stämmer inte – rader på samma nivå ska börja i samma kolumn"),
    ("found unknown escape character", "ett \\ inom \"…\" – skriv \\\\ eller använd enkla citattecken '…'"),
)


def _hint(error: yaml.MarkedYAMLError) -> str:
    text = f"{error.context or ''} {error.problem or ''}"
    for needle, hint in _HINTS:
        if needle in text:
            return hint
    return "filen kan inte läsas här – kontrollera indrag, kolon och citattecken"


def _error_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def _key_text(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return None  # complex keys are not used in the catalogue; the schema reports the odd value


def load(text: str) -> Document:
    """Parse *text*; never raises for bad YAML – the problems are in `Document.problems`."""
    problems = [
        YamlProblem(n, "tabbtecken i indraget – använd mellanslag, aldrig tabb")
        for n, line in enumerate(text.splitlines(), start=1)
        if _LEADING_TAB.match(line)
    ]
    if problems:
        text = _untab(text)  # reported above; read on so every other fault is reported in the same run
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, problems=problems)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        line = _error_line(e)
        if not any(p.line == line for p in problems):
            problems.append(YamlProblem(line, f"filen är inte giltig YAML här: {_hint(e)}"))
        return Document(None, problems=sorted(problems, key=lambda p: p.line))
    except (yaml.YAMLError, ValueError, TypeError) as e:  # e.g. an unhashable key
        problems.append(YamlProblem(_error_line(e) if isinstance(e, yaml.YAMLError) else 1,
                                    "filen är inte giltig YAML: kontrollera indrag, kolon och citattecken"))
        return Document(None, problems=problems)
    finally:
        loader.dispose()
    doc = Document(data, problems=problems)
    _index(node, (), doc)
    doc.problems.sort(key=lambda p: p.line)
    return doc


def _untab(text: str) -> str:
    """Replace a tab-indented line's indentation by that of the line above (the usual intent)."""
    out: List[str] = []
    indent = ""
    for line in text.split("\n"):
        if _LEADING_TAB.match(line):
            line = indent + line.lstrip(" \t")
        elif line.strip():
            indent = line[: len(line) - len(line.lstrip(" "))]
        out.append(line)
    return "\n".join(out)


def _index(node: yaml.Node, path: Path, doc: Document) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: Dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                doc.problems.append(YamlProblem(
                    line, f"'{key}' står två gånger (först på rad {seen[key]}) – ta bort den ena, "
                          "annars gäller bara den sista"))
                continue
            seen[key] = line
            doc.lines[path + (key,)] = line
            _index(value_node, path + (key,), doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            doc.lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), doc)
