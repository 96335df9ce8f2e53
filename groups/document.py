"""The business-case pack as a document: pure content in, ODT and PDF bytes out.

No ORM calls and no settings reads here (STYLE.md): `groups.selectors` gathers the
figures into a `PackContent`, `pack_sections` turns it into the blocks both
renderers walk, so the ODT and the PDF always say the same thing.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field

# --- Content handed over by the selector --------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationFacts:
    name: str
    kind: str  # "District council", "Fire and rescue authority", ...
    region: str
    population: int | None
    gss_code: str
    population_source: str = ""


@dataclass(frozen=True, slots=True)
class SpendFigure:
    """One organisation's net expenditure on the service's line in one year."""

    organisation: str
    year: str
    thousands: float | None  # None: the return was not received
    source: str
    edition: str = ""  # the release's "last updated" date, ISO


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    partnership: str
    service: str
    saving: str  # "£1.2m a year (2019)" or "12% to 15%"
    status: str
    source_url: str


@dataclass(frozen=True, slots=True)
class PackContent:
    title: str
    service: str
    service_family: str
    prepared_for: str  # the shortlisting organisation
    prepared_on: str  # ISO date
    organisations: tuple[OrganisationFacts, ...]
    spend_line: str
    spend: tuple[SpendFigure, ...]
    savings_display: str
    savings_sentence: str
    savings_bases: tuple[str, ...]
    rate_low_percent: float
    rate_high_percent: float
    rate_source: str
    rate_source_url: str
    rate_note: str
    rate_family_evidence: bool
    evidence: tuple[EvidenceItem, ...]
    explanation: tuple[str, ...]
    score: float
    notes: str = ""
    demo: bool = False
    listings: tuple[str, ...] = field(default=())


# --- Blocks both renderers understand -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 1
    new_page: bool = False  # the PDF starts a page here (the ODT is edited, so it flows)


@dataclass(frozen=True, slots=True)
class Para:
    text: str
    bold: bool = False
    small: bool = False


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # shares of the text width, summing to 1


Block = Heading | Para | Bullets | Table

DEMO_NOTICE = (
    "DEMO DATA: this pack was built from demonstration listings or a demonstration "
    "account. The organisations and spend figures are real; the interest shown is not."
)

# (name, what it is, what it needs). Wording follows the Local Government Act 1972
# (s.101, s.102) and the Localism Act 2011 (s.1); officers will take legal advice, so the
# pack names the power and the decisions each option needs rather than paraphrasing law.
DELIVERY_MODELS: tuple[tuple[str, str, str], ...] = (
    (
        "Lead authority (s.101 Local Government Act 1972)",
        "One council delivers the service for the others, who delegate the function "
        "to it under s.101; staff usually transfer to the lead (TUPE).",
        "A delegation decision by each council (executive or full council, by function), "
        "a collaboration or s.101 agreement setting charges, standards and exit terms, "
        "and TUPE consultation.",
    ),
    (
        "Joint committee (s.101(5) and s.102 Local Government Act 1972)",
        "The councils discharge the function jointly through a committee of their "
        "members; one council hosts staff and budget.",
        "Constitution and terms of reference agreed by each council, a host authority, "
        "a cost-sharing formula, and scrutiny arrangements.",
    ),
    (
        "Shared management",
        "One head of service (or management team) employed by one council and seconded "
        "to the other(s), with front-line staff staying with their employers.",
        "A secondment or s.113 Local Government Act 1972 agreement, a cost split, line-"
        "management and conflict-of-interest rules.",
    ),
    (
        "Jointly owned company (Teckal)",
        "A company owned and controlled by the councils delivers the service; it can be "
        "awarded contracts without competition if the control and activity tests are met.",
        "A business case to each council, shareholder agreement, articles, governance, "
        "pensions admission, and a check of the Procurement Act 2023 exemption.",
    ),
    (
        "Contract between councils",
        "One council provides the service to the other for a fee, as a supplier would.",
        "A contract under the Local Authorities (Goods and Services) Act 1970 or the "
        "general power of competence (Localism Act 2011, s.1), the public-public "
        "co-operation exemption, a specification and service levels.",
    ),
)

RISKS: tuple[str, ...] = (
    "Savings are estimates from published rates, not quotes: confirm the service's own "
    "costs before any decision.",
    "Spend figures are whole revenue outturn lines, which can include more than this "
    "service; where they do, the savings range is an upper bound.",
    "Staff transfer (TUPE) and pension costs can take one to two years to recover.",
    "Different systems, contracts and notice periods set the earliest start date.",
    "Governance: each council keeps its statutory duties; the agreement must say who "
    "answers for performance.",
)

NEXT_STEPS: tuple[str, ...] = (
    "Contact the partner's officer through the portal to share this pack.",
    "Exchange the service's own costs, staffing and contract end dates.",
    "Agree which delivery model to appraise in an outline business case.",
    "Edit and sign the memorandum of understanding below (not legally binding).",
    "Report to each council's decision-makers with the outline business case.",
)


def _mou(content: PackContent) -> list[Block]:
    names = [o.name for o in content.organisations]
    parties = "; ".join(f"({i}) {n}" for i, n in enumerate(names, start=1))
    return [
        Heading("Draft memorandum of understanding (to edit)", 1, new_page=True),
        Para(
            "Draft for discussion. Square brackets mark what the parties must complete. "
            "This memorandum records an intention and is not legally binding.",
            small=True,
        ),
        Para(f"Parties: {parties}."),
        Para(
            f"1. Purpose. The parties will explore sharing {content.service.lower()} "
            "to improve resilience and reduce cost, and will prepare an outline business "
            "case by [date]."
        ),
        Para(
            "2. Scope. The work covers [functions in scope] and excludes [exclusions]. "
            "The preferred delivery model to appraise is [model]."
        ),
        Para(
            "3. Information. Each party will share its costs, staffing, contracts and "
            "performance data for the service, treated as confidential under [terms]."
        ),
        Para(
            "4. Governance. A project board of [named officers] meets [monthly]; "
            "[organisation] provides the project lead."
        ),
        Para("5. Costs. Each party bears its own costs of this stage unless agreed otherwise."),
        Para(
            "6. Duration and exit. This memorandum lasts until [date] and any party may "
            "leave it on [one month's] written notice."
        ),
        Para("Signed for each party: name, role, date."),
    ]


def and_list(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_thousands_gbp(thousands: float | None) -> str:
    if thousands is None:
        return "Not received"
    pounds = thousands * 1000
    if abs(pounds) >= 1_000_000:
        return f"£{pounds / 1_000_000:,.2f}m"
    return f"£{pounds:,.0f}"


def pack_sections(content: PackContent) -> list[Block]:
    """The whole pack, in reading order. Every figure names its year and source."""
    blocks: list[Block] = []
    if content.demo:
        blocks.append(Para(DEMO_NOTICE, bold=True))
    names = and_list([o.name for o in content.organisations])
    blocks += [
        Para(
            f"Prepared for {content.prepared_for} on {content.prepared_on}. "
            f"Service: {content.service} ({content.service_family}).",
        ),
        Heading("Summary", 1),
        Para(
            f"This pack sets out the case for {names} to share {content.service.lower()}. "
            f"Estimated saving: {content.savings_display}, at "
            f"{content.rate_low_percent:g}% to {content.rate_high_percent:g}% of the two "
            "organisations' combined cost of the service. The range, its assumptions and "
            "the evidence behind it are set out below."
        ),
        Heading("The organisations", 1),
        Table(
            ("Organisation", "Kind", "Region", "Population", "Code"),
            tuple(
                (
                    o.name,
                    o.kind,
                    o.region or "-",
                    "-" if o.population is None else f"{o.population:,}",
                    o.gss_code,
                )
                for o in content.organisations
            ),
            (0.32, 0.22, 0.18, 0.14, 0.14),
        ),
    ]
    sources = sorted({o.population_source for o in content.organisations if o.population_source})
    if sources:
        blocks.append(Para("Population source: " + "; ".join(sources) + ".", small=True))
    blocks += [
        Heading("Spend on the service by year", 1),
        Para(f"Net current expenditure on {content.spend_line}, by financial year."),
    ]
    if content.spend:
        blocks.append(
            Table(
                ("Organisation", "Year", "Net expenditure", "Source"),
                tuple(
                    (
                        s.organisation,
                        s.year,
                        format_thousands_gbp(s.thousands),
                        s.source + (f" (edition {s.edition})" if s.edition else ""),
                    )
                    for s in content.spend
                ),
                (0.17, 0.10, 0.16, 0.57),
            )
        )
    else:
        blocks.append(Para("No spend figures are held for this line."))
    blocks += [
        Heading("Savings range", 1),
        Para(f"Estimate: {content.savings_display}.", bold=True),
        Para(content.savings_sentence),
    ]
    assumptions = [
        f"Rate: {content.rate_low_percent:g}% (realistic) to {content.rate_high_percent:g}% "
        f"(best case) of the two organisations' combined cost. Source of the rate: "
        f"{content.rate_source}"
        + (f" ({content.rate_source_url})" if content.rate_source_url else "")
        + ".",
        *(f"Cost base: {b}." for b in content.savings_bases),
    ]
    if not content.rate_family_evidence:
        assumptions.append(
            "No saving is cited for this service family: the general back-office range is used."
        )
    if content.rate_note:
        assumptions.append(content.rate_note)
    blocks += [Heading("Assumptions", 2), Bullets(tuple(assumptions))]
    if content.evidence:
        blocks += [
            Heading("Evidence the rate rests on", 2),
            Table(
                ("Partnership", "Reported saving", "Status", "Source"),
                tuple(
                    (f"{e.partnership}: {e.service}", e.saving, e.status, e.source_url)
                    for e in content.evidence
                ),
                (0.3, 0.2, 0.16, 0.34),
            ),
        ]
    blocks += [
        Heading("Why this match", 1),
        Para(f"Match score {content.score:.1f}. The factors that added points:"),
        Bullets(content.explanation or ("No factor added points.",)),
    ]
    if content.listings:
        blocks += [Heading("Live listings", 2), Bullets(content.listings)]
    if content.notes:
        blocks += [Heading("Officer's notes", 2), Para(content.notes)]
    blocks.append(Heading("Delivery model options", 1))
    blocks.append(
        Table(
            ("Option", "What it is", "What it needs"),
            DELIVERY_MODELS,
            (0.24, 0.36, 0.40),
        )
    )
    blocks += [
        Heading("Risks", 1),
        Bullets(RISKS),
        Heading("Next steps", 1),
        Bullets(NEXT_STEPS),
        *_mou(content),
    ]
    return blocks


# --- OpenDocument Text ----------------------------------------------------------------


def render_odt(content: PackContent) -> bytes:
    """The pack as an editable .odt (the government's open standard for documents)."""
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TextProperties,
    )
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, P

    doc = OpenDocumentText()
    base = Style(name="Standard", family="paragraph")
    base.addElement(TextProperties(fontsize="11pt", fontfamily="Liberation Sans"))
    doc.styles.addElement(base)

    def pstyle(name: str, size: str, bold: bool = False, space: str = "0.2cm") -> Style:
        s = Style(name=name, family="paragraph", parentstylename="Standard")
        s.addElement(ParagraphProperties(margintop=space, marginbottom="0.15cm"))
        props: dict[str, str] = {"fontsize": size}
        if bold:
            props["fontweight"] = "bold"
        s.addElement(TextProperties(**props))
        doc.styles.addElement(s)
        return s

    styles = {
        "title": pstyle("PackTitle", "20pt", True, "0cm"),
        1: pstyle("PackHeading1", "15pt", True, "0.5cm"),
        2: pstyle("PackHeading2", "12pt", True, "0.35cm"),
        "body": pstyle("PackBody", "11pt"),
        "bold": pstyle("PackBold", "11pt", True),
        "small": pstyle("PackSmall", "9pt"),
        "cell": pstyle("PackCell", "9pt", False, "0cm"),
        "head": pstyle("PackCellHead", "9pt", True, "0cm"),
    }
    cell_style = Style(name="PackCellBox", family="table-cell")
    cell_style.addElement(TableCellProperties(border="0.5pt solid #b1b4b6", padding="0.08cm"))
    doc.automaticstyles.addElement(cell_style)

    doc.text.addElement(H(outlinelevel=1, stylename=styles["title"], text=content.title))
    for n, block in enumerate(pack_sections(content)):
        if isinstance(block, Heading):
            doc.text.addElement(
                H(outlinelevel=block.level + 1, stylename=styles[block.level], text=block.text)
            )
        elif isinstance(block, Para):
            key = "bold" if block.bold else "small" if block.small else "body"
            doc.text.addElement(P(stylename=styles[key], text=block.text))
        elif isinstance(block, Bullets):
            lst = List()
            for item in block.items:
                li = ListItem()
                li.addElement(P(stylename=styles["body"], text="• " + item))
                lst.addElement(li)
            doc.text.addElement(lst)
        else:
            table_style = Style(name=f"PackTable{n}", family="table")
            table_style.addElement(TableProperties(width="17cm", align="left"))
            doc.automaticstyles.addElement(table_style)
            table = OdfTable(name=f"Table{n}", stylename=table_style)
            for i, share in enumerate(block.widths):
                col_style = Style(name=f"PackTable{n}Col{i}", family="table-column")
                col_style.addElement(TableColumnProperties(columnwidth=f"{17 * share:.2f}cm"))
                doc.automaticstyles.addElement(col_style)
                table.addElement(TableColumn(stylename=col_style))
            for r, row in enumerate((block.header, *block.rows)):
                tr = TableRow()
                for value in row:
                    tc = TableCell(stylename=cell_style, valuetype="string")
                    tc.addElement(P(stylename=styles["head" if r == 0 else "cell"], text=value))
                    tr.addElement(tc)
                table.addElement(tr)
            doc.text.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------

# fpdf2's built-in fonts are Latin-1 only, and shipping a TrueType font would add a
# megabyte to the repository; typographic punctuation is mapped to its Latin-1 form
# and anything else outside Latin-1 loses its accent (NFKD) or becomes "?".
_LATIN1 = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
    }
)


def latin1(text: str) -> str:
    """What fpdf2's built-in fonts can draw: Latin-1 kept as it is (£, ô, é), other
    characters folded one by one (Ŵ -> W) or replaced by "?"."""
    text = text.translate(_LATIN1)
    if all(ord(c) < 256 for c in text):
        return text
    out = []
    for c in text:
        if ord(c) < 256:
            out.append(c)
            continue
        base = "".join(d for d in unicodedata.normalize("NFKD", c) if not unicodedata.combining(d))
        out.append(base if base and all(ord(d) < 256 for d in base) else "?")
    return "".join(out)


GOVUK_BLACK = (11, 12, 12)
GOVUK_GREY = (80, 90, 95)
GOVUK_BLUE = (29, 112, 184)
RULE_GREY = (177, 180, 182)


def render_pdf(content: PackContent) -> bytes:
    """The pack as a PDF for reading and sending; the ODT is the one to edit."""
    from fpdf import FPDF
    from fpdf.enums import TableCellFillMode
    from fpdf.fonts import FontFace

    class _Pack(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.set_text_color(*GOVUK_GREY)
            label = latin1(f"{content.title} - page {self.page_no()} of {{nb}}")
            self.cell(0, 5, label, align="C")

    pdf = _Pack(format="A4", unit="mm")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(latin1(content.title))
    pdf.set_author(latin1(content.prepared_for))
    pdf.set_creator("Find a shared service partner")
    pdf.add_page()
    width = pdf.epw

    # A blue band and the title, as a GOV.UK document header.
    pdf.set_fill_color(*GOVUK_BLUE)
    pdf.rect(0, 0, pdf.w, 6, style="F")
    pdf.set_fill_color(255, 255, 255)  # fpdf2 keeps the fill: tables must not inherit it
    pdf.set_text_color(*GOVUK_BLACK)
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(width, 9, latin1(content.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.set_text_color(*GOVUK_GREY)
    pdf.cell(width, 6, "Business case pack", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RULE_GREY)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.ln(4)
    heading_face = FontFace(emphasis="BOLD", fill_color=(243, 242, 241))

    for block in pack_sections(content):
        pdf.set_text_color(*GOVUK_BLACK)
        if isinstance(block, Heading):
            size = 14 if block.level == 1 else 11.5
            if block.new_page or pdf.get_y() > pdf.h - 45:  # keep a heading with what follows
                pdf.add_page()
            pdf.ln(3 if block.level == 1 else 1.5)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(
                width, size * 0.5, latin1(block.text), align="L", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(1)
        elif isinstance(block, Para):
            if block.bold and block.text == DEMO_NOTICE:
                pdf.set_fill_color(255, 221, 0)
                pdf.set_font("Helvetica", "B", 10)
                pdf.multi_cell(
                    width,
                    5.5,
                    latin1(block.text),
                    fill=True,
                    padding=2,
                    new_x="LMARGIN",
                    new_y="NEXT",
                )
                pdf.set_fill_color(255, 255, 255)
                pdf.ln(2)
                continue
            pdf.set_font("Helvetica", "B" if block.bold else "", 8.5 if block.small else 10.5)
            if block.small:
                pdf.set_text_color(*GOVUK_GREY)
            pdf.multi_cell(width, 5.2, latin1(block.text), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.2)
        elif isinstance(block, Bullets):
            pdf.set_font("Helvetica", size=10.5)
            for item in block.items:
                pdf.set_x(pdf.l_margin + 2)
                pdf.cell(4, 5.2, "-")
                pdf.multi_cell(
                    width - 6, 5.2, latin1(item), align="L", new_x="LMARGIN", new_y="NEXT"
                )
                pdf.ln(0.6)
            pdf.ln(0.8)
        else:
            pdf.set_font("Helvetica", size=8.5)
            pdf.set_draw_color(*RULE_GREY)
            with pdf.table(
                col_widths=tuple(w * 100 for w in block.widths),
                width=width,
                line_height=4.2,
                headings_style=heading_face,
                padding=1.2,
                text_align="LEFT",
                cell_fill_color=(248, 248, 248),
                cell_fill_mode=TableCellFillMode.ROWS,
            ) as table:
                for row in (block.header, *block.rows):
                    cells = table.row()
                    for value in row:
                        cells.cell(latin1(value))
            pdf.ln(2)
    return bytes(pdf.output())


def render_both(content: PackContent) -> tuple[bytes, bytes]:
    """(odt, pdf)."""
    return render_odt(content), render_pdf(content)
