"""Suggested consortia and swaps in the match digest (issue 17): the recipient
organisation's own, new or still standing, with the explanation, the savings
ranges and a link to the suggestion's page; never another organisation's.

Listings go live through offers.services (as a moderator's approval does), so the
groups receiver stores the suggestions; the digests are really sent (the test
mail backend) and read back from mail.outbox, text and HTML parts.
"""

from __future__ import annotations

import datetime as dt
from html import unescape
from typing import cast

import pytest
from django.core import mail
from django.utils import timezone

from councils.models import Authority, User
from digests import services as digests
from digests.models import DigestFrequency, DigestPreference, DigestRun
from groups.models import Suggestion
from offers import services as offers_services
from offers.models import Listing, Service
from tests.factories import UserFactory, officer_of
from tests.offers.factories import make_listing

pytestmark = pytest.mark.django_db

ADUR, ARUN, CHICHESTER, WORTHING, HORSHAM = (
    "E07000223",
    "E07000224",
    "E07000225",
    "E07000229",
    "E07000227",
)


def _run() -> DigestRun:
    # The period starting tomorrow: its window (the week before 07:00 tomorrow)
    # holds the listings these tests publish now.
    run, _batches = digests.digest_run_start(
        frequency=DigestFrequency.WEEKLY, period_start=timezone.localdate() + dt.timedelta(days=1)
    )
    return run


def _publish(gss: str, kind: str, slug: str, **fields) -> Listing:
    listing = make_listing(
        authority=Authority.objects.get(gss_code=gss),
        service=Service.objects.get(slug=slug),
        kind=kind,
        status=Listing.Status.SUBMITTED,
        created_by=officer_of(gss),
        title=fields.pop("title", f"{kind} {slug} {gss}"),
        **fields,
    )
    staff = cast(User, UserFactory(is_staff=True))
    return offers_services.listing_publish(listing=listing, by=staff)


def _payroll_consortium() -> Suggestion:
    for gss in (ADUR, ARUN, WORTHING):
        _publish(gss, Listing.Kind.NEED, "payroll", annual_value_gbp=200_000)
    return Suggestion.objects.get(kind=Suggestion.Kind.CONSORTIUM)


def _send(run: DigestRun, *users: User) -> None:
    mail.outbox.clear()
    digests.digest_batch_send(run_id=run.pk, user_ids=[u.pk for u in users])


def _html(message: mail.EmailMessage) -> str:
    assert isinstance(message, mail.EmailMultiAlternatives)
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return unescape(str(html))


def test_a_new_consortium_is_in_its_members_digest_with_explanation_savings_and_link(
    settings,
) -> None:
    settings.SITE_URL = "http://portal.example"
    suggestion = _payroll_consortium()
    officer = officer_of(ADUR)
    run = _run()

    _send(run, officer)

    (message,) = mail.outbox  # nothing new matches Adur's settings: the suggestion sent it
    assert message.to == [officer.email]
    assert message.subject.endswith(
        "] A new suggested consortium or swap for your organisation this week"
    )
    url = f"http://portal.example/groups/suggestions/{suggestion.key}/"
    savings = suggestion.details["savings"]["sentence"]
    assert savings.startswith("Estimate: ")
    for part in (message.body, _html(message)):
        assert "Suggested consortium for payroll with 2 other organisations" in part
        assert "NEW SUGGESTION" in part
        assert suggestion.explanation in part
        assert savings in part
        assert url in part
    assert f'href="{url}"' in _html(message)


def test_another_organisations_suggestions_never_appear_in_its_digest() -> None:
    suggestion = _payroll_consortium()
    outsider = officer_of(HORSHAM)  # delivers payroll, within reach: hears of the needs
    member = officer_of(WORTHING)
    run = _run()

    _send(run, outsider, member)

    by_to = {m.to[0]: m for m in mail.outbox}
    outsider_mail = by_to[outsider.email]
    assert "need payroll E07000223" in outsider_mail.body  # Adur's need, as a listing
    for part in (outsider_mail.body, _html(outsider_mail)):
        assert "Suggested consortium" not in part
        assert suggestion.key not in part
        assert suggestion.explanation not in part
    assert suggestion.key in by_to[member.email].body


def test_a_standing_suggestion_is_repeated_beside_new_listings_but_sends_nothing_alone() -> None:
    suggestion = _payroll_consortium()
    run = _run()
    # Suggested before this period's window: not new.
    Suggestion.objects.filter(pk=suggestion.pk).update(
        created_at=run.window_end - dt.timedelta(days=30)
    )
    officer = officer_of(ADUR)
    _send(run, officer)
    assert mail.outbox == []

    # A new payroll offer near Adur: sent, with the consortium still suggested.
    rerun, _batches = digests.digest_run_start(
        frequency=DigestFrequency.DAILY, period_start=timezone.localdate() + dt.timedelta(days=1)
    )
    offer = _publish(WORTHING, Listing.Kind.OFFER, "payroll", title="Worthing payroll bureau")
    # Published within the daily window, whatever the hour: before 07:00 "now" is
    # in the previous day's window, so the time is set from the run, as elsewhere.
    Listing.objects.filter(pk=offer.pk).update(
        published_at=rerun.window_end - dt.timedelta(hours=1)
    )
    DigestPreference.objects.update_or_create(
        user=officer, defaults={"frequency": DigestFrequency.DAILY}
    )
    _send(rerun, officer)
    (message,) = mail.outbox
    assert "Worthing payroll bureau" in message.body
    assert "STILL SUGGESTED: Suggested consortium for payroll" in message.body


def test_a_swap_is_in_both_organisations_digests_with_both_savings_ranges() -> None:
    _publish(ARUN, Listing.Kind.OFFER, "payroll", annual_value_gbp=150_000)
    _publish(ARUN, Listing.Kind.NEED, "legal-services", annual_value_gbp=90_000)
    _publish(CHICHESTER, Listing.Kind.OFFER, "legal-services", annual_value_gbp=80_000)
    _publish(CHICHESTER, Listing.Kind.NEED, "payroll", annual_value_gbp=120_000)
    swap = Suggestion.objects.get(kind=Suggestion.Kind.SWAP)
    arun, chichester = officer_of(ARUN), officer_of(CHICHESTER)
    run = _run()

    _send(run, arun, chichester)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([arun.email, chichester.email])
    for message in mail.outbox:
        for part in (message.body, _html(message)):
            assert "Suggested swap: payroll for legal services" in part
            assert swap.details["savings_a"]["sentence"] in part
            assert swap.details["savings_b"]["sentence"] in part
            assert f"/groups/suggestions/{swap.key}/" in part
