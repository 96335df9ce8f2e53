"""A suggested consortium or swap, and starting a conversation with all its members.

Thin: who may see it is the selector's answer (an officer of an organisation with
a live listing in it); the service checks again and sends through offers.interest.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from councils.auth import acting_user
from councils.selectors import membership_current
from groups import services
from groups.forms import ConversationForm
from groups.selectors import (
    Shown,
    suggestion_for_viewer,
    suggestion_map_data,
    suggestion_offers,
)
from offers.interest.services import InterestRateLimited
from offers.lifecycle import NotPermitted


def _shown(request: HttpRequest, key: str) -> Shown:
    membership = membership_current(user=acting_user(request))
    shown = (
        suggestion_for_viewer(key=key, authority=membership.authority)
        if membership is not None
        else None
    )
    if shown is None:  # not a member: as if it did not exist
        raise Http404("No such suggestion")
    return shown


@login_required
@require_GET
def suggestion_detail(request: HttpRequest, key: str) -> HttpResponse:
    shown = _shown(request, key)
    offers = suggestion_offers(shown=shown)
    return render(
        request,
        "groups/suggestion.html",
        {
            "shown": shown,
            "offers": offers,
            "map_data": suggestion_map_data(shown=shown, offers=offers),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def conversation_start(request: HttpRequest, key: str) -> HttpResponse:
    """GET: the confirmation page (who will be written to, the message). POST: send."""
    shown = _shown(request, key)
    form = ConversationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        user = acting_user(request)
        authority = shown.own[0].authority
        try:
            sent = services.conversation_start(
                key=key, authority=authority, by=user, message=form.cleaned_data["message"]
            )
        except InterestRateLimited as error:
            form.add_error("message", str(error))
            status = 429
        except ValidationError as error:
            for message in error.messages:
                form.add_error("message", message)
        except NotPermitted as error:
            raise PermissionDenied(str(error)) from error
        else:
            new = sum(1 for _interest, created in sent if created)
            messages.success(
                request,
                f"Your message has been sent to {new} "
                f"listing{'s' if new != 1 else ''}. Their contacts will reply to you by email."
                if new
                else "You had already written to every member about their listings.",
            )
            return redirect("groups:suggestion", key=key)
    return render(
        request, "groups/conversation.html", {"shown": shown, "form": form}, status=status
    )
