"""Joining a council and managing its members. (Placeholder: being built.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def join(request: HttpRequest) -> HttpResponse:
    return render(request, "councils/join.html", {})


def members(request: HttpRequest, gss_code: str) -> HttpResponse:
    raise NotImplementedError


def membership_decide(request: HttpRequest, gss_code: str, membership_id: int) -> HttpResponse:
    raise NotImplementedError


def membership_role(request: HttpRequest, gss_code: str, membership_id: int) -> HttpResponse:
    raise NotImplementedError
