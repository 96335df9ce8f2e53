"""Forms for moderators and for reporting a listing. Rendered as GOV.UK markup."""

from typing import Any

from django import forms

from core.forms import PlainTextFormMixin
from offers.moderation.services import REASON_MAX_LENGTH, Decision

DECISION_LABELS = {
    Decision.APPROVE: "Approve and publish",
    Decision.REQUEST_CHANGES: "Request changes",
    Decision.REJECT: "Reject",
    Decision.ACCEPT_CHANGES: "Accept the changes",
    Decision.REVERT_CHANGES: "Revert to the approved version",
}
# A published (reported) listing is taken down by either decision.
PUBLISHED_LABELS = {
    Decision.REQUEST_CHANGES: "Unpublish and request changes",
    Decision.REJECT: "Unpublish and reject",
}

_REASON_WIDGET = forms.Textarea(attrs={"rows": 5})
_TOO_LONG = "Reason must be 2,000 characters or fewer"


class DecisionForm(PlainTextFormMixin, forms.Form):
    """Approve / request changes / reject, each reason in its own conditionally revealed box."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    decision = forms.ChoiceField(
        label="What do you want to do with this listing?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you want to do with the listing",
            "invalid_choice": "Select what you want to do with the listing",
        },
    )
    changes_reason = forms.CharField(
        label="What needs to change",
        help_text="Required if you choose this. We will email it to the council.",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=_REASON_WIDGET,
        error_messages={"max_length": _TOO_LONG},
    )
    revert_reason = forms.CharField(
        label="Why the changes are reverted",
        help_text="Required if you choose this. We will email it to the council.",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=_REASON_WIDGET,
        error_messages={"max_length": _TOO_LONG},
    )
    reject_reason = forms.CharField(
        label="Why the listing is rejected",
        help_text="Required if you choose this. We will email it to the council.",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=_REASON_WIDGET,
        error_messages={"max_length": _TOO_LONG},
    )

    def __init__(self, *args: Any, decisions: list[str], published: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("changes_reason", "reject_reason", "revert_reason"):
            self.fields[name].required_when_chosen = True  # type: ignore[attr-defined]
        labels = {**DECISION_LABELS, **(PUBLISHED_LABELS if published else {})}
        self.fields["decision"].choices = [  # type: ignore[attr-defined]
            (d, labels[Decision(d)]) for d in decisions
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision == Decision.REQUEST_CHANGES and not cleaned.get("changes_reason", "x"):
            self.add_error("changes_reason", "Enter the changes the council needs to make")
        if decision == Decision.REJECT and not cleaned.get("reject_reason", "x"):
            self.add_error("reject_reason", "Enter a reason for rejecting the listing")
        if decision == Decision.REVERT_CHANGES and not cleaned.get("revert_reason", "x"):
            self.add_error("revert_reason", "Enter why the changes are reverted")
        return cleaned

    @property
    def reason(self) -> str:
        decision = self.cleaned_data.get("decision")
        if decision == Decision.REQUEST_CHANGES:
            return str(self.cleaned_data.get("changes_reason", ""))
        if decision == Decision.REJECT:
            return str(self.cleaned_data.get("reject_reason", ""))
        if decision == Decision.REVERT_CHANGES:
            return str(self.cleaned_data.get("revert_reason", ""))
        return ""


class ReportForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you reporting this listing?",
        help_text="For example, it advertises a commercial product, is not from a public body, "
        "or contains wrong or offensive content. Up to 2,000 characters.",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter why you are reporting this listing",
            "max_length": _TOO_LONG,
        },
    )


class ScreeningTermForm(PlainTextFormMixin, forms.Form):
    term = forms.CharField(
        label="Word or phrase",
        max_length=100,
        help_text="Matched as a whole word, in any case. For example, guaranteed savings",
        error_messages={
            "required": "Enter a word or phrase to screen for",
            "max_length": "Word or phrase must be 100 characters or fewer",
        },
    )
    note = forms.CharField(
        label="Why it is screened",
        max_length=200,
        required=False,
        error_messages={"max_length": "Note must be 200 characters or fewer"},
    )
