"""Writes to the register: record, answer as a partner, correct, moderate, seed.

Every function runs in one transaction, writes an ArrangementEvent for each
change of state and bumps the arrangements generation. State guards make a
repeated click harmless: answering twice, or approving an arrangement that is
no longer waiting, raises ArrangementStateError and changes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEntry
from core.outbox import outbox_enqueue
from councils.models import Authority, Membership, User
from offers.models import Interest, ScreeningTerm, Service
from offers.moderation.screening import Flag, screen_text

from .changes import arrangements_changed
from .models import ArrangementEvent, ArrangementPartner, SharedArrangement

Status = SharedArrangement.Status
State = ArrangementPartner.State


class ArrangementStateError(Exception):
    """The action does not apply to the arrangement (or answer) as it is now."""


@dataclass(frozen=True)
class ArrangementInput:
    """What an officer records (arrangements.forms.ArrangementForm's cleaned data)."""

    name: str
    services: list[Service]
    partners: list[Authority]
    delivery_model: str
    lead: Authority | None
    started_year: int | None
    ended_year: int | None
    annual_savings_gbp: int | None
    savings_source_url: str
    source_url: str
    contact_name: str
    contact_email: str
    description: str
    # The expression of interest marked Partnered it comes from, if any.
    interest: Interest | None = None


@dataclass(frozen=True)
class CorrectionInput:
    """The facts a partner's officer corrects (arrangements.forms.CorrectionForm)."""

    name: str
    services: list[Service]
    delivery_model: str
    lead: Authority | None
    started_year: int | None
    ended_year: int | None
    annual_savings_gbp: int | None
    savings_source_url: str
    source_url: str
    description: str
    reason: str


def _event(
    arrangement: SharedArrangement,
    action: str,
    *,
    actor: User | None,
    from_status: str,
    authority: Authority | None = None,
    reason: str = "",
) -> None:
    ArrangementEvent.objects.create(
        arrangement=arrangement,
        action=action,
        actor=actor,
        authority=authority,
        from_status=from_status,
        to_status=arrangement.status,
        reason=reason,
    )


def arrangement_screen(*, arrangement: SharedArrangement) -> list[Flag]:
    """The listing screening rules (links, email addresses, screened words) on its text."""
    terms = ScreeningTerm.objects.filter(is_active=True).values_list("term", flat=True)
    return screen_text(
        fields={"title": arrangement.name, "description": arrangement.description},
        terms=list(terms),
    )


def _officer_emails(authorities: Iterable[Authority]) -> list[str]:
    return list(
        Membership.objects.approved()
        .filter(authority__in=list(authorities))
        .values_list("user__email", flat=True)
    )


@transaction.atomic
def arrangement_record(
    *, data: ArrangementInput, by: User, for_authority: Authority
) -> SharedArrangement:
    """An officer of `for_authority` records an arrangement. It stays private to its
    partners until every partner confirms; the recorder's own organisation confirms
    by recording. The other partners' officers are asked by email."""
    partners = {a.pk: a for a in [for_authority, *data.partners]}
    arrangement = SharedArrangement.objects.create(
        name=data.name,
        service=data.services[0],
        delivery_model=data.delivery_model,
        lead=data.lead,
        started_year=data.started_year,
        ended_year=data.ended_year,
        is_active=data.ended_year is None,
        annual_savings_gbp=data.annual_savings_gbp,
        savings_source_url=data.savings_source_url,
        source_url=data.source_url,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        description=data.description,
        origin=SharedArrangement.Origin.RECORDED,
        status=Status.AWAITING_PARTNERS,
        recorded_by=by,
        interest=data.interest,
    )
    arrangement.services.set(data.services)
    arrangement.members.set(partners.values())
    now = timezone.now()
    for authority in partners.values():
        own = authority.pk == for_authority.pk
        ArrangementPartner.objects.create(
            arrangement=arrangement,
            authority=authority,
            state=State.CONFIRMED if own else State.PENDING,
            answered_by=by if own else None,
            answered_at=now if own else None,
        )
    _event(
        arrangement,
        ArrangementEvent.Action.RECORDED,
        actor=by,
        authority=for_authority,
        from_status="",
    )
    others = [a for a in partners.values() if a.pk != for_authority.pk]
    link = reverse("arrangements:detail", kwargs={"pk": arrangement.pk})
    outbox_enqueue(
        kind="arrangement_confirm",
        key=f"arrangement-confirm:{arrangement.pk}",
        to=_officer_emails(others),
        subject=f"Confirm a shared arrangement: {arrangement.name}",
        body=(
            f"{for_authority.name} has recorded that your organisation shares services with "
            f"them in “{arrangement.name}”. It is not public until every partner confirms.\n\n"
            f"Confirm or decline it here: {link}\n"
        ),
    )
    if len(partners) == 1:
        _all_confirmed(arrangement, actor=by)
    arrangements_changed()
    return arrangement


def _all_confirmed(arrangement: SharedArrangement, *, actor: User | None) -> None:
    """Every partner has confirmed: a recorded arrangement goes to moderation."""
    if arrangement.status == Status.AWAITING_PARTNERS:
        before = arrangement.status
        arrangement.status = Status.SUBMITTED
        arrangement.save(update_fields=["status", "updated_at"])
        _event(arrangement, ArrangementEvent.Action.SUBMITTED, actor=actor, from_status=before)


@transaction.atomic
def arrangement_answer(
    *,
    arrangement: SharedArrangement,
    authority: Authority,
    by: User,
    state: str,
    reason: str = "",
) -> ArrangementPartner:
    """A partner's officer confirms, declines (a recorded arrangement) or disputes (one
    from public sources). One answer per partner: a second raises ArrangementStateError."""
    arrangement = SharedArrangement.objects.select_for_update().get(pk=arrangement.pk)
    answer = ArrangementPartner.objects.select_for_update().get(
        arrangement=arrangement, authority=authority
    )
    if answer.state != State.PENDING:
        raise ArrangementStateError("Your organisation has already answered.")
    seeded = arrangement.origin == SharedArrangement.Origin.PUBLIC_SOURCES
    allowed = {State.CONFIRMED, State.DISPUTED} if seeded else {State.CONFIRMED, State.DECLINED}
    if state not in allowed:
        raise ArrangementStateError("That answer does not apply to this arrangement.")
    if not seeded and arrangement.status != Status.AWAITING_PARTNERS:
        raise ArrangementStateError("This arrangement is no longer waiting for partners.")
    if state != State.CONFIRMED and not reason.strip():
        raise ArrangementStateError("Say why, so the other partners and moderators know.")
    answer.state = state
    answer.answered_by = by
    answer.answered_at = timezone.now()
    answer.reason = reason
    answer.save()
    before = arrangement.status
    action = {
        State.CONFIRMED: ArrangementEvent.Action.CONFIRMED,
        State.DECLINED: ArrangementEvent.Action.DECLINED,
        State.DISPUTED: ArrangementEvent.Action.DISPUTED,
    }[State(state)]
    if state == State.DECLINED:
        arrangement.status = Status.DECLINED
        arrangement.status_reason = reason
    elif state == State.DISPUTED:
        # Off the public register until a moderator has looked at the dispute.
        arrangement.status = Status.DISPUTED
        arrangement.status_reason = reason
    arrangement.save(update_fields=["status", "status_reason", "updated_at"])
    _event(arrangement, action, actor=by, authority=authority, from_status=before, reason=reason)
    pending = ArrangementPartner.objects.filter(arrangement=arrangement, state=State.PENDING)
    if state == State.CONFIRMED and not pending.exists():
        _all_confirmed(arrangement, actor=by)
    arrangements_changed()
    return answer


# The facts a correction may change, and how each reads in the history.
_FACTS = {
    "name": "name",
    "services": "services",
    "delivery_model": "how it is shared",
    "lead": "lead organisation",
    "started_year": "start",
    "ended_year": "end",
    "annual_savings_gbp": "reported savings",
    "savings_source_url": "savings source",
    "source_url": "source",
    "description": "description",
}


def _facts(arrangement: SharedArrangement) -> dict[str, object]:
    return {
        "name": arrangement.name,
        "services": [s.slug for s in arrangement.services.all()] or [arrangement.service.slug],
        "delivery_model": arrangement.delivery_model,
        "lead": arrangement.lead.gss_code if arrangement.lead else None,
        "started_year": arrangement.started_year,
        "ended_year": arrangement.ended_year,
        "annual_savings_gbp": arrangement.annual_savings_gbp,
        "savings_source_url": arrangement.savings_source_url,
        "source_url": arrangement.source_url,
        "description": arrangement.description,
    }


@transaction.atomic
def arrangement_correct(
    *, arrangement: SharedArrangement, authority: Authority, by: User, data: CorrectionInput
) -> SharedArrangement:
    """An officer of a named partner corrects an arrangement from public sources.

    Its facts change at once and it goes to moderation (screened like a recorded
    one, and off the register until a moderator publishes it, as a disputed one
    is); the correcting partner has confirmed the corrected version by making it,
    and every other partner is asked to confirm it afresh (an earlier answer was
    about other facts). The history and the audit log keep what it said before.
    """
    arrangement = SharedArrangement.objects.select_for_update().get(pk=arrangement.pk)
    if arrangement.origin != SharedArrangement.Origin.PUBLIC_SOURCES:
        raise ArrangementStateError("Only an arrangement from public sources can be corrected.")
    if arrangement.status not in (Status.PUBLISHED, Status.CHANGES_REQUESTED):
        raise ArrangementStateError("This arrangement is waiting for a decision already.")
    answers = list(ArrangementPartner.objects.select_for_update().filter(arrangement=arrangement))
    if authority.pk not in {a.authority_id for a in answers}:
        raise ArrangementStateError("Only an officer of a named partner can correct it.")
    if data.lead is not None and data.lead.pk not in {a.authority_id for a in answers}:
        raise ArrangementStateError("The lead organisation must be one of the partners.")
    if not data.reason.strip():
        raise ArrangementStateError("Say what was wrong, so the other partners know.")
    before = _facts(arrangement)
    arrangement.name = data.name
    arrangement.service = data.services[0]
    arrangement.delivery_model = data.delivery_model
    arrangement.lead = data.lead
    arrangement.started_year = data.started_year
    arrangement.ended_year = data.ended_year
    arrangement.is_active = data.ended_year is None
    arrangement.annual_savings_gbp = data.annual_savings_gbp
    arrangement.savings_source_url = data.savings_source_url
    arrangement.source_url = data.source_url
    arrangement.description = data.description
    after = {**_facts(arrangement), "services": [s.slug for s in data.services]}
    changed = [_FACTS[k] for k in _FACTS if before[k] != after[k]]
    if not changed:
        raise ArrangementStateError("Nothing was changed: confirm it instead if it is right.")
    from_status = arrangement.status
    arrangement.status = Status.SUBMITTED
    arrangement.status_reason = (
        f"Corrected by {authority.short_name} ({', '.join(changed)}): {data.reason.strip()}"
    )
    now = timezone.now()
    arrangement.corrected_by = authority
    arrangement.corrected_at = now
    arrangement.save()
    arrangement.services.set(data.services)
    for answer in answers:
        own = answer.authority_id == authority.pk
        answer.state = State.CONFIRMED if own else State.PENDING
        answer.answered_by = by if own else None
        answer.answered_at = now if own else None
        answer.reason = ""
    ArrangementPartner.objects.bulk_update(
        answers, ["state", "answered_by", "answered_at", "reason"]
    )
    _event(
        arrangement,
        ArrangementEvent.Action.CORRECTED,
        actor=by,
        authority=authority,
        from_status=from_status,
        reason=f"{', '.join(changed)} changed. {data.reason.strip()}",
    )
    audit_record(
        actor=by,
        action="arrangement_correct",
        target=arrangement,
        before={k: before[k] for k in _FACTS if before[k] != after[k]},
        after={k: after[k] for k in _FACTS if before[k] != after[k]},
        reason=data.reason.strip(),
    )
    others = [a.authority for a in answers if a.authority_id != authority.pk]
    link = reverse("arrangements:detail", kwargs={"pk": arrangement.pk})
    outbox_enqueue(
        kind="arrangement_confirm",
        key=f"arrangement-correct:{arrangement.pk}:{now.isoformat()}",
        to=_officer_emails(others),
        subject=f"Confirm a corrected shared arrangement: {arrangement.name}",
        body=(
            f"{authority.name} has corrected “{arrangement.name}”, an arrangement your "
            f"organisation is named in ({', '.join(changed)}). A moderator checks the "
            f"correction before it is public again.\n\n"
            f"Confirm or dispute the corrected version here: {link}\n"
        ),
    )
    arrangements_changed()
    return arrangement


def _correction_undo(arrangement: SharedArrangement) -> None:
    """Put back the facts the last correction changed (its audit entry's `before`),
    and the partner who corrected it before that, if any; published again. Every
    partner is asked to confirm afresh: the answers given were about other facts."""
    entry = (
        AuditEntry.objects.filter(
            action="arrangement_correct",
            target_content_type=ContentType.objects.get_for_model(SharedArrangement),
            target_object_id=str(arrangement.pk),
        )
        .order_by("-at", "-pk")
        .first()
    )
    if entry is None:
        return
    old = entry.before
    for name in ("name", "delivery_model", "started_year", "ended_year"):
        if name in old:
            setattr(arrangement, name, old[name])
    for name in ("annual_savings_gbp", "savings_source_url", "source_url", "description"):
        if name in old:
            setattr(arrangement, name, old[name])
    arrangement.is_active = arrangement.ended_year is None
    if "lead" in old:
        arrangement.lead = Authority.objects.filter(gss_code=old["lead"] or "").first()
    if "services" in old:
        services = list(Service.objects.filter(slug__in=old["services"]))
        by_slug = {svc.slug: svc for svc in services}
        arrangement.service = by_slug.get(old["services"][0], arrangement.service)
        arrangement.services.set(services)
    earlier = (
        arrangement.events.filter(action=ArrangementEvent.Action.CORRECTED)
        .order_by("-created_at", "-pk")
        .values_list("authority", flat=True)[1:2]
    )
    arrangement.corrected_by = Authority.objects.filter(pk__in=list(earlier)).first()
    arrangement.status = Status.PUBLISHED
    ArrangementPartner.objects.filter(arrangement=arrangement).update(
        state=State.PENDING, answered_by=None, answered_at=None, reason=""
    )


@transaction.atomic
def arrangement_moderate(
    *, arrangement: SharedArrangement, by: User, decision: str, reason: str = ""
) -> SharedArrangement:
    """Staff publish, send back or reject an arrangement waiting for review (or a
    disputed one: publish keeps it, reject takes it off the register; or a
    corrected one: reject puts the facts before the correction back). Audited."""
    arrangement = SharedArrangement.objects.select_for_update().get(pk=arrangement.pk)
    if arrangement.status not in (Status.SUBMITTED, Status.DISPUTED):
        raise ArrangementStateError("This arrangement is not waiting for a decision.")
    targets = {
        "publish": (Status.PUBLISHED, ArrangementEvent.Action.PUBLISHED),
        "changes": (Status.CHANGES_REQUESTED, ArrangementEvent.Action.CHANGES_REQUESTED),
        "reject": (Status.REJECTED, ArrangementEvent.Action.REJECTED),
    }
    if decision not in targets:
        raise ArrangementStateError("Choose publish, request changes or reject.")
    if decision != "publish" and not reason.strip():
        raise ArrangementStateError("Give a reason: the partners are told it.")
    before = arrangement.status
    arrangement.status, action = targets[decision]
    arrangement.status_reason = reason
    undone = decision == "reject" and before == Status.SUBMITTED and arrangement.corrected_by_id
    if undone:
        # A rejected correction of public facts: the facts as they were go back on
        # the register (as a dispute rejected would leave them), not off it.
        _correction_undo(arrangement)
    arrangement.save()
    _event(arrangement, action, actor=by, from_status=before, reason=reason)
    audit_record(
        actor=by,
        action=f"arrangement_{decision}",
        target=arrangement,
        before={"status": before},
        after={"status": arrangement.status},
        reason=reason,
    )
    outcome = (
        "Correction rejected, the facts before it restored"
        if undone
        else arrangement.get_status_display()
    )
    outbox_enqueue(
        kind="arrangement_decision",
        key=f"arrangement-decision:{arrangement.pk}:{len(arrangement.events.all())}",
        to=_officer_emails(arrangement.members.all()),
        subject=f"{outcome}: {arrangement.name}",
        body=(
            f"A moderator's decision on “{arrangement.name}”: {outcome}.\n"
            + (f"Reason: {reason}\n" if reason else "")
        ),
    )
    arrangements_changed()
    return arrangement


@dataclass(frozen=True)
class SeedRow:
    """One arrangement from the evaluation set, its rows (services) gathered."""

    name: str
    services: list[str]
    members: list[str]
    delivery_model: str
    source_url: str
    other_sources: str
    notes: str
    started_year: int | None
    ended_year: int | None
    is_active: bool


@transaction.atomic
def arrangements_seed(*, rows: Iterable[SeedRow]) -> tuple[int, int, list[str]]:
    """Add arrangements from public sources; safe to run again (matched on name).

    Returns (created, unchanged, skipped reasons). A row whose service or members
    are not in the database is skipped and said, never half-loaded.
    """
    created = unchanged = 0
    skipped: list[str] = []
    for row in rows:
        if SharedArrangement.objects.filter(
            name=row.name, origin=SharedArrangement.Origin.PUBLIC_SOURCES
        ).exists():
            unchanged += 1
            continue
        services = list(Service.objects.filter(slug__in=row.services))
        members = list(Authority.objects.filter(gss_code__in=row.members))
        if len(services) != len(set(row.services)) or len(members) != len(set(row.members)):
            skipped.append(f"{row.name}: a service or member is not in the database")
            continue
        by_slug = {s.slug: s for s in services}
        arrangement = SharedArrangement.objects.create(
            name=row.name,
            service=by_slug[row.services[0]],
            delivery_model=row.delivery_model,
            source_url=row.source_url,
            other_sources=row.other_sources,
            notes=row.notes,
            started_year=row.started_year,
            ended_year=row.ended_year,
            is_active=row.is_active,
            origin=SharedArrangement.Origin.PUBLIC_SOURCES,
            status=Status.PUBLISHED,
        )
        arrangement.services.set(services)
        arrangement.members.set(members)
        ArrangementPartner.objects.bulk_create(
            ArrangementPartner(arrangement=arrangement, authority=m) for m in members
        )
        _event(arrangement, ArrangementEvent.Action.SEEDED, actor=None, from_status="")
        created += 1
    if created:
        arrangements_changed()
    return created, unchanged, skipped
