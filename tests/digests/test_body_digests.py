"""Digests for officers of bodies other than councils (issue 13): what a fire
authority hears about is chosen by the services its kind delivers, as a
council's is by its tier."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from councils.models import Authority
from digests import services as digests
from digests.models import DigestFrequency, DigestRun
from offers.models import Listing, Service
from tests.factories import officer_of
from tests.offers.factories import make_listing

pytestmark = pytest.mark.django_db

KENT_FIRE, EAST_SUSSEX_FIRE, KENT_POLICE = "E31000022", "E31000014", "E23000032"
KENT_CC = "E10000016"


def _run() -> DigestRun:
    run, _batches = digests.digest_run_start(
        frequency=DigestFrequency.WEEKLY, period_start=dt.date(2025, 3, 3)
    )
    return run


def _published(run: DigestRun, gss: str, slug: str, title: str, **kwargs: Any) -> Listing:
    return make_listing(
        published_at=run.window_end - dt.timedelta(days=2),
        status=Listing.Status.PUBLISHED,
        authority=Authority.objects.get(gss_code=gss),
        service=Service.objects.get(slug=slug),
        title=title,
        **kwargs,
    )


def test_a_fire_officers_digest_has_what_fire_authorities_deliver_and_nothing_else() -> None:
    officer = officer_of(KENT_FIRE)  # default settings: follow the organisation
    run = _run()
    control = Service.objects.get(slug="emergency-services-control-rooms")
    libraries = Service.objects.get(slug="libraries")
    assert "fire" in control.body_kinds and "fire" not in libraries.body_kinds
    _published(run, EAST_SUSSEX_FIRE, control.slug, "Shared fire control room")
    _published(run, KENT_CC, libraries.slug, "Library service offer")

    digests.digest_batch_send(run_id=run.pk, user_ids=[officer.pk])

    (message,) = mail.outbox
    assert "Shared fire control room" in message.body
    assert "Library service offer" not in message.body


def test_a_fire_officer_hears_nothing_when_only_other_kinds_services_are_new() -> None:
    officer = officer_of(KENT_FIRE)
    run = _run()
    _published(run, KENT_CC, "libraries", "Library service offer")
    _published(run, KENT_POLICE, "policing-support-services", "Police support offer")

    digests.digest_batch_send(run_id=run.pk, user_ids=[officer.pk])

    assert mail.outbox == []
