"""The staff audit log page. Thin: check staff, call one selector, render."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .models import AuditEntry
from .pagination import paginate
from .selectors import audit_log_filter

AUDIT_PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "HEAD"])
def audit_log(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only site staff can see the audit log.")
    filterset = audit_log_filter(params=request.GET)
    entries = filterset.qs if filterset.is_valid() else AuditEntry.objects.none()
    context = {
        "filter": filterset,
        "form": filterset.form,  # for the error summary and the "Error:" title prefix
        **paginate(request, entries, per_page=AUDIT_PAGE_SIZE),
    }
    return render(request, "core/audit_log.html", context)
