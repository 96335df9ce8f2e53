"""Owner-facing listing pages: create, edit, submit, withdraw, renew, detail, dashboard.

Thin: parse the request, call one selector or service, render. Permission
is checked here (to choose 403/404/sign-in) and again in the service.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from councils.auth import acting_user
from councils.models import Authority, User
from councils.selectors import membership_current, user_can_act_for
from offers import selectors, services
from offers.forms import KindForm, ListingForm, ReasonForm
from offers.lifecycle import ListingError, Role
from offers.models import Listing, ListingEvent
from offers.services import ListingConflict

Action = ListingEvent.Action


def _user(request: HttpRequest) -> User:
    return acting_user(request)


def _acting_authority(request: HttpRequest) -> Authority:
    """The council the signed-in user acts for; refuses people without one."""
    membership = membership_current(user=_user(request))
    if membership is None or not membership.authority.is_current:
        raise PermissionDenied("You need to be an approved officer of a council to do this.")
    return membership.authority


def _owned_listing(request: HttpRequest, pk: int) -> Listing:
    """The listing, if the user acts for its council; else 404 (cannot see) or 403."""
    listing = selectors.listing_for_page(pk=pk)
    if listing is None:
        raise Http404("No such listing")
    user = _user(request)
    if not user_can_act_for(user=user, authority=listing.authority):
        if selectors.listing_access(listing=listing, user=user) != selectors.Access.ALLOWED:
            raise Http404("No such listing")
        raise PermissionDenied("Only officers of this council can change its listings.")
    return listing


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def listing_create_kind(request: HttpRequest) -> HttpResponse:
    authority = _acting_authority(request)
    form = KindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("offers:create", kind=form.cleaned_data["kind"])
    return render(request, "offers/create_kind.html", {"form": form, "authority": authority})


@login_required
@require_http_methods(["GET", "POST"])
def listing_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Listing.Kind.values:
        raise Http404("No such kind of listing")
    authority = _acting_authority(request)
    user = _user(request)
    initial = {"contact_name": user.full_name, "contact_email": user.email}
    form = ListingForm(request.POST or None, authority=authority, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.changes()
        try:
            listing = services.listing_create(authority=authority, by=user, kind=kind, **values)
        except ValidationError as error:
            form.add_error(None, error)
        except ListingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Draft saved. Submit it for review when it is ready.")
            return redirect(listing)
    return render(
        request,
        "offers/listing_form.html",
        {"form": form, "authority": authority, "kind": Listing.Kind(kind), "listing": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _owned_listing(request, pk)
    conflict: Listing | None = None
    if request.method == "POST":
        # The form gets its own copy: a bound ModelForm writes the posted values
        # onto its instance, and the page around it shows the saved listing.
        form = ListingForm(
            request.POST, instance=selectors.listing_for_page(pk=pk), authority=listing.authority
        )
        form.fields["version"].required = True
        form.fields["version"].error_messages["required"] = (
            "This page is out of date. Reload it and make your changes again"
        )
        if form.is_valid():
            try:
                listing = services.listing_update(
                    listing=listing,
                    by=_user(request),
                    version=form.cleaned_data["version"],
                    changes=form.changes(),
                )
            except ListingConflict as error:
                conflict = selectors.listing_for_page(pk=pk) or error.current
                listing = conflict
                # Keep every word the user typed; the next save is made
                # against the version they have now seen.
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                # A fresh instance: a bound ModelForm writes its values onto it.
                form = ListingForm(
                    data, instance=selectors.listing_for_page(pk=pk), authority=listing.authority
                )
                form.is_valid()
                form.add_error(
                    None,
                    "Someone else changed this listing while you were editing it. Your changes "
                    "have not been saved. Their version is below; copy anything you need into "
                    "the form, then save again.",
                )
            except ValidationError as error:
                form.add_error(None, error)
            except ListingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _edit_saved_message(listing))
                return redirect(listing)
    else:
        # An edit waiting for a moderator is what the owner goes on editing.
        held = services.listing_held_version(listing=listing)
        instance, initial = listing, dict[str, Any](version=listing.version)
        if held is not None:
            instance, partners = held
            initial["named_partners"] = partners
        form = ListingForm(instance=instance, authority=listing.authority, initial=initial)
    return render(
        request,
        "offers/listing_form.html",
        {
            "form": form,
            "authority": listing.authority,
            "kind": Listing.Kind(listing.kind),
            "listing": listing,
            "conflict": conflict,
            "conflict_values": (
                services.listing_field_values(listing=conflict) if conflict else None
            ),
        },
    )


def _edit_saved_message(listing: Listing) -> str:
    if listing.status != Listing.Status.PUBLISHED:
        return "Your changes have been saved."
    if listing.held_at is not None:
        return (
            "Your changes have been saved but are not shown yet: the automated checks found "
            "a link, an email address or a screened word, so a moderator will check them "
            "first. Until then the listing stays published as it was."
        )
    return "Your changes have been saved and published. A moderator will check them."


def _confirm(
    request: HttpRequest,
    pk: int,
    *,
    action: str,
    template: str,
    done_message: str,
    with_reason: bool = False,
) -> HttpResponse:
    """GET shows a confirmation page; POST performs `action` through its service."""
    listing = _owned_listing(request, pk)
    form = ReasonForm(request.POST or None) if with_reason else None
    error: str | None = None
    if request.method == "POST" and (form is None or form.is_valid()):
        user = _user(request)
        version = _posted_version(request)
        try:
            if action == Action.SUBMITTED:
                services.listing_submit(listing=listing, by=user, version=version)
            elif action == Action.WITHDRAWN:
                reason = form.cleaned_data["reason"] if form else ""
                services.listing_withdraw(listing=listing, by=user, reason=reason, version=version)
            else:
                services.listing_renew(listing=listing, by=user)
        except ListingConflict:
            error = (
                "Someone else changed this listing after you opened this page. "
                "Check the listing below, then try again."
            )
            listing = selectors.listing_for_page(pk=pk) or listing
        except ListingError as refusal:
            error = str(refusal)
        else:
            messages.success(request, done_message)
            return redirect("offers:detail", pk=pk)
    return render(
        request,
        template,
        {
            "listing": listing,
            "form": form,
            "action_error": error,
            "allowed": action in selectors.next_actions(status=listing.status),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        action=Action.SUBMITTED,
        template="offers/confirm_submit.html",
        done_message="Your listing has been sent for review. We will email you when it is checked.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        action=Action.WITHDRAWN,
        template="offers/confirm_withdraw.html",
        done_message="Your listing has been withdrawn.",
        with_reason=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_renew(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(
        request,
        pk,
        action=Action.RENEWED,
        template="offers/confirm_renew.html",
        done_message="Your listing has been renewed for another six months.",
    )


def listing_detail_context(request: HttpRequest, pk: int) -> dict[str, Any] | HttpResponse:
    """The listing page's own context, or the response that replaces the page (sign in).

    The page itself is composed in marketplace.views.listing_detail, which adds
    the suggested partners (matching, a room above offers) and renders it.
    """
    listing = selectors.listing_for_page(pk=pk)
    if listing is None:
        raise Http404("No such listing")
    user = _user(request)
    access = selectors.listing_access(listing=listing, user=user)
    if access == selectors.Access.SIGN_IN:
        return redirect_to_login(request.get_full_path())
    if access != selectors.Access.ALLOWED:
        raise Http404("No such listing")
    roles = selectors.listing_roles(listing=listing, user=user)
    can_see_history = bool(roles & {Role.OWNER, Role.STAFF})
    return {
        "listing": listing,
        "is_owner": Role.OWNER in roles,
        "owner_actions": selectors.next_actions(status=listing.status)
        if Role.OWNER in roles
        else [],
        "history": list(selectors.listing_history(listing=listing)) if can_see_history else None,
        "similar": (
            selectors.listings_similar(listing=listing, user=user)
            if listing.status == Listing.Status.PUBLISHED
            else []
        ),
    }


@login_required
@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    membership = membership_current(user=_user(request))
    if membership is None:
        return render(request, "offers/dashboard_no_council.html", status=200)
    groups = selectors.dashboard_groups(authority=membership.authority)
    return render(
        request,
        "offers/dashboard.html",
        {
            "authority": membership.authority,
            "groups": groups,
            "total": sum(len(g.listings) for g in groups),
            "actions_by_status": {
                g.status: selectors.next_actions(status=g.status) for g in groups
            },
        },
    )
