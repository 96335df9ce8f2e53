"""The moderators' page for search synonyms (staff with MFA); writes in offers.browse.services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import PlainTextFormMixin
from councils.auth import require_staff_with_mfa
from offers.browse import services
from offers.models import SearchSynonym


class SynonymForm(PlainTextFormMixin, forms.Form):
    phrase = forms.CharField(
        label="What people type",
        max_length=100,
        help_text="A word or phrase, for example revs and bens",
        error_messages={
            "required": "Enter what people type",
            "max_length": "What people type must be 100 characters or fewer",
        },
    )
    synonyms = forms.CharField(
        label="What listings say instead",
        max_length=300,
        help_text="Separate them with commas, for example revenues and benefits, council tax",
        error_messages={
            "required": "Enter at least one word listings use instead",
            "max_length": "What listings say must be 300 characters or fewer",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def synonyms_page(request: HttpRequest) -> HttpResponse:
    user = require_staff_with_mfa(request)
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.search_synonym_add(
                phrase=form.cleaned_data["phrase"], synonyms=form.cleaned_data["synonyms"], by=user
            )
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                for message in errors:
                    form.add_error(name, message)
        else:
            messages.success(request, f"A search for “{added.phrase}” now finds {added.synonyms}.")
            return redirect("offers:synonyms")
    return render(
        request,
        "offers/staff/synonyms.html",
        {"form": form, "synonyms": SearchSynonym.objects.order_by("phrase")},
    )


@login_required
@require_POST
def synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = require_staff_with_mfa(request)
    synonym = SearchSynonym.objects.filter(pk=pk).first()
    if synonym is None:
        raise Http404("No such synonym")
    services.search_synonym_delete(synonym=synonym, by=user)
    messages.success(request, f"“{synonym.phrase}” has been removed from the synonyms.")
    return redirect("offers:synonyms")
