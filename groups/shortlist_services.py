"""Writes for the shortlist and the business-case pack.

The pack is built by a Celery task (groups.tasks.pack_build_task) queued after
commit; `pack_build` is the service it calls, guarded by a row lock and the
pack's status so a retried or duplicated message builds it once.
"""

from __future__ import annotations

import logging
import time

from celery import current_app
from django.db import transaction
from django.utils import timezone

from councils.models import Authority, User
from groups import document
from groups.models import Suggestion
from groups.models_shortlist import BusinessCasePack, ShortlistEntry
from groups.shortlist_selectors import consortium_pack_content, pack_content, swap_pack_content
from offers.models import Service

PACK_TASK = "groups.tasks.pack_build_task"
logger = logging.getLogger(__name__)


def shortlist_add(
    *, authority: Authority, service: Service, candidate: Authority, by: User
) -> tuple[ShortlistEntry, bool]:
    """Safe to call twice: the second call returns the existing entry and False."""
    if candidate.pk == authority.pk:
        raise ValueError("An organisation cannot shortlist itself.")
    return ShortlistEntry.objects.get_or_create(
        authority=authority,
        service=service,
        candidate=candidate,
        defaults={"added_by": by},
    )


def shortlist_notes_set(*, entry: ShortlistEntry, notes: str) -> ShortlistEntry:
    entry.notes = notes
    entry.save(update_fields=["notes", "updated_at"])
    return entry


def shortlist_remove(*, entry: ShortlistEntry) -> None:
    entry.delete()


@transaction.atomic
def pack_request(*, entry: ShortlistEntry, by: User) -> BusinessCasePack:
    """Queue a pack build. While one is queued or building, return it rather than
    start a second (a double-click must not build twice)."""
    ShortlistEntry.objects.select_for_update().filter(pk=entry.pk).first()
    pending = (
        BusinessCasePack.objects.defer("odt", "pdf")
        .filter(
            entry=entry,
            status__in=[BusinessCasePack.Status.QUEUED, BusinessCasePack.Status.BUILDING],
        )
        .first()
    )
    if pending is not None:
        return pending
    pack = BusinessCasePack.objects.create(
        entry=entry, authority_id=entry.authority_id, requested_by=by
    )
    transaction.on_commit(lambda: _enqueue(pack.pk))
    return pack


@transaction.atomic
def pack_request_for_suggestion(
    *, suggestion: Suggestion, authority: Authority, by: User
) -> BusinessCasePack:
    """Queue a consortium's or a swap's pack for one member organisation (the caller
    checks it is a member). One build at a time per organisation and suggestion, as for a pair."""
    Authority.objects.select_for_update().filter(pk=authority.pk).first()
    pending = (
        BusinessCasePack.objects.defer("odt", "pdf")
        .filter(
            authority=authority,
            suggestion_key=suggestion.key,
            status__in=[BusinessCasePack.Status.QUEUED, BusinessCasePack.Status.BUILDING],
        )
        .first()
    )
    if pending is not None:
        return pending
    pack = BusinessCasePack.objects.create(
        authority=authority, suggestion_key=suggestion.key, requested_by=by
    )
    transaction.on_commit(lambda: _enqueue(pack.pk))
    return pack


def _enqueue(pack_id: int) -> None:
    # By name, so this module needs no import of groups.tasks (which imports it);
    # through the registry rather than send_task, so eager mode (make run, tests)
    # builds it here.
    current_app.tasks[PACK_TASK].delay(pack_id)


def pack_build(*, pack_id: int) -> str:
    """Build one queued pack's ODT and PDF. Returns the pack's final status; a pack
    already building, ready or failed is left alone (at-least-once delivery)."""
    with transaction.atomic():
        pack = (
            BusinessCasePack.objects.select_for_update()
            .defer("odt", "pdf")
            .filter(pk=pack_id)
            .first()
        )
        if pack is None or pack.status != BusinessCasePack.Status.QUEUED:
            return pack.status if pack else BusinessCasePack.Status.FAILED
        pack.status = BusinessCasePack.Status.BUILDING
        pack.save(update_fields=["status"])
    started = time.perf_counter()
    by_demo = bool(getattr(pack.requested_by, "is_demo", False))
    try:
        if pack.entry_id is not None:
            entry = (
                ShortlistEntry.objects.select_related("authority", "candidate", "service__family")
                .filter(pk=pack.entry_id)
                .get()
            )
            content = pack_content(entry=entry, by_demo=by_demo)
        else:
            # Suggestions are rebuilt when their listings change: if this one has
            # gone since the officer asked, the build fails and the page says so.
            suggestion = Suggestion.objects.get(key=pack.suggestion_key)
            authority = Authority.objects.get(pk=pack.authority_id or 0)
            build = (
                swap_pack_content
                if suggestion.kind == Suggestion.Kind.SWAP
                else consortium_pack_content
            )
            content = build(suggestion=suggestion, authority=authority, by_demo=by_demo)
        odt, pdf = document.render_both(content)
    except Exception as exc:
        # Recorded for the status page (the officer can build again) and logged for us;
        # not re-raised, so an eager build under `make run` shows the page, not a 500.
        logger.exception("Business-case pack %s failed", pack_id)
        BusinessCasePack.objects.filter(pk=pack_id).update(
            status=BusinessCasePack.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return BusinessCasePack.Status.FAILED
    BusinessCasePack.objects.filter(pk=pack_id).update(
        status=BusinessCasePack.Status.READY,
        title=content.title,
        odt=odt,
        pdf=pdf,
        is_demo=content.demo,
        build_seconds=time.perf_counter() - started,
        finished_at=timezone.now(),
    )
    return BusinessCasePack.Status.READY
