"""Django admin for site staff.

Imported reference data (authorities, adjacency, spend) is read-only here:
the importers own it, and an edit would be lost on the next import. Staff
manage what people cannot do for themselves: email domains that prove
someone works for a council, and memberships.
"""

from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from core.admin import AuditedAdminMixin
from core.forms import PlainTextFormMixin

from . import services
from .auth import acting_user
from .email_domains import clean_email_domain
from .models import (
    Adjacency,
    Authority,
    AuthorityProfile,
    BodyArea,
    Deprivation,
    EmailDomain,
    EmailPreference,
    Invitation,
    Membership,
    RuralUrban,
    SharedEmailDomain,
    SpendLine,
    SpendRecord,
    User,
)

_ModelT = TypeVar("_ModelT", bound=Model)


class EmailDomainForm(PlainTextFormMixin, forms.ModelForm[EmailDomain]):
    class Meta:
        model = EmailDomain
        fields = ["authority", "domain"]

    def clean_domain(self) -> str:
        return clean_email_domain(self.cleaned_data["domain"])


class ReadOnlyAdmin(admin.ModelAdmin[_ModelT]):
    """For imported data: staff can look, the importer writes."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EmailDomainInline(admin.TabularInline[EmailDomain, Authority]):
    model = EmailDomain
    form = EmailDomainForm
    fields = ["domain", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]
    extra = 0


@admin.register(Authority)
class AuthorityAdmin(AuditedAdminMixin, admin.ModelAdmin[Authority]):
    list_display = ["name", "gss_code", "kind", "authority_type", "tier", "nation", "status"]
    list_filter = ["kind", "status", "nation", "tier", "authority_type", "region"]
    search_fields = ["name", "short_name", "gss_code"]
    ordering = ["name"]
    # Everything but staff notes comes from the importer.
    readonly_fields = [
        f.name for f in Authority._meta.get_fields() if f.concrete and f.name not in {"notes"}
    ]
    inlines = [EmailDomainInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, EmailDomain) and instance.added_by_id is None:
                instance.added_by_id = request.user.pk
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(AuthorityProfile)
class AuthorityProfileAdmin(AuditedAdminMixin, admin.ModelAdmin[AuthorityProfile]):
    list_display = ["authority", "contact_name", "contact_email", "updated_at", "updated_by"]
    search_fields = ["authority__name", "authority__gss_code", "contact_email"]
    autocomplete_fields = ["authority"]
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(EmailDomain)
class EmailDomainAdmin(AuditedAdminMixin, admin.ModelAdmin[EmailDomain]):
    form = EmailDomainForm
    list_display = ["domain", "authority", "added_by", "created_at"]
    list_filter = ["authority__nation"]
    search_fields = ["domain", "authority__name", "authority__gss_code"]
    autocomplete_fields = ["authority"]
    readonly_fields = ["added_by", "created_at"]
    list_select_related = ["authority", "added_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change or obj.added_by_id is None:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin[Membership]):
    list_display = ["user", "authority", "role", "status", "method", "created_at", "decided_at"]
    list_filter = ["status", "role", "method", "authority__nation"]
    search_fields = ["user__email", "user__full_name", "authority__name", "authority__gss_code"]
    autocomplete_fields = ["user", "authority"]
    readonly_fields = ["created_at", "decided_at", "decided_by"]
    list_select_related = ["user", "authority"]
    actions = ["approve_selected"]

    @admin.action(description="Approve selected pending requests (emails each person)")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        approved = 0
        user = acting_user(request)
        for membership in queryset.filter(status=Membership.Status.PENDING):
            try:
                services.membership_decide(membership=membership, by=user, approve=True)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{membership}: {exc}", level=messages.ERROR)
            else:
                approved += 1
        self.message_user(request, f"Approved {approved} request(s).", level=messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and obj.method == "":
            obj.method = Membership.Method.STAFF
        super().save_model(request, obj, form, change)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin[User]):
    """Django's user admin, keyed on email (our users have no username)."""

    ordering = ["email"]
    list_display = ["email", "full_name", "job_title", "is_staff", "is_demo", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "is_demo"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal details", {"fields": ("full_name", "job_title", "is_demo")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(BodyArea)
class BodyAreaAdmin(ReadOnlyAdmin[BodyArea]):
    list_display = ["body", "council", "share"]
    list_filter = ["body__kind"]
    search_fields = ["body__name", "body__gss_code", "council__name", "council__gss_code"]
    list_select_related = ["body", "council"]


@admin.register(Adjacency)
class AdjacencyAdmin(ReadOnlyAdmin[Adjacency]):
    list_display = ["authority_a", "authority_b", "layer", "via_successor_mapping"]
    list_filter = ["layer", "via_successor_mapping"]
    search_fields = ["authority_a__name", "authority_b__name", "authority_a__gss_code"]
    list_select_related = ["authority_a", "authority_b"]


@admin.register(SpendLine)
class SpendLineAdmin(ReadOnlyAdmin[SpendLine]):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(SpendRecord)
class SpendRecordAdmin(ReadOnlyAdmin[SpendRecord]):
    list_display = ["authority", "year", "line", "net_expenditure_thousands"]
    list_filter = ["year", "line"]
    search_fields = ["authority__name", "authority__gss_code"]
    list_select_related = ["authority", "line"]


@admin.register(Deprivation)
class DeprivationAdmin(ReadOnlyAdmin[Deprivation]):
    list_display = ["authority", "index", "rank_avg_score", "avg_score"]
    list_filter = ["index", "preferred"]
    search_fields = ["authority__name", "authority__gss_code"]
    list_select_related = ["authority"]


@admin.register(RuralUrban)
class RuralUrbanAdmin(ReadOnlyAdmin[RuralUrban]):
    list_display = ["authority", "ruc21_code", "ruc21_name", "urban_rural"]
    list_filter = ["urban_rural", "ruc21_code"]
    search_fields = ["authority__name", "authority__gss_code"]
    list_select_related = ["authority"]


@admin.register(SharedEmailDomain)
class SharedEmailDomainAdmin(AuditedAdminMixin, admin.ModelAdmin[SharedEmailDomain]):
    """Domains many organisations share: never auto-join, never registrable."""

    list_display = ["domain", "note"]
    search_fields = ["domain"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin[Invitation]):
    """Admins send and cancel invitations on their members pages (audited there);
    staff can look here. The token is left out: it is a credential."""

    list_display = ["email", "authority", "invited_by", "created_at", "accepted_at", "cancelled_at"]
    list_filter = ["authority__nation"]
    search_fields = ["email", "authority__name", "authority__gss_code"]
    list_select_related = ["authority", "invited_by"]
    exclude = ["token"]


@admin.register(EmailPreference)
class EmailPreferenceAdmin(AuditedAdminMixin, admin.ModelAdmin[EmailPreference]):
    list_display = ["user", "join_requests", "interest_updates", "group_suggestions", "updated_at"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]
