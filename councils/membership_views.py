"""Joining a council and managing its members.

Every view that changes something takes POST only, checks permission on the
server (the council's admins or site staff) and only touches memberships of
the council named in the URL, so a valid URL for your own council cannot be
used to decide another council's request.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .auth import acting_user
from .membership_forms import (
    InvitationForm,
    JoinRequestForm,
    MembershipDecisionForm,
    MembershipRoleForm,
)
from .models import Authority, Invitation, Membership


def _admin_authority(request: HttpRequest, gss_code: str) -> Authority:
    """The council in the URL, if the signed-in user may manage its members."""
    authority = get_object_or_404(Authority, gss_code=gss_code)
    user = acting_user(request)
    if not selectors.user_is_authority_admin(user=user, authority=authority):
        raise PermissionDenied("Only this council's authority admins can manage its members.")
    return authority


def _membership_of(authority: Authority, membership_id: int) -> Membership:
    # Filtering by authority is the check: another council's membership is a 404.
    return get_object_or_404(
        Membership.objects.select_related("user", "authority"),
        pk=membership_id,
        authority=authority,
    )


def _members_url(authority: Authority) -> str:
    return reverse("councils:members", kwargs={"gss_code": authority.gss_code})


def _first_error(exc: ValidationError) -> str:
    return exc.messages[0] if exc.messages else "Something went wrong. Try again."


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Choose a council and ask to act for it; or see the request waiting."""
    user = acting_user(request)
    open_membership = selectors.membership_open(user=user)
    if open_membership is not None:
        # One open request or membership at a time; a POST cannot add a second.
        status = 409 if request.method == "POST" else 200
        context: dict[str, object] = {"membership": open_membership}
        if open_membership.status == Membership.Status.PENDING:
            context["deciders"] = selectors.join_request_deciders(
                authority=open_membership.authority
            )
        return render(request, "councils/join.html", context, status=status)
    choices = selectors.authority_join_choices()
    initial = {"full_name": user.full_name, "job_title": user.job_title}
    form = JoinRequestForm(request.POST or None, initial=initial, authority_choices=list(choices))
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_request(
                user=user,
                authority=form.cleaned_data["authority"],
                message=form.cleaned_data["message"],
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
            )
        except ValidationError as exc:
            form.add_error(None, _first_error(exc))
        else:
            messages.success(
                request, f"Your request to join {membership.authority.name} has been sent."
            )
            return redirect("councils:join")
    return render(
        request,
        "councils/join.html",
        {"form": form, "last_rejected": selectors.membership_last_rejected(user=user)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET"])
def members(request: HttpRequest, gss_code: str) -> HttpResponse:
    authority = _admin_authority(request, gss_code)
    return render(
        request,
        "councils/members.html",
        {
            "authority": authority,
            "members": list(selectors.authority_members(authority=authority)),
            "requests": list(selectors.authority_join_requests(authority=authority)),
            "removed": selectors.authority_removed_members(authority=authority),
            "invitations_open": sum(
                1 for i in selectors.authority_invitations(authority=authority) if i.is_open
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_decide(request: HttpRequest, gss_code: str, membership_id: int) -> HttpResponse:
    """Approve or reject a pending request. GET shows the form; POST decides."""
    authority = _admin_authority(request, gss_code)
    membership = _membership_of(authority, membership_id)
    if membership.status != Membership.Status.PENDING:
        messages.info(request, f"The request from {membership.user} has already been decided.")
        return HttpResponseRedirect(_members_url(authority))
    # "Reject" on the members page links here with the choice made already.
    initial = {"decision": request.GET.get("decision", "")}
    form = MembershipDecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        user = acting_user(request)
        try:
            services.membership_decide(
                membership=membership,
                by=user,
                approve=form.approve,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, _first_error(exc))
        else:
            outcome = "approved" if form.approve else "rejected"
            messages.success(
                request,
                f"You {outcome} the request from {membership.user}. We have emailed them.",
            )
            return HttpResponseRedirect(_members_url(authority))
    return render(
        request,
        "councils/membership_decide.html",
        {"authority": authority, "membership": membership, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def membership_role(request: HttpRequest, gss_code: str, membership_id: int) -> HttpResponse:
    authority = _admin_authority(request, gss_code)
    membership = _membership_of(authority, membership_id)
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["role"][0]))
        return HttpResponseRedirect(_members_url(authority))
    user = acting_user(request)
    try:
        updated = services.membership_set_role(
            membership=membership, by=user, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, f"{updated.user} is now {updated.get_role_display().lower()}.")
    return HttpResponseRedirect(_members_url(authority))


@login_required
@require_http_methods(["GET", "POST"])
def membership_remove(request: HttpRequest, gss_code: str, membership_id: int) -> HttpResponse:
    """Confirm (GET) and remove (POST) a member. Their history is kept (status REMOVED)."""
    authority = _admin_authority(request, gss_code)
    membership = _membership_of(authority, membership_id)
    if membership.status != Membership.Status.APPROVED:
        return HttpResponseRedirect(_members_url(authority))
    error = ""
    if request.method == "POST":
        user = acting_user(request)
        try:
            services.membership_remove(membership=membership, by=user)
        except ValidationError as exc:
            error = _first_error(exc)
        else:
            messages.success(request, f"{membership.user} no longer acts for {authority.name}.")
            if membership.user_id == user.pk and not user.is_staff:
                return redirect("councils:join")
            return HttpResponseRedirect(_members_url(authority))
    return render(
        request,
        "councils/membership_remove.html",
        {"authority": authority, "membership": membership, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def membership_readd(request: HttpRequest, gss_code: str, membership_id: int) -> HttpResponse:
    """Add a removed member back as an officer (their verified domain never does)."""
    authority = _admin_authority(request, gss_code)
    membership = _membership_of(authority, membership_id)
    try:
        services.membership_readd(membership=membership, by=acting_user(request))
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, f"{membership.user} acts for {authority.name} again.")
    return HttpResponseRedirect(_members_url(authority))


@login_required
@require_http_methods(["GET"])
def join_queue(request: HttpRequest) -> HttpResponse:
    """Staff: every pending join request, oldest first, with its age in working days."""
    user = acting_user(request)
    if not selectors.user_is_staff_with_mfa(user=user):
        raise PermissionDenied(
            "Only site staff who sign in with an authenticator app can see this."
        )
    rows = selectors.staff_join_queue(today=timezone.localdate())
    return render(request, "councils/join_queue.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest, gss_code: str) -> HttpResponse:
    """An admin invites colleagues by email and sees the invitations sent."""
    authority = _admin_authority(request, gss_code)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                authority=authority, by=acting_user(request), email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            form.add_error("email", _first_error(exc))
        else:
            messages.success(request, f"We have emailed an invitation to {invitation.email}.")
            return redirect("councils:invitations", gss_code=authority.gss_code)
    return render(
        request,
        "councils/invitations.html",
        {
            "authority": authority,
            "form": form,
            "invitations": selectors.authority_invitations(authority=authority),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, gss_code: str, invitation_id: int) -> HttpResponse:
    authority = _admin_authority(request, gss_code)
    invitation = get_object_or_404(Invitation, pk=invitation_id, authority=authority)
    services.invitation_cancel(invitation=invitation, by=acting_user(request))
    messages.success(request, f"The invitation to {invitation.email} has been cancelled.")
    return redirect("councils:invitations", gss_code=authority.gss_code)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Where an invitation email's link lands. Signed out: how to accept (sign up or
    sign in with the invited address). Signed in with that verified address: accept."""
    invitation = selectors.invitation_open_for(token=token)
    if invitation is None:
        return render(request, "councils/invitation.html", {"invitation": None}, status=404)
    user = request.user
    matches = selectors.user_has_verified_email(user=user, email=invitation.email)
    if request.method == "POST":
        if not matches:
            raise PermissionDenied("Sign in with the address this invitation was sent to.")
        membership = services.invitation_accept_for_email(
            user=acting_user(request), email=invitation.email
        )
        if membership is None:
            messages.error(
                request,
                "You already act for, or have asked to join, an organisation. "
                "Leave it first, then open the invitation again.",
            )
            return redirect("councils:invitation", token=token)
        messages.success(request, f"You now act for {membership.authority.name}.")
        return redirect("home")
    return render(
        request,
        "councils/invitation.html",
        {"invitation": invitation, "matches": matches},
    )
