"""The audit log in the Django admin (read-only), and the mixin that feeds it.

`AuditedAdminMixin` goes first in a ModelAdmin's bases:

    class EmailDomainAdmin(AuditedAdminMixin, admin.ModelAdmin):
        audit_name = "email_domain"

It records `<audit_name>.add`, `.change` and `.delete` with the changed fields
before and after, for the change form, list_editable rows, inline rows (each
inline row under its own model's registered admin's name), the delete page and
the "delete selected" action; and any other change the admin logs (a user's
password set by staff) with the admin's own change message. Everything runs
inside the admin's transaction, so a failed save records nothing.
"""

from collections.abc import Collection, Sequence
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, router, transaction
from django.db.models import QuerySet
from django.forms import BaseModelFormSet
from django.http import HttpRequest
from django.utils.text import camel_case_to_spaces

from .audit import audit_record, model_snapshot, snapshot_diff
from .models import AuditEntry

_DONE = "_audit_done"  # request attribute: (model label, pk) already recorded this request
_BEFORE = "_audit_before"  # request attribute: (model label, pk) -> snapshot before the save


def _key(obj: models.Model) -> tuple[str, str]:
    return (obj._meta.label, str(obj.pk))


def _store(request: HttpRequest, name: str, default: Any) -> Any:
    if not hasattr(request, name):
        setattr(request, name, default)
    return getattr(request, name)


def _actor(request: HttpRequest) -> AbstractBaseUser | None:
    return cast(AbstractBaseUser, request.user) if request.user.is_authenticated else None


def _non_empty(snapshot: dict[str, Any]) -> dict[str, Any]:
    """An added or deleted record's fields without the blank ones (less to read)."""
    return {name: value for name, value in snapshot.items() if value not in (None, "", [])}


class AuditedAdminMixin:
    """Records every add, change and delete made through this ModelAdmin."""

    # The action prefix ("email_domain" -> "email_domain.change"); default: the
    # model's class name in snake case.
    audit_name: str = ""
    # The fields compared; default: every field a person can edit.
    audit_fields: Sequence[str] | None = None
    # Recorded as changed, never with their value.
    audit_hidden_fields: Collection[str] = ("password",)

    # Any: each ModelAdmin[X] it is mixed into narrows this to type[X].
    model: type[Any]
    admin_site: admin.AdminSite

    # --- what to call things ----------------------------------------------------------

    def _audit_settings(self, model: type[models.Model]) -> tuple[str, Any, Collection[str]]:
        """(name, fields, hidden) for `model`: this admin's own, or for an inline's
        model those of the admin it is registered with."""
        source: Any = self
        if model is not self.model:
            try:
                source = self.admin_site.get_model_admin(model)
            except NotRegistered:
                source = None
        name = getattr(source, "audit_name", "") or camel_case_to_spaces(
            model._meta.object_name or model.__name__
        ).replace(" ", "_")
        fields = getattr(source, "audit_fields", None)
        hidden = getattr(source, "audit_hidden_fields", ("password",))
        return name, fields, hidden

    def _audit_snapshot(self, obj: models.Model) -> dict[str, Any]:
        _name, fields, _hidden = self._audit_settings(type(obj))
        return model_snapshot(obj, fields)

    def _audit_stored_snapshot(self, obj: models.Model) -> dict[str, Any]:
        """The record as the database has it (the form has already changed `obj`)."""
        stored = type(obj)._base_manager.filter(pk=obj.pk).first()
        return self._audit_snapshot(stored) if stored is not None else {}

    def _audit(
        self,
        request: HttpRequest,
        obj: models.Model,
        verb: str,
        before: dict[str, Any],
        after: dict[str, Any],
        reason: str = "",
    ) -> None:
        name, _fields, hidden = self._audit_settings(type(obj))
        changed_before, changed_after = snapshot_diff(before, after, hidden=hidden)
        _store(request, _DONE, set()).add(_key(obj))
        if verb == "change" and not (changed_before or changed_after or reason):
            return  # saved with nothing changed: not an action
        audit_record(
            actor=_actor(request),
            action=f"{name}.{verb}",
            target=obj,
            before=changed_before,
            after=changed_after,
            reason=reason,
        )

    # --- the admin's hooks --------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = self._audit_stored_snapshot(obj) if change else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        _store(request, _BEFORE, {})[_key(obj)] = before

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Inline rows: read what the database holds before their formsets save.
        inline_before: dict[tuple[str, str], dict[str, Any]] = {}
        for formset in formsets:
            if not isinstance(formset, BaseModelFormSet):
                continue
            for inline_form in formset.initial_forms:
                instance = inline_form.instance
                if formset.can_delete and inline_form.cleaned_data.get("DELETE", False):
                    # Recorded now, while the row still has its key.
                    before = self._audit_stored_snapshot(instance)
                    self._audit(request, instance, "delete", _non_empty(before), {})
                elif inline_form.has_changed():
                    inline_before[_key(instance)] = self._audit_stored_snapshot(instance)
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        for formset in formsets:
            if not isinstance(formset, BaseModelFormSet):
                continue
            for instance in getattr(formset, "new_objects", []):
                self._audit(
                    request, instance, "add", {}, _non_empty(self._audit_snapshot(instance))
                )
            for instance, _fields in getattr(formset, "changed_objects", []):
                before = inline_before.get(_key(instance), {})
                self._audit(request, instance, "change", before, self._audit_snapshot(instance))
        obj = form.instance
        before = _store(request, _BEFORE, {}).pop(_key(obj), {})
        after = self._audit_snapshot(obj)  # after save_m2m, so many-to-many changes count
        if change:
            self._audit(request, obj, "change", before, after)
        else:
            self._audit(request, obj, "add", {}, _non_empty(after))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, obj, "delete", _non_empty(self._audit_snapshot(obj)), {})
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # "Delete selected" is not wrapped in a transaction by the admin.
        with transaction.atomic(using=router.db_for_write(self.model)):
            for obj in queryset:
                self._audit(request, obj, "delete", _non_empty(self._audit_snapshot(obj)), {})
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        """Any change not seen above (a password set on the user admin's own page)."""
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        if _key(obj) not in _store(request, _DONE, set()):
            summary = entry.get_change_message() if entry is not None else ""
            self._audit(request, obj, "change", {}, {}, reason=summary or "Changed.")
        return entry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: nobody adds, changes or deletes an entry, superusers included."""

    list_display = ["at", "actor_label", "action", "target_label", "reason"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "action", "reason"]
    date_hierarchy = "at"
    list_select_related = ["target_content_type"]
    readonly_fields = [
        "at",
        "actor",
        "actor_label",
        "action",
        "target_content_type",
        "target_object_id",
        "target_label",
        "before",
        "after",
        "reason",
    ]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
