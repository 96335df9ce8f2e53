"""Council directory and profile pages. (Placeholder: being built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Authority


def directory(request: HttpRequest) -> HttpResponse:
    return render(request, "councils/directory.html", {})


def detail(request: HttpRequest, gss_code: str) -> HttpResponse:
    authority = get_object_or_404(Authority, gss_code=gss_code)
    return render(request, "councils/detail.html", {"authority": authority})


def profile_edit(request: HttpRequest, gss_code: str) -> HttpResponse:
    raise NotImplementedError
