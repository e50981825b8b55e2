"""YAML that remembers where things are and keeps every value as it was written.

Catalogue errors must point staff to `resources.yml:42`, so the file is composed into ruamel.yaml's
node tree (YAML 1.2, with line marks) and converted here:

* A value is kept as written. `phone: 027075000` stays the text "027075000": no value is ever turned
  into a number (YAML 1.1 reads that as octal 6060544, YAML 1.2 as 27075000). Only `true`/`false`
  and `null`/`~` are read as such; the schema converts "17" where it wants a number. Which values
  were written without quotes is kept (`Document.unquoted`), so the catalogue can insist on quotes
  where a number is meant.
* A key written twice in the same block is reported (YAML would silently keep the last one).
* A syntax error is reported alone, at its line, with a Swedish hint: a tab in the indentation, a
  quote that is never closed (at the line where it is missing, not where the parser gives up).
  Nothing after it is read, so no follow-on errors are shown.

Nothing here knows about the catalogue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple, cast

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = Tuple[Any, ...]  # ("resources", 3, "phone")

_LEADING_TAB = re.compile(r"^[ ]*\t")
_NEW_KEY = re.compile(r"^\s*(?:-\s+)?[\w.-]+:(?:\s|$)|^\s*-\s")  # "  phone: …", "  - id: …", "  - …"
_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class YamlProblem:
    line: int  # 1-based
    message: str  # Swedish, for staff


@dataclass(frozen=True)
class Scalar:
    """A value written without quotes: where it is and its text as written."""

    line: int  # 1-based
    start: int  # 0-based columns on that line (end exclusive); only meaningful on one line
    end: int
    text: str


@dataclass
class Document:
    data: Any
    lines: Dict[Path, int] = field(default_factory=dict)  # 1-based line of each key / list item
    problems: List[YamlProblem] = field(default_factory=list)
    unquoted: Dict[Path, Scalar] = field(default_factory=dict)  # values written without quotes (not null)
    source: List[str] = field(default_factory=list)  # the file's lines, to quote them in messages

    def line(self, path: Path) -> int | None:
        """The line of *path*, or of its closest ancestor that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


# The parser's problems (English) → what a non-programmer should do, in Swedish.
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
    ("expected ',' or ']'", "en lista [ … ] är inte rätt avslutad – kontrollera kommatecken och ]"),
    ("did not find expected ',' or '}'", "en { … } är inte rätt avslutad – kontrollera kommatecken och }"),
    ("expected ',' or '}'", "en { … } är inte rätt avslutad – kontrollera kommatecken och }"),
    ("found character '%'", "ett värde får inte börja med % – sätt det inom citattecken"),
    ("found character '@'", "ett värde får inte börja med @ – sätt det inom citattecken"),
    ("found character '`'", "ett värde får inte börja med ` – sätt det inom citattecken"),
    ("found undefined alias", "ett värde får inte börja med * – sätt det inom citattecken"),
    ("expected alphabetic or numeric character", "ett värde får inte börja med & eller * – sätt det inom citattecken"),
    ("block sequence entries are not allowed", "en listrad (-) står på fel ställe – kontrollera indraget"),
    ("expected <block end>", "indraget stämmer inte – rader på samma nivå ska börja i samma kolumn"),
    ("found unknown escape character", "ett \\ inom \"…\" – skriv \\\\ eller använd enkla citattecken '…'"),
)
_NOT_CLOSED = ("ett citattecken saknas: texten som börjar med {quote} på den här raden stängs aldrig – "
               "sätt {quote} sist i texten, på samma rad")


def _yaml() -> YAML:
    return YAML(typ="safe", pure=True)


def round_trip() -> YAML:
    """ruamel.yaml for editing a file in place: loaded and written back, everything not changed stays as it was
    written (comments, order, quotes, flow or block style, `null`); long lines are not wrapped."""
    y: Any = YAML(typ="rt")  # its attributes are typed as None in ruamel's own annotations
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.add_representer(type(None), lambda r, _d: r.represent_scalar(_TAG + "null", "null"))
    return y


def _hint(error: MarkedYAMLError) -> str:
    text = f"{error.context or ''} {error.problem or ''}"
    for needle, hint in _HINTS:
        if needle in text:
            return hint
    return "filen kan inte läsas här – kontrollera indrag, kolon och citattecken"


def _error_line(error: YAMLError) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else 1


def _runs_over_a_key(start: int, end: int, lines: List[str]) -> bool:
    """A quoted text from line *start* to *end* (0-based) that swallowed a line looking like a new field."""
    return any(_NEW_KEY.match(lines[n]) for n in range(start + 1, min(end, len(lines) - 1) + 1))


def _unclosed_quote(text: str, lines: List[str], error: MarkedYAMLError) -> YamlProblem | None:
    """Where a quote that is never closed starts, if that is what broke the file."""
    if "while scanning a quoted scalar" in (error.context or "") and error.context_mark is not None:
        n = error.context_mark.line
        return YamlProblem(n + 1, _NOT_CLOSED.format(quote=lines[n][error.context_mark.column]))
    try:
        for token in _yaml().scan(text):
            style = getattr(token, "style", None)
            if style in ('"', "'") and _runs_over_a_key(token.start_mark.line, token.end_mark.line, lines):
                return YamlProblem(token.start_mark.line + 1, _NOT_CLOSED.format(quote=style))
    except YAMLError:
        pass  # the scan stops at the same error; only the tokens before it matter
    n = _error_line(error)
    if 0 < n <= len(lines) and _odd_quotes(lines[n - 1]):
        return YamlProblem(n, "ett citattecken saknas på den här raden – en text inom \"…\" behöver ett \" först "
                              "och ett sist")
    return None


def _odd_quotes(line: str) -> bool:
    return line.split(" #")[0].replace('\\"', "").count('"') % 2 == 1


def load(text: str) -> Document:
    """Parse *text*; never raises for bad YAML – the problems are in `Document.problems`.

    After a syntax error (or a tab in the indentation) `data` is None and that is the only problem.
    """
    lines = text.splitlines()
    tabs = [n for n, line in enumerate(lines, start=1) if _LEADING_TAB.match(line)]
    if tabs:
        more = f" (också på rad {', '.join(map(str, tabs[1:]))})" if len(tabs) > 1 else ""
        return Document(None, problems=[YamlProblem(tabs[0], f"tabbtecken i indraget – använd mellanslag, aldrig tabb{more}")],
                        source=lines)
    try:
        node = _yaml().compose(text)
    except MarkedYAMLError as e:
        problem = _unclosed_quote(text, lines, e) or YamlProblem(_error_line(e), f"filen är inte giltig YAML här: {_hint(e)}")
        return Document(None, problems=[problem], source=lines)
    except (YAMLError, ValueError, TypeError) as e:
        line = _error_line(e) if isinstance(e, YAMLError) else 1
        return Document(None, problems=[YamlProblem(line, "filen är inte giltig YAML: kontrollera indrag, kolon och "
                                                          "citattecken")], source=lines)
    doc = Document(None, source=lines)
    if node is None:
        return doc
    quote = _quote_problem(node, lines)
    if quote is not None:
        doc.problems = [quote]
        return doc
    doc.data = _Builder(doc).build(node, ())
    doc.problems.sort(key=lambda p: p.line)
    return doc


def _quote_problem(root: Node, lines: List[str]) -> YamlProblem | None:
    """A missing quote that still parses: a quoted text that runs over the next field, or a text
    written without quotes that has one quote in it ("Hej du.")."""
    stack: List[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            stack += node.value
        elif node.style in ('"', "'") and _runs_over_a_key(node.start_mark.line, node.end_mark.line, lines):
            return YamlProblem(node.start_mark.line + 1, _NOT_CLOSED.format(quote=node.style))
        elif node.style is None and node.value.count('"') % 2 == 1:
            return YamlProblem(node.start_mark.line + 1, f"ett citattecken saknas: {node.value} – en text ska ha "
                                                         "ett \" både först och sist, t.ex. \"Ring oss.\"")
    return None


class _Builder:
    """Node tree → plain dicts, lists and text, recording lines, unquoted values and duplicate keys."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.seen: set = set()

    def build(self, node: Node, path: Path) -> Any:
        if id(node) in self.seen:  # an alias (*name): the catalogue has no use for them, and they can nest endlessly
            self.doc.problems.append(YamlProblem(node.start_mark.line + 1, "hänvisningar med & och * används inte i "
                                                 "katalogen – skriv ut värdet, eller sätt det inom citattecken"))
            return None
        self.seen.add(id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.doc.lines[path + (i,)] = item.start_mark.line + 1
                items.append(self.build(item, path + (i,)))
            return items
        return self._scalar(cast(ScalarNode, node), path)

    def _mapping(self, node: MappingNode, path: Path) -> dict:
        out: Dict[Any, Any] = {}
        first: Dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None  # the schema reports odd keys
            line = key_node.start_mark.line + 1
            if key in first:  # reported; the value is the last one, as YAML has it, and lines stay the first's
                self.doc.problems.append(YamlProblem(
                    line, f"'{key}' står två gånger (först på rad {first[key]}) – ta bort den ena, "
                          "annars gäller bara den sista"))
                out[key] = _Builder(Document(None)).build(value_node, ())
                continue
            first[key] = line
            self.doc.lines[path + (key,)] = line
            out[key] = self.build(value_node, path + (key,))
        return out

    def _scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.style is None and node.tag == _TAG + "null":
            return None
        if node.style is None:
            self.doc.unquoted[path] = Scalar(node.start_mark.line + 1, node.start_mark.column,
                                             node.end_mark.column, node.value)
            if node.tag == _TAG + "bool":
                return node.value.lower() == "true"
        return node.value
