"""A person's own data: see what we hold, download it, delete the account.

Only ever the signed-in person's records (request.user); nobody chooses whose.
"""

import json

from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .account_forms import AccountDeleteForm
from .account_services import (
    STAFF_REFUSAL,
    AccountDeleteRefused,
    account_can_delete_itself,
    account_delete,
)
from .auth import acting_user
from .personal_data import personal_data_export


@login_required
@require_GET
def your_data(request: HttpRequest) -> HttpResponse:
    can_delete = account_can_delete_itself(user=acting_user(request))
    return render(
        request,
        "councils/account/your_data.html",
        {"refusal": None if can_delete else STAFF_REFUSAL},
    )


@never_cache  # Cache-Control: no-store, so no shared or browser cache keeps a copy
@login_required
@require_GET
def your_data_download(request: HttpRequest) -> HttpResponse:
    data = personal_data_export(user=acting_user(request))
    filename = f"{slugify(settings.SITE_NAME)}-your-data-{timezone.localdate():%Y-%m-%d}.json"
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete_confirm(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not account_can_delete_itself(user=user):
        status = 403 if request.method == "POST" else 200
        context = {"refusal": STAFF_REFUSAL}
        return render(request, "councils/account/delete.html", context, status=status)
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST":
        # allauth's limit for re-entering a password: a session left open cannot be
        # used to guess it.
        limited: HttpResponse | None = ratelimit.consume_or_429(
            request, action="reauthenticate", user=user
        )
        if limited is not None:
            return limited
        if form.is_valid():
            try:
                account_delete(user=user)
            except AccountDeleteRefused as exc:
                form.add_error(None, str(exc))
            else:
                logout(request)
                return redirect("account_deleted")
    return render(request, "councils/account/delete.html", {"form": form})


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "councils/account/deleted.html")
