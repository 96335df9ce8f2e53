"""Moderators' page for email domains, outside the Django admin.

Thin: staff with MFA only (councils.auth.require_staff_with_mfa), one service
call per POST (councils.email_domains, audited), then redirect.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import PlainTextFormMixin
from core.pagination import paginate

from . import email_domains
from .auth import require_staff_with_mfa
from .models import Authority, EmailDomain, SharedEmailDomain

DOMAINS_PAGE_SIZE = 50


class EmailDomainAddForm(PlainTextFormMixin, forms.Form):
    authority = forms.ModelChoiceField(
        label="Council",
        queryset=Authority.objects.none(),
        empty_label="Choose a council",
        help_text="People who confirm an address at this domain join this council at once.",
        error_messages={
            "required": "Select the council the domain belongs to",
            "invalid_choice": "Select a council from the list",
        },
        widget=forms.Select(attrs={"data-module": "app-autocomplete"}),
    )
    domain = forms.CharField(
        label="Email domain",
        max_length=253,
        help_text="The part after the @, for example adur-worthing.gov.uk",
        error_messages={"required": "Enter the email domain"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = Authority.objects.current().only(  # type: ignore[attr-defined]
            "pk", "name"
        )


class SharedDomainAddForm(PlainTextFormMixin, forms.Form):
    shared_domain = forms.CharField(
        label="Shared email domain",
        max_length=253,
        help_text="A domain many organisations use, for example nhs.net",
        error_messages={"required": "Enter the shared email domain"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    note = forms.CharField(label="Note", max_length=200, required=False)


@login_required
@require_http_methods(["GET", "POST"])
def email_domains_page(request: HttpRequest) -> HttpResponse:
    user = require_staff_with_mfa(request)
    posted = request.POST.get("form")
    domain_form = EmailDomainAddForm(request.POST if posted == "domain" else None)
    shared_form = SharedDomainAddForm(request.POST if posted == "shared" else None)
    if posted == "domain" and domain_form.is_valid():
        try:
            added = email_domains.email_domain_add(
                authority=domain_form.cleaned_data["authority"],
                domain=domain_form.cleaned_data["domain"],
                by=user,
            )
        except ValidationError as error:
            for message in error.messages:
                domain_form.add_error("domain", message)
        else:
            messages.success(request, f"{added.domain} now joins people to {added.authority.name}.")
            return redirect("councils:email_domains")
    if posted == "shared" and shared_form.is_valid():
        try:
            shared = email_domains.shared_email_domain_add(
                domain=shared_form.cleaned_data["shared_domain"],
                note=shared_form.cleaned_data["note"],
                by=user,
            )
        except ValidationError as error:
            for message in error.messages:
                shared_form.add_error("shared_domain", message)
        else:
            messages.success(request, f"{shared.domain} is now on the shared list.")
            return redirect("councils:email_domains")
    q = request.GET.get("q", "").strip()[:100]
    context = {
        "domain_form": domain_form,
        "shared_form": shared_form,
        # The error summary and the "Error:" title prefix read `form`.
        "form": domain_form if domain_form.errors else shared_form,
        "q": q,
        "shared_domains": email_domains.shared_email_domains_list(),
        **paginate(request, email_domains.email_domains_list(q=q), per_page=DOMAINS_PAGE_SIZE),
    }
    return render(request, "councils/staff/email_domains.html", context)


@login_required
@require_POST
def email_domain_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = require_staff_with_mfa(request)
    email_domain = EmailDomain.objects.select_related("authority").filter(pk=pk).first()
    if email_domain is None:
        raise Http404("No such email domain")
    email_domains.email_domain_remove(email_domain=email_domain, by=user)
    messages.success(
        request,
        f"{email_domain.domain} no longer joins people to {email_domain.authority.name}. "
        "Existing members stay.",
    )
    return redirect("councils:email_domains")


@login_required
@require_POST
def shared_email_domain_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = require_staff_with_mfa(request)
    shared = SharedEmailDomain.objects.filter(pk=pk).first()
    if shared is None:
        raise Http404("No such shared email domain")
    email_domains.shared_email_domain_remove(shared=shared, by=user)
    messages.success(request, f"{shared.domain} is no longer on the shared list.")
    return redirect("councils:email_domains")
