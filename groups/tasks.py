"""Thin Celery tasks for groups: take ids, call one service."""

from celery import shared_task

from groups import shortlist_services


@shared_task(acks_late=True, name="groups.tasks.pack_build_task")
def pack_build_task(pack_id: int) -> str:
    """Build a business-case pack (groups.shortlist_services.pack_build)."""
    return str(shortlist_services.pack_build(pack_id=pack_id))
