"""Reads for the shortlist and the business-case pack.

`pack_content` is where the database meets the pure document code: it fetches
the ranking, spend rows and savings evidence once and hands groups.document a
frozen `PackContent`, so the renderers never touch the ORM.
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from councils.models import Authority, SpendRecord
from councils.selectors import membership_current
from groups import document
from groups.models import Suggestion, SuggestionMember
from groups.models_shortlist import BusinessCasePack, ShortlistEntry
from matching import savings as matching_savings
from matching.models import SavingsAssumption, SavingsEvidence
from matching.selectors import partner_ranking, savings_rate
from offers.models import Listing, Service


def officer_authority(*, user: object) -> Authority | None:
    """The organisation whose shortlist this user may see: the one they are an
    approved officer of. Site staff get no shortlist of their own: a shortlist is
    an organisation's working list, not something moderation needs."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = membership_current(user=user)  # type: ignore[arg-type]
    if membership is None or not membership.authority.is_current:
        return None
    return membership.authority


def _latest_packs() -> Prefetch:
    # The files stay in the database until downloaded: a list never loads them.
    return Prefetch(
        "packs",
        queryset=BusinessCasePack.objects.defer("odt", "pdf").order_by("-created_at", "-pk"),
    )


def shortlist_entries(*, authority: Authority) -> QuerySet[ShortlistEntry]:
    """The organisation's whole shortlist, with each entry's packs (two queries)."""
    return (
        ShortlistEntry.objects.filter(authority=authority)
        .select_related("service", "candidate", "added_by")
        .prefetch_related(_latest_packs())
        .order_by("service__name", "candidate__short_name")
    )


def shortlist_entry(*, authority: Authority, pk: int) -> ShortlistEntry | None:
    """One entry, only if it belongs to `authority` (anyone else's is "not found")."""
    return (
        ShortlistEntry.objects.filter(authority=authority, pk=pk)
        .select_related("service__family", "candidate", "authority", "added_by")
        .first()
    )


def shortlisted_candidates(*, authority: Authority, service: Service) -> set[str]:
    """GSS codes already on the shortlist for a service (Find a partner marks them)."""
    return set(
        ShortlistEntry.objects.filter(authority=authority, service=service).values_list(
            "candidate__gss_code", flat=True
        )
    )


def pack_for(*, authority: Authority, pk: int) -> BusinessCasePack | None:
    """A pack, without its files, only if `authority` asked for it."""
    return (
        BusinessCasePack.objects.defer("odt", "pdf")
        .select_related("entry__candidate", "entry__service", "authority")
        .filter(authority=authority, pk=pk)
        .first()
    )


def pack_file(*, authority: Authority, pk: int, fmt: str) -> tuple[BusinessCasePack, bytes] | None:
    """A ready pack's ODT or PDF bytes, only for `authority`'s officers."""
    pack = (
        BusinessCasePack.objects.filter(
            authority=authority, pk=pk, status=BusinessCasePack.Status.READY
        )
        .only("pk", "title", fmt)
        .first()
    )
    if pack is None:
        return None
    data = getattr(pack, fmt)
    return (pack, bytes(data)) if data is not None else None


# --- What the pack says ---------------------------------------------------------------


def _facts(authority: Authority) -> document.OrganisationFacts:
    source = ""
    if authority.population_source:
        year = str(authority.population_year or "")
        known = year and year in authority.population_source
        source = f"{authority.short_name}: {authority.population_source}"
        source += f" ({year})" if year and not known else ""
    return document.OrganisationFacts(
        name=authority.name,
        kind=authority.kind_label,
        region=authority.region,
        population=authority.population,
        gss_code=authority.gss_code,
        population_source=source,
    )


def _evidence_saving(e: SavingsEvidence) -> str:
    parts = []
    if e.annual_saving_gbp:
        period = f" ({e.saving_period})" if e.saving_period else ""
        parts.append(f"{matching_savings.format_gbp(e.annual_saving_gbp)} a year{period}")
    if e.saving_percent_low is not None:
        low = float(e.saving_percent_low)
        high = float(e.saving_percent_high or e.saving_percent_low)
        rng = f"{low:g}%" + (f" to {high:g}%" if high != low else "")
        parts.append(rng + (f" of {e.basis}" if e.basis else ""))
    year = f" [{e.year}]" if e.year else ""
    return ("; ".join(parts) or "Not stated") + year


def _assumption_and_evidence(
    *, family_pk: int
) -> tuple[SavingsAssumption | None, tuple[document.EvidenceItem, ...]]:
    """The family's savings assumption (else the whole-organisation one) and the
    reported savings it rests on (two queries)."""
    assumption = (
        SavingsAssumption.objects.filter(family_id=family_pk).prefetch_related("evidence").first()
        or SavingsAssumption.objects.filter(scope=SavingsAssumption.Scope.WHOLE)
        .prefetch_related("evidence")
        .first()
    )
    evidence = tuple(
        document.EvidenceItem(
            partnership=e.partnership,
            service=e.service,
            saving=_evidence_saving(e),
            status=e.get_status_display(),
            source_url=e.source_url,
        )
        for e in (assumption.evidence.all() if assumption else [])
    )
    return assumption, evidence


def _spend(
    *, authorities: list[Authority], service: Service
) -> tuple[str, list[document.SpendFigure]]:
    """Every year's figure on the service's spending line for each organisation."""
    if not service.ro_line:
        return "no spending line", []
    rows = (
        SpendRecord.objects.filter(authority__in=authorities, line__code=service.ro_line)
        .select_related("authority", "line")
        .order_by("year", "authority__short_name")
    )
    line, out = service.ro_line, []
    for row in rows:
        line = f"{row.line.code} {row.line.name}"
        thousands = row.net_expenditure_thousands
        out.append(
            document.SpendFigure(
                organisation=row.authority.short_name,
                year=row.year,
                thousands=None if thousands is None else float(thousands),
                source=row.source,
                edition=row.edition.isoformat() if row.edition else "",
            )
        )
    return line, out


def pack_content(*, entry: ShortlistEntry, by_demo: bool = False) -> document.PackContent:
    """Everything the pack says about one shortlisted partner, as a pure record.

    Queries: the ranking's (listings, arrangements, costs), the spend rows of both
    organisations on the service's line, the savings assumption and its evidence."""
    origin, candidate, service = entry.authority, entry.candidate, entry.service
    ranking = partner_ranking(authority=origin, service=service, include_signed_in=True)
    suggestion = next(
        (s for s in ranking.suggestions if s.body.gss_code == candidate.gss_code), None
    )
    if suggestion is not None:
        explanation = tuple(suggestion.reasons)
        score = suggestion.score
        savings = suggestion.savings
        savings_display, savings_sentence = savings.display, savings.sentence
        bases = tuple(b.label for b in savings.bases)
        listings = tuple(f"{x.title} ({x.kind.lower()})" for x in suggestion.listings)
    else:  # excluded since it was shortlisted (a listing's limits, a tier change)
        reasons = [x.reason for x in ranking.excluded if x.body.gss_code == candidate.gss_code]
        explanation = tuple(reasons) or ("Not ranked for this service at the moment.",)
        score, savings_display, bases, listings = 0.0, "Not enough data", (), ()
        savings_sentence = "No savings estimate: the partner is not ranked for this service."

    spend_line, spend = _spend(authorities=[origin, candidate], service=service)
    rate = ranking.rate
    assumption, evidence = _assumption_and_evidence(family_pk=service.family_id)
    demo = (
        by_demo
        or Listing.objects.filter(
            authority__in=[origin, candidate], service=service, is_demo=True
        ).exists()
    )
    return document.PackContent(
        title=f"Sharing {service.name.lower()}: {origin.short_name} and {candidate.short_name}",
        service=service.name,
        service_family=service.family.name,
        prepared_for=origin.name,
        prepared_on=timezone.localdate().isoformat(),
        organisations=(_facts(origin), _facts(candidate)),
        spend_line=spend_line,
        spend=tuple(spend),
        savings_display=savings_display,
        savings_sentence=savings_sentence,
        savings_bases=bases,
        rate_low_percent=rate.low_percent,
        rate_high_percent=rate.high_percent,
        rate_source=rate.source,
        rate_source_url=assumption.source_url if assumption else "",
        rate_note=assumption.note if assumption else "",
        rate_family_evidence=rate.family_evidence,
        evidence=evidence,
        explanation=explanation,
        score=score,
        notes=entry.notes,
        demo=demo,
        listings=listings,
    )


def consortium_pack_content(
    *, suggestion: Suggestion, authority: Authority, by_demo: bool = False
) -> document.PackContent:
    """The pack for a suggested consortium, from the asking member's side: every
    member organisation, their spend by year, the consortium's savings range (the
    members' stated annual values at the family's rate) and detection's explanation."""
    service = Service.objects.select_related("family").get(pk=suggestion.service_id)
    members = list(
        SuggestionMember.objects.filter(suggestion=suggestion)
        .select_related("listing__authority")
        .order_by("position")
    )
    authorities: list[Authority] = []
    for m in members:
        if m.listing.authority not in authorities:
            authorities.append(m.listing.authority)
    authorities.sort(key=lambda a: a.pk != authority.pk)  # the asking member first
    spend_line, spend = _spend(authorities=authorities, service=service)
    rate = savings_rate(family_pk=service.family_id)
    assumption, evidence = _assumption_and_evidence(family_pk=service.family_id)
    savings = suggestion.details.get("savings", {})
    low, high = savings.get("low_gbp"), savings.get("high_gbp")
    display = "Not enough data"
    if low is not None and high is not None:
        display = (
            f"{matching_savings.format_gbp(low)} to {matching_savings.format_gbp(high)} a year"
        )
    bases: tuple[str, ...] = ()
    if savings.get("combined_gbp"):
        combined = matching_savings.format_gbp(savings["combined_gbp"])
        bases = (
            f"the members' stated annual values, {combined} combined "
            f"({savings.get('known')} of {savings.get('of')} members stated one)",
        )
    offers = tuple(o["sentence"] for o in suggestion.details.get("offers", []))
    names = [a.short_name for a in authorities]
    return document.PackContent(
        title=f"A {service.name.lower()} consortium: {document.and_list(names)}",
        service=service.name,
        service_family=service.family.name,
        prepared_for=authority.name,
        prepared_on=timezone.localdate().isoformat(),
        organisations=tuple(_facts(a) for a in authorities),
        spend_line=spend_line,
        spend=tuple(spend),
        savings_display=display,
        savings_sentence=savings.get("sentence", ""),
        savings_bases=bases,
        rate_low_percent=rate.low_percent,
        rate_high_percent=rate.high_percent,
        rate_source=rate.source,
        rate_source_url=assumption.source_url if assumption else "",
        rate_note=assumption.note if assumption else "",
        rate_family_evidence=rate.family_evidence,
        evidence=evidence,
        explanation=(suggestion.explanation, *offers),
        score=suggestion.score,
        demo=by_demo or any(m.listing.is_demo for m in members),
        listings=tuple(
            f"{m.listing.authority.short_name}: {m.listing.title} "
            f"({m.listing.get_kind_display().lower()})"
            for m in members
        ),
    )


def _range(savings: dict) -> str:
    low, high = savings.get("low_gbp"), savings.get("high_gbp")
    if low is None or high is None:
        return "not enough data"
    return f"{matching_savings.format_gbp(low)} to {matching_savings.format_gbp(high)} a year"


def swap_pack_content(
    *, suggestion: Suggestion, authority: Authority, by_demo: bool = False
) -> document.PackContent:
    """The pack for a suggested swap, through the pair pack's document: the two
    organisations (the asking one first), both services (the spend table holds both
    spending lines, each row saying which), both savings ranges (each the two
    listings' stated annual values at its family's rate) and detection's explanation.

    The document has one rate: the first service's; the other's, when its family
    differs, is given in the rate note, and both families' evidence is listed."""
    services = Service.objects.select_related("family").in_bulk(
        [suggestion.service_id, suggestion.other_service_id or 0]
    )
    x, y = services[suggestion.service_id], services[suggestion.other_service_id or 0]
    members = list(
        SuggestionMember.objects.filter(suggestion=suggestion)
        .select_related("listing__authority")
        .order_by("position")
    )
    authorities: list[Authority] = []
    for m in members:
        if m.listing.authority not in authorities:
            authorities.append(m.listing.authority)
    authorities.sort(key=lambda a: a.pk != authority.pk)  # the asking side first
    spend: list[document.SpendFigure] = []
    lines = []
    for service in (x, y):
        line, rows = _spend(authorities=authorities, service=service)
        lines.append(f"{line} ({service.name.lower()})")
        spend += [
            replace(r, organisation=f"{r.organisation}, {service.name.lower()}") for r in rows
        ]
    rate_x, rate_y = savings_rate(family_pk=x.family_id), savings_rate(family_pk=y.family_id)
    assumption, evidence = _assumption_and_evidence(family_pk=x.family_id)
    notes = [assumption.note] if assumption and assumption.note else []
    if y.family_id != x.family_id:
        other, other_evidence = _assumption_and_evidence(family_pk=y.family_id)
        evidence = (*evidence, *other_evidence)
        notes.append(
            f"For {y.name.lower()} ({y.family.name}): {rate_y.low_percent:g}% to "
            f"{rate_y.high_percent:g}% ({rate_y.source})."
            + (f" {other.note}" if other and other.note else "")
        )
    details = suggestion.details
    a_side, b_side = details.get("savings_a", {}), details.get("savings_b", {})
    bases = tuple(
        f"the two listings' stated annual values for {service.name.lower()}, "
        f"{matching_savings.format_gbp(side['combined_gbp'])} combined"
        for service, side in ((x, a_side), (y, b_side))
        if side.get("combined_gbp")
    )
    a, b = details.get("a", ""), details.get("b", "")
    return document.PackContent(
        title=(
            f"A swap: {a} offers {x.name.lower()} to {b}, and {b} offers {y.name.lower()} to {a}"
        ),
        service=f"{x.name} and {y.name.lower()}",
        service_family=x.family.name
        if x.family_id == y.family_id
        else f"{x.family.name} and {y.family.name}",
        prepared_for=authority.name,
        prepared_on=timezone.localdate().isoformat(),
        organisations=tuple(_facts(o) for o in authorities),
        spend_line=" and ".join(lines),
        spend=tuple(spend),
        savings_display=f"{_range(a_side)} on {x.name.lower()} and "
        f"{_range(b_side)} on {y.name.lower()}",
        savings_sentence=" ".join(
            side["sentence"] for side in (a_side, b_side) if side.get("sentence")
        ),
        savings_bases=bases,
        rate_low_percent=rate_x.low_percent,
        rate_high_percent=rate_x.high_percent,
        rate_source=rate_x.source,
        rate_source_url=assumption.source_url if assumption else "",
        rate_note=" ".join(notes),
        rate_family_evidence=rate_x.family_evidence and rate_y.family_evidence,
        evidence=evidence,
        explanation=(suggestion.explanation,),
        score=suggestion.score,
        demo=by_demo or any(m.listing.is_demo for m in members),
        listings=tuple(
            f"{m.listing.authority.short_name}: {m.listing.title} "
            f"({m.listing.get_kind_display().lower()})"
            for m in members
        ),
    )
