"""Record what staff do: one call per action, in the action's own transaction.

    audit_record(actor=by, action="membership.decide", target=membership,
                 before={"status": "pending"}, after={"status": "approved"}, reason=reason)

Call it inside the service's `transaction.atomic` block, so an action that is
rolled back leaves no entry and an entry never goes missing for an action that
happened. `model_snapshot` and `snapshot_diff` give the changed fields of a
record edited in the Django admin (core.admin.AuditedAdminMixin).
"""

import datetime as dt
import decimal
import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import Promise

from .models import AuditEntry

HIDDEN = "[hidden]"  # in place of a secret's value (a password hash): the change is kept, not it
_LABEL_MAX = 300


def json_safe(value: Any) -> Any:
    """`value` as JSON can store it, readably: dates as ISO 8601, decimals as strings
    (a float would turn 1.8 into 1.8000000000000000444), records by their name."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal | uuid.UUID | Promise):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(json_safe(item) for item in value)
    if isinstance(value, Iterable) and not isinstance(value, bytes):
        return [json_safe(item) for item in value]
    return str(value)


def audited_field_names(model: type[models.Model]) -> list[str]:
    """The fields a person can edit: concrete and many-to-many, not the primary key
    and not the ones Django fills in (auto_now timestamps are editable=False)."""
    opts = model._meta
    return [
        field.name
        for field in [*opts.concrete_fields, *opts.many_to_many]
        if field.editable and not field.primary_key
    ]


def model_snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The record's values by field name, JSON-safe, to compare before and after an edit.

    A foreign key is given by the related record's name (what staff recognise),
    a many-to-many field as the sorted names of its records (one query each,
    fine in the admin; read after the form's save_m2m). Unsaved records have
    no many-to-many values yet.
    """
    names = audited_field_names(type(instance)) if fields is None else list(fields)
    snapshot: dict[str, Any] = {}
    for name in names:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            manager = getattr(instance, name)
            related = manager.all() if instance.pk is not None else []
            snapshot[name] = sorted(str(item) for item in related)
        elif field.is_relation:
            snapshot[name] = json_safe(getattr(instance, name))
        else:
            snapshot[name] = json_safe(field.value_from_object(instance))  # type: ignore[union-attr]
    return snapshot


def snapshot_diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, hidden: Collection[str] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields whose value changed, as (before, after).

    A field present on one side only (an added or deleted record) is kept on
    that side. Values of `hidden` fields are replaced with HIDDEN: that the
    password changed is recorded, its hash is not.
    """
    changed_before: dict[str, Any] = {}
    changed_after: dict[str, Any] = {}
    for name in [*before, *(name for name in after if name not in before)]:
        if name in before and name in after and before[name] == after[name]:
            continue
        if name in before:
            changed_before[name] = HIDDEN if name in hidden else before[name]
        if name in after:
            changed_after[name] = HIDDEN if name in hidden else after[name]
    return changed_before, changed_after


def _label(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1] + "…"


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Write one audit entry. `actor=None` means the system acted (no person).

    The target's name and the actor's username (their email address) are copied
    into the entry, so it still reads correctly after either is renamed or
    deleted. Call it before deleting the target: its primary key is read here.
    """
    if target.pk is None:
        raise ValueError("Record the entry before the target is deleted: it has no key now.")
    person = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor_id=person.pk if person is not None else None,
        actor_label=person.get_username() if person is not None else "system",
        action=action,
        target_content_type=ContentType.objects.get_for_model(target),  # cached per process
        target_object_id=str(target.pk),
        target_label=_label(target),
        before=json_safe(before or {}),
        after=json_safe(after or {}),
        reason=reason,
    )
