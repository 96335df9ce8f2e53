"""Recording an arrangement, answering as a partner, deciding as a moderator.

Partners and services are a few single selects rather than one multiple select:
each is a labelled control a screen reader announces plainly, and three services
and six partners cover the arrangements in the evaluation set.
"""

from typing import Any, cast

from django import forms
from django.utils import timezone

from core.forms import PlainTextFormMixin
from councils.models import Authority
from offers.models import Interest, Listing, Service

from .models import ArrangementPartner, SharedArrangement
from .services import ArrangementInput, CorrectionInput

PARTNER_FIELDS = 6
SERVICE_FIELDS = 3
_WIDE = {"class": "govuk-!-width-full"}


def _year_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1970,
        max_value=timezone.now().year + 5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "invalid": f"{label} must be a year, like 2018",
            "min_value": f"{label} must be 1970 or later",
            "max_value": f"{label} must be no more than five years ahead",
        },
    )


class ArrangementForm(PlainTextFormMixin, forms.Form):
    name = forms.CharField(
        label="Name of the arrangement",
        max_length=200,
        widget=forms.TextInput(attrs=_WIDE),
        error_messages={"required": "Enter the name of the arrangement"},
    )
    delivery_model = forms.ChoiceField(
        label="How it is shared",
        choices=Listing.DeliveryModel.choices,
        error_messages={"required": "Select how the service is shared"},
    )
    started_year = _year_field("Year it started")
    ended_year = _year_field("Year it ended (leave blank if it is running)")
    annual_savings_gbp = forms.IntegerField(
        label="Reported annual savings in pounds (optional)",
        required=False,
        min_value=0,
        max_value=10_000_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={"invalid": "Enter the savings as a whole number of pounds, like 250000"},
    )
    savings_source_url = forms.URLField(
        label="Where the savings figure is published (required with a figure)",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs=_WIDE),
        error_messages={"invalid": "Enter a web address starting https://"},
    )
    source_url = forms.URLField(
        label="A public page about the arrangement (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs=_WIDE),
        error_messages={"invalid": "Enter a web address starting https://"},
    )
    description = forms.CharField(
        label="Public description",
        help_text="What is shared and how it works. Everyone can read this once it is published.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter a public description"},
    )
    contact_name = forms.CharField(
        label="Contact name",
        help_text="Shown only to signed-in public-sector users, never in the open data.",
        max_length=200,
        error_messages={"required": "Enter a contact name"},
    )
    contact_email = forms.EmailField(
        label="Contact email address",
        error_messages={
            "required": "Enter a contact email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )

    def __init__(self, *args: Any, own: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own = own
        orgs = [("", "Choose an organisation")] + [
            (a.gss_code, a.name)
            for a in Authority.objects.current().exclude(pk=own.pk).order_by("name")
        ]
        services = [("", "Choose a service")] + [
            (s.slug, f"{s.family.name}: {s.name}") for s in Service.objects.select_related("family")
        ]
        for n in range(1, SERVICE_FIELDS + 1):
            self.fields[f"service_{n}"] = forms.ChoiceField(
                label="Service" if n == 1 else f"Another service ({n}, optional)",
                choices=services,
                required=n == 1,
                error_messages={"required": "Select the service you share"},
            )
        for n in range(1, PARTNER_FIELDS + 1):
            self.fields[f"partner_{n}"] = forms.ChoiceField(
                label="Partner" if n == 1 else f"Another partner ({n}, optional)",
                choices=orgs,
                required=n == 1,
                widget=forms.Select(attrs=_WIDE),
                error_messages={"required": "Select the organisation you share it with"},
            )
        self.fields["lead"] = forms.ChoiceField(
            label="Lead organisation (optional)",
            choices=[("", "No lead"), (own.gss_code, own.name), *orgs[1:]],
            required=False,
            widget=forms.Select(attrs=_WIDE),
        )
        # Fields in the order a person reads them.
        order = ["name", *[f"service_{n}" for n in range(1, SERVICE_FIELDS + 1)]]
        order += [f"partner_{n}" for n in range(1, PARTNER_FIELDS + 1)]
        order += ["lead", "delivery_model", "started_year", "ended_year", "annual_savings_gbp"]
        order += ["savings_source_url", "source_url", "description", "contact_name"]
        order += ["contact_email"]
        self.order_fields(order)

    def _check_facts(self, data: dict[str, Any]) -> None:
        start, end = data.get("started_year"), data.get("ended_year")
        if start and end and end < start:
            self.add_error("ended_year", "The year it ended must be the same as or after the start")
        if data.get("annual_savings_gbp") is not None and not data.get("savings_source_url"):
            self.add_error("savings_source_url", "Enter where the savings figure is published")

    def _services_chosen(self) -> list[Service]:
        data = self.cleaned_data
        slugs = [
            data[f"service_{n}"] for n in range(1, SERVICE_FIELDS + 1) if data.get(f"service_{n}")
        ]
        by_slug = {s.slug: s for s in Service.objects.filter(slug__in=slugs)}
        return [by_slug[s] for s in dict.fromkeys(slugs)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self._check_facts(data)
        partners = [data.get(f"partner_{n}") for n in range(1, PARTNER_FIELDS + 1)]
        chosen = [p for p in partners if p]
        if len(chosen) != len(set(chosen)):
            self.add_error("partner_2", "Choose each partner once")
        lead = data.get("lead")
        if lead and lead not in [self.own.gss_code, *chosen]:
            self.add_error("lead", "The lead organisation must be one of the partners")
        return data

    def to_input(self, *, interest: Interest | None = None) -> ArrangementInput:
        data = self.cleaned_data
        codes = [
            data[f"partner_{n}"] for n in range(1, PARTNER_FIELDS + 1) if data.get(f"partner_{n}")
        ]
        by_code = {
            a.gss_code: a
            for a in Authority.objects.filter(gss_code__in=[*codes, data.get("lead") or ""])
        }
        return ArrangementInput(
            name=data["name"],
            services=self._services_chosen(),
            partners=[by_code[c] for c in codes],
            delivery_model=data["delivery_model"],
            lead=by_code.get(data.get("lead") or ""),
            started_year=data.get("started_year"),
            ended_year=data.get("ended_year"),
            annual_savings_gbp=data.get("annual_savings_gbp"),
            savings_source_url=data.get("savings_source_url") or "",
            source_url=data.get("source_url") or "",
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            description=data["description"],
            interest=interest,
        )


class CorrectionForm(ArrangementForm):
    """A partner's correction of an arrangement from public sources: the recording
    form's facts (its partners stay as the sources name them), started from what
    the register says now, and what was wrong."""

    reason = forms.CharField(
        label="What was wrong",
        help_text="Told to the other partners and the moderators, and kept in the history.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was wrong, so the other partners know"},
    )

    def __init__(self, *args: Any, own: Authority, arrangement: SharedArrangement, **kwargs: Any):
        super().__init__(*args, own=own, **kwargs)
        for n in range(1, PARTNER_FIELDS + 1):
            del self.fields[f"partner_{n}"]
        del self.fields["contact_name"], self.fields["contact_email"]
        self.partners = {p.authority.gss_code: p.authority for p in arrangement.partners.all()}
        lead = cast(forms.ChoiceField, self.fields["lead"])
        lead.choices = [("", "No lead"), *((g, a.name) for g, a in self.partners.items())]
        self.fields["description"].required = False

    @staticmethod
    def initial_for(arrangement: SharedArrangement) -> dict[str, Any]:
        """The form started from what the register says now."""
        services = [s.slug for s in arrangement.services.all()] or [arrangement.service.slug]
        return {
            "name": arrangement.name,
            **{f"service_{n}": slug for n, slug in enumerate(services[:SERVICE_FIELDS], 1)},
            "lead": arrangement.lead.gss_code if arrangement.lead else "",
            "delivery_model": arrangement.delivery_model,
            "started_year": arrangement.started_year,
            "ended_year": arrangement.ended_year,
            "annual_savings_gbp": arrangement.annual_savings_gbp,
            "savings_source_url": arrangement.savings_source_url,
            "source_url": arrangement.source_url,
            "description": arrangement.description,
        }

    def clean(self) -> dict[str, Any]:
        data = super(ArrangementForm, self).clean() or {}
        self._check_facts(data)
        return data

    def to_correction(self) -> CorrectionInput:
        data = self.cleaned_data
        return CorrectionInput(
            name=data["name"],
            services=self._services_chosen(),
            delivery_model=data["delivery_model"],
            lead=self.partners.get(data.get("lead") or ""),
            started_year=data.get("started_year"),
            ended_year=data.get("ended_year"),
            annual_savings_gbp=data.get("annual_savings_gbp"),
            savings_source_url=data.get("savings_source_url") or "",
            source_url=data.get("source_url") or "",
            description=data.get("description") or "",
            reason=data["reason"],
        )


class AnswerForm(PlainTextFormMixin, forms.Form):
    """A partner's answer. The reason is needed to decline or dispute."""

    state = forms.ChoiceField(
        label="Your organisation's answer",
        widget=forms.RadioSelect,
        choices=[],
        error_messages={"required": "Choose your organisation's answer"},
    )
    reason = forms.CharField(
        label="Reason (needed to decline or dispute)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, seeded: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        State = ArrangementPartner.State
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            (State.CONFIRMED, "Confirm: this is right"),
            (State.DISPUTED, "Dispute: we are not part of this, or it is not happening (say why)")
            if seeded
            else (State.DECLINED, "Decline: we are not part of this"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("state") in ("declined", "disputed") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why, so the other partners and moderators know")
        return data


class ModerationForm(PlainTextFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[
            ("publish", "Publish"),
            ("changes", "Request changes"),
            ("reject", "Reject"),
        ],
        error_messages={"required": "Choose a decision"},
    )
    reason = forms.CharField(
        label="Reason (told to the partners; needed unless you publish)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in ("changes", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", "Enter a reason")
        return data
