"""Staff page for the email outbox: failed and stuck messages, with a retry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import outbox
from .audit import audit_record
from .models import OutboxMessage
from .pagination import paginate
from .selectors import outbox_problems

PAGE_SIZE = 25


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only site staff can see the email outbox.")


@login_required
@require_http_methods(["GET", "HEAD"])
def outbox_problems_page(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request,
        "core/outbox.html",
        paginate(request, outbox_problems(), per_page=PAGE_SIZE),
    )


@login_required
@require_POST
def outbox_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    _require_staff(request)
    message = get_object_or_404(OutboxMessage, pk=message_id)
    before = {"status": message.status, "attempts": message.attempts}
    if outbox.outbox_retry(message_id=message.pk):
        audit_record(
            actor=request.user if request.user.is_authenticated else None,
            action="outbox.retry",
            target=message,
            before=before,
            after={"status": OutboxMessage.Status.PENDING},
        )
        messages.success(request, f"The email to {', '.join(message.to)} is queued again.")
    else:
        messages.info(request, "That email has been sent already; nothing was queued.")
    return HttpResponseRedirect(reverse("core:outbox"))
