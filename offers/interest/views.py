"""Express interest in a listing; the owner council marks its progress.

Thin: parse the request, call one selector or service, render. Who may act
is checked here (to choose 403/404/sign-in) and again in the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from councils.auth import acting_user
from councils.models import User
from offers.interest import selectors as selectors
from offers.interest import services as services
from offers.interest.forms import InterestForm, InterestStatusForm
from offers.interest.selectors import Eligibility
from offers.lifecycle import ListingError
from offers.selectors import Access, listing_access, listing_for_page

ALREADY = "You have already expressed interest in this listing"


def _user(request: HttpRequest) -> User:
    return acting_user(request)


@login_required
@require_http_methods(["GET", "POST"])
def interest_express(request: HttpRequest, pk: int) -> HttpResponse:
    listing = listing_for_page(pk=pk)
    user = _user(request)
    if listing is None or listing_access(listing=listing, user=user) != Access.ALLOWED:
        raise Http404("No such listing")
    check = selectors.interest_check(listing=listing, user=user)
    if check.eligibility == Eligibility.ALREADY:
        messages.info(request, ALREADY)
        return redirect(listing)
    if check.eligibility != Eligibility.ALLOWED:
        # Own council, not an officer, or not published: nothing to show them here.
        raise PermissionDenied(services.REFUSALS.get(check.eligibility, ""))
    form = InterestForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _interest, created = services.interest_register(
                listing=listing, by=user, message=form.cleaned_data["message"]
            )
        except services.InterestRateLimited as error:
            form.add_error("message", str(error))
            status = 429
        except ValidationError as error:
            for message in error.messages:
                form.add_error("message", message)
        except ListingError as error:
            raise PermissionDenied(str(error)) from error
        else:
            if created:
                messages.success(
                    request,
                    f"Your message has been sent to {listing.contact_name} at "
                    f"{listing.authority.name}. They will reply to you by email.",
                )
            else:
                messages.info(request, ALREADY)
            return redirect(listing)
    return render(
        request,
        "offers/interest/express.html",
        {"listing": listing, "form": form, "authority": check.authority},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def interest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interest = selectors.interest_for_page(pk=pk)
    user = _user(request)
    if interest is None:
        raise Http404("No such expression of interest")
    is_owner = selectors.interest_is_owner(interest=interest, user=user)
    if not is_owner and interest.sender_id != user.pk:
        raise Http404("No such expression of interest")
    form = InterestStatusForm(request.POST or None, initial={"status": interest.status})
    if request.method == "POST":
        if not is_owner:
            raise PermissionDenied("Only officers of the listing's council can change this.")
        if form.is_valid():
            try:
                services.interest_set_status(
                    interest=interest, by=user, status=form.cleaned_data["status"]
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("status", message)
            except ListingError as error:
                raise PermissionDenied(str(error)) from error
            else:
                messages.success(request, "The status has been updated.")
                return redirect("offers:dashboard")
    return render(
        request,
        "offers/interest/detail.html",
        {"interest": interest, "form": form if is_owner else None, "is_owner": is_owner},
    )
