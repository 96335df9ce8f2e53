"""Read the /listings/ page as a visitor sees it: from the HTML, not the template context.

Cached pages carry no context (offers/browse/cache.py), so tests that may get
one read the page with an HTML parser (tests/pages.py): the results are the
headings of the items in the results list, the count is the bold number in the
count line; the filter panel's checkboxes are read here.
"""

from html.parser import HTMLParser

from tests.pages import read_page


def result_titles(response) -> list[str]:
    """The titles of the results shown, in order, as the page reads."""
    return read_page(response).titles


def result_count(response) -> int:
    """The number of listings found: the bold number in the count line above the results."""
    numbers = read_page(response).count_numbers
    assert numbers, "no result count on the page"
    return int(numbers[0].replace(",", ""))


class _FilterPanel(HTMLParser):
    """Collects the checkboxes of the filter form: each box's attributes, its label's
    text, the legend of its fieldset and the summary of the details it sits in (and
    whether that starts open)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes: list[dict[str, str | bool | None]] = []
        self.labels: dict[str, str] = {}
        self._legend = ""
        self._details: list[dict[str, str | bool]] = []
        self._capture: tuple[str, list[str]] | None = None  # (what, text)
        # The count beside an option ("(3 listings)") is read apart from its label.
        self.counts: dict[str, int] = {}
        self._count_depth = 0
        self._count_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "span" and (self._count_depth or "app-facet-count" in (names.get("class") or "")):
            self._count_depth += 1
            return
        if tag == "details":
            self._details.append({"summary": "", "open": "open" in names})
        elif tag == "summary":
            self._capture = ("summary", [])
        elif tag == "legend":
            self._capture = ("legend", [])
        elif tag == "label" and names.get("for"):
            self._capture = (f"label:{names['for']}", [])
        elif tag == "input" and names.get("type") == "checkbox":
            details = self._details[-1] if self._details else {}
            self.boxes.append(
                {
                    "id": names.get("id"),
                    "name": names.get("name"),
                    "value": names.get("value"),
                    "checked": "checked" in names,
                    "class": names.get("class"),
                    "legend": self._legend,
                    "group": str(details.get("summary", "")),
                    "group_open": bool(details.get("open", False)),
                }
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._count_depth:
            self._count_depth -= 1
            return
        if tag == "details" and self._details:
            self._details.pop()
        if self._capture and tag in {"summary", "legend", "label"}:
            what, parts = self._capture
            text = " ".join("".join(parts).split())
            if what == "summary" and self._details:
                self._details[-1]["summary"] = text
            elif what == "legend":
                self._legend = text
            elif what.startswith("label:"):
                self.labels[what[6:]] = text
                digits = "".join(ch for ch in "".join(self._count_parts) if ch.isdigit())
                if digits:
                    self.counts[what[6:]] = int(digits)
            self._count_parts = []
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._count_depth:
            self._count_parts.append(data)
            return
        if self._capture:
            self._capture[1].append(data)


def filter_checkboxes(response) -> list[dict[str, str | bool | int | None]]:
    """Every checkbox on the page, in order, with `label` (its label's text), `count`
    (the number beside it, None if none), `legend` (its fieldset's), `group` (the
    summary of the details it is in, without its count) and `group_open`."""
    assert response.status_code == 200
    page = _FilterPanel()
    page.feed(response.content.decode())
    page.close()
    return [
        {**box, "label": page.labels.get(str(box["id"])), "count": page.counts.get(str(box["id"]))}
        for box in page.boxes
    ]


class _SelectOptions(HTMLParser):
    """The options of one <select name=...>: value and text, as the browser lists them."""

    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.options: list[dict[str, str | bool]] = []
        self._inside = False
        self._option: dict[str, str | bool] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "select":
            self._inside = names.get("name") == self.name
        elif tag == "option" and self._inside:
            self._option = {
                "value": names.get("value") or "",
                "label": "",
                "selected": "selected" in names,
            }
            self.options.append(self._option)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._inside = False
        if tag in {"option", "select"}:
            self._option = None

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["label"] = str(self._option["label"]) + data


def select_options(response, name: str) -> list[dict[str, str | bool]]:
    """The options of the page's <select name=`name`>, in order (`value`, `label`, `selected`)."""
    assert response.status_code == 200
    page = _SelectOptions(name)
    page.feed(response.content.decode())
    page.close()
    return page.options
