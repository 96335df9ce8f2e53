"""Read a results page as a visitor sees it: from the HTML, with Python's html.parser.

Shared by the listings (/listings/) and council directory (/councils/) tests:
both pages list results as `li.app-result-list__item` with the result's name in
an `h3 > a`, and say how many there are in `#result-count` with the numbers in
<strong>. Cached pages carry no template context, so tests read what is shown.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Page:
    titles: list[str] = field(default_factory=list)  # each result's heading link, in order
    count_text: str = ""  # the whole #result-count line
    count_numbers: list[str] = field(default_factory=list)  # its <strong>s, in order
    links: list[dict[str, str | None]] = field(default_factory=list)  # every <a>'s attributes
    inputs: list[dict[str, str | None]] = field(default_factory=list)  # every <input>'s
    selected: dict[str, list[str]] = field(default_factory=dict)  # select name -> chosen values


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._open: list[tuple[str, str]] = []  # (tag, what it is: "result", "count", ...)
        self._texts: dict[str, list[str]] = {}  # what -> text being collected
        self._select = ""

    def _inside(self, what: str) -> bool:
        return any(kind == what for _tag, kind in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "a":
            self.page.links.append(names)
        elif tag == "input":
            self.page.inputs.append(names)
        elif tag == "select":
            self._select = names.get("name") or ""
        elif tag == "option" and "selected" in names and self._select:
            self.page.selected.setdefault(self._select, []).append(names.get("value") or "")
        if tag in VOID:
            return  # no end tag follows
        classes = (names.get("class") or "").split()
        kind = ""
        if tag == "li" and "app-result-list__item" in classes:
            kind = "result"
        elif names.get("id") == "result-count":
            kind = "count"
        elif tag == "a" and self._inside("result") and self._open and self._open[-1][0] == "h3":
            kind = "title"
        elif tag == "strong" and self._inside("count"):
            kind = "number"
        if kind in {"count", "title", "number"}:
            self._texts[kind] = []
        self._open.append((tag, kind))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = ""
        while self._open:
            open_tag, kind = self._open.pop()
            if kind in self._texts:
                text = " ".join("".join(self._texts.pop(kind)).split())
                if kind == "title":
                    self.page.titles.append(text)
                elif kind == "number":
                    self.page.count_numbers.append(text)
                else:
                    self.page.count_text = text
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for parts in self._texts.values():
            parts.append(data)


def read_page(response) -> Page:
    """The page's results, count line, links and form controls."""
    assert response.status_code == 200
    return read_html(response.content.decode())


def read_html(html: str) -> Page:
    """The same for markup that is not a response: an email's HTML part."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


@dataclass
class Element:
    """One element as parsed: its tag, attributes, text (whitespace collapsed) and the
    classes of the elements around it."""

    tag: str
    attrs: dict[str, str | None]
    within: frozenset[str]
    parts: list[str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        within = frozenset(c for e in self._open for c in e.classes)
        element = Element(tag=tag, attrs=dict(attrs), within=within)
        self.found.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)


def read_elements(html: str) -> list[Element]:
    """Every element in document order, for tests that check how markup is built as
    well as what it says (an email's inline styles, which elements exist)."""
    reader = _Elements()
    reader.feed(html)
    reader.close()
    return reader.found
