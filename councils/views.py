"""Council directory, profile page and profile editing.

Views parse the request, call one selector or service and render; the
permission rule for editing lives in councils.selectors.user_is_authority_admin
and is checked again by the service.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from core.pagination import paginate

from .auth import acting_user
from .forms import AuthorityProfileForm
from .models import Authority, AuthorityProfile
from .selectors import authority_directory, user_is_authority_admin
from .services import authority_profile_update

DIRECTORY_PAGE_SIZE = 25


@require_http_methods(["GET", "HEAD"])
def directory(request: HttpRequest) -> HttpResponse:
    filterset = authority_directory(params=request.GET)
    valid = filterset.is_valid()
    councils = filterset.qs if valid else Authority.objects.none()
    context = {
        "filter": filterset,
        "form": filterset.form,  # for the error summary and the "Error:" title prefix
        **paginate(request, councils, per_page=DIRECTORY_PAGE_SIZE),
    }
    return render(request, "councils/directory.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, gss_code: str) -> HttpResponse:
    authority = get_object_or_404(Authority, gss_code=gss_code)
    if not user_is_authority_admin(user=acting_user(request), authority=authority):
        raise PermissionDenied(
            "Only this organisation's admins or site staff can edit its profile."
        )
    profile = AuthorityProfile.objects.filter(authority=authority).first()
    instance = profile or AuthorityProfile(authority=authority)
    data = request.POST if request.method == "POST" else None
    form = AuthorityProfileForm(data, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            authority_profile_update(
                authority=authority, by=acting_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{authority.short_name}’s profile has been updated")
            return redirect(authority)
    return render(request, "councils/profile_edit.html", {"authority": authority, "form": form})
