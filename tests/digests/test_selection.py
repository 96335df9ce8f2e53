"""Digest selection, rendering and sending, eagerly (tasks run in-process).

Councils are real (reference data); times are set relative to the run's window
so the tests do not depend on the day they run.
"""

import datetime as dt
from typing import Any, cast

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.http import QueryDict
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from core import generations
from core.mail import Failure, classify_mail_error
from councils.models import Authority, User
from digests import services as digests
from digests.models import DigestDelivery, DigestFrequency, DigestPreference, DigestRun, SavedSearch
from digests.selectors import (
    PrefSnapshot,
    _alert_hits,
    digest_batch_load,
    digest_due_user_ids,
)
from digests.tasks import digests_send_task
from offers.browse.selectors import browse_viewer, listing_browse
from offers.models import Listing, Service
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR, ARUN, HARTLEPOOL, WEST_SUSSEX, make_listing
from tests.pages import read_elements, read_html
from tests.queries import counted_queries

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2025, 3, 3)
WORTHING = "E07000229"  # Adur's neighbour
ANTRIM = "N09000001"


def _person(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


def _service(slug: str) -> Service:
    return Service.objects.get(slug=slug)


def _council(gss: str) -> Authority:
    return Authority.objects.get(gss_code=gss)


def _run(period: dt.date = MONDAY, frequency: str = DigestFrequency.WEEKLY) -> DigestRun:
    run, _batches = digests.digest_run_start(frequency=frequency, period_start=period)
    return run


def _published(
    run: DigestRun, *, ago: dt.timedelta = dt.timedelta(days=2), **kwargs: Any
) -> Listing:
    kwargs.setdefault("status", Listing.Status.PUBLISHED)
    return make_listing(published_at=run.window_end - ago, **kwargs)


def _adur_needs_legal(run: DigestRun) -> Listing:
    """Adur's own live NEED: it drives what Adur's officers hear about by default."""
    return _published(
        run,
        ago=dt.timedelta(days=60),
        kind=Listing.Kind.NEED,
        authority=_council(ADUR),
        service=_service("legal-services"),
        title="Adur needs a legal partner",
    )


def _send(run: DigestRun, users: list[User]) -> digests.BatchResult:
    return digests.digest_batch_send(run_id=run.pk, user_ids=[u.pk for u in users])


def _titles(message: Any) -> str:
    return message.body


# --- Who is due -----------------------------------------------------------------------------


def test_officers_are_weekly_by_default_and_others_are_not_due() -> None:
    officer = officer_of(ADUR)
    stranger = _person()
    daily = officer_of(ARUN)
    DigestPreference.objects.create(user=daily, frequency=DigestFrequency.DAILY)
    off = officer_of(WORTHING)
    DigestPreference.objects.create(user=off, frequency=DigestFrequency.OFF)

    weekly_ids = digest_due_user_ids(frequency=DigestFrequency.WEEKLY)
    daily_ids = digest_due_user_ids(frequency=DigestFrequency.DAILY)

    assert officer.pk in weekly_ids
    assert stranger.pk not in weekly_ids and stranger.pk not in daily_ids
    assert daily.pk in daily_ids and daily.pk not in weekly_ids
    assert off.pk not in weekly_ids and off.pk not in daily_ids


def test_periods_are_fixed_to_seven_am_uk_time() -> None:
    assert digests.digest_period_start(frequency="weekly", today=dt.date(2025, 3, 6)) == MONDAY
    assert digests.digest_period_start(frequency="daily", today=dt.date(2025, 3, 6)) == dt.date(
        2025, 3, 6
    )
    summer = digests.digest_window_end(period_start=dt.date(2025, 7, 7))
    assert summer.astimezone(dt.UTC).hour == 6  # 07:00 BST
    winter = digests.digest_window_end(period_start=MONDAY)
    assert winter.astimezone(dt.UTC).hour == 7  # 07:00 GMT


# --- What is selected -----------------------------------------------------------------------


def test_council_with_a_need_hears_about_offers_of_it_nearby() -> None:
    officer = officer_of(ADUR, full_name="Ada Officer")
    run = _run()
    _adur_needs_legal(run)
    wanted = _published(
        run,
        kind=Listing.Kind.OFFER,
        authority=_council(ARUN),
        service=_service("legal-services"),
        title="Arun offers legal services",
    )
    _published(  # another council's NEED for legal: not what a council needing legal wants
        run,
        kind=Listing.Kind.NEED,
        authority=_council(ARUN),
        service=_service("legal-services"),
        title="Arun needs legal too",
    )
    _published(  # an offer of a service Adur has no listing for
        run,
        kind=Listing.Kind.OFFER,
        authority=_council(ARUN),
        service=_service("payroll"),
        title="Arun offers payroll",
    )
    _published(  # legal offer, but far away (Hartlepool is about 390 km from Adur)
        run,
        kind=Listing.Kind.OFFER,
        authority=_council(HARTLEPOOL),
        service=_service("legal-services"),
        title="Hartlepool offers legal services",
    )

    result = _send(run, [officer])

    assert (result.sent, result.skipped, result.failed) == (1, 0, 0)
    (message,) = mail.outbox
    assert message.to == [officer.email]
    assert "Arun offers legal services" in message.body
    assert "Arun needs legal too" not in message.body
    assert "Arun offers payroll" not in message.body
    assert "Hartlepool offers legal services" not in message.body
    assert "Your council is looking for a partner for legal services" in message.body
    assert wanted.get_absolute_url() in message.body
    delivery = DigestDelivery.objects.get(run=run, user=officer)
    assert delivery.status == DigestDelivery.Status.SENT
    assert delivery.listing_ids == [wanted.pk]


def test_digest_has_html_and_text_parts_and_unsubscribe_headers() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(
        run, authority=_council(ARUN), service=_service("legal-services"), title="Legal offer"
    )

    _send(run, [officer])

    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html, mimetype = message.alternatives[0]
    assert isinstance(html, str)
    assert mimetype == "text/html"
    assert "Legal offer" in html and "Legal offer" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/listings/digests/unsubscribe/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in html


def test_a_hostile_listing_is_text_in_the_digest_email() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(
        run,
        authority=_council(ARUN),
        service=_service("legal-services"),
        title="<script>alert(1)</script> Legal & co",
        summary='<img src=x onerror="alert(2)"> shared "counsel"',
    )

    _send(run, [officer])

    (message,) = mail.outbox
    assert isinstance(message, EmailMultiAlternatives)
    html = str(message.alternatives[0][0])
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Legal &amp; co" in html
    # Read as a mail client reads it: the typed markup is the card's text, not elements.
    elements = read_elements(html)
    assert not [e for e in elements if e.tag in {"script", "img"}]
    assert read_html(html).titles == ["<script>alert(1)</script> Legal & co"]
    summaries = [e.text for e in elements if e.tag == "p" and "govuk-body" in e.classes]
    assert summaries == ['<img src=x onerror="alert(2)"> shared "counsel"']
    # The plain-text part is text: shown as typed, not escaped twice.
    assert "<script>alert(1)</script> Legal & co" in message.body


def _card_parts(html: str) -> list[list[Any]]:
    """Each listing card in an email's HTML: the card's own element and those inside it."""
    cards: list[list[Any]] = []
    for element in read_elements(html):
        if element.tag == "li" and "app-result-list__item" in element.classes:
            cards.append([element])
        elif "app-result-list__item" in element.within:
            cards[-1].append(element)
    return cards


def test_digest_email_shows_the_sites_listing_card_with_its_styles_inline(
    settings: Any,
) -> None:
    settings.SITE_URL = "https://portal.example"
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    legal = _service("legal-services")
    real = _published(run, authority=_council(WORTHING), service=legal, title="Worthing legal")
    demo = _published(
        run,
        ago=dt.timedelta(days=3),
        authority=_council(ARUN),
        service=legal,
        title="Arun legal",
        is_demo=True,
    )

    _send(run, [officer])

    html = str(cast(EmailMultiAlternatives, mail.outbox[0]).alternatives[0][0])
    assert read_html(html).titles == ["Worthing legal", "Arun legal"]
    elements = read_elements(html)
    # Mail clients drop <style> and linked sheets: nothing may depend on them.
    assert not [e for e in elements if e.tag in {"style", "link"}]
    cards = _card_parts(html)
    assert len(cards) == 2
    for card, listing in zip(cards, (real, demo), strict=True):
        styled = [e for e in card if e.classes]
        assert styled and all(e.attrs.get("style") for e in styled), [
            e.tag for e in styled if not e.attrs.get("style")
        ]
        (link,) = [e for e in card if e.tag == "a"]
        assert link.attrs["href"] == "https://portal.example" + listing.get_absolute_url()
        tags = {e.text: e.attrs.get("style") or "" for e in card if "govuk-tag" in e.classes}
        assert "Offer" in tags and "background-color" in tags["Offer"]
        text = card[0].text
        assert "Why you are seeing this: Your council is looking for a partner for legal" in text
        assert "Possible saving: up to £" in text
        terms = [e.text for e in card if e.tag == "dt"]
        details = [e.text for e in card if e.tag == "dd"]
        facts = dict(zip(terms, details, strict=True))
        assert facts["Council:"] == listing.authority.name
        assert facts["Service:"] == "Legal services"
    real_tags = {e.text for e in cards[0] if "govuk-tag" in e.classes}
    demo_tags = {e.text for e in cards[1] if "govuk-tag" in e.classes}
    assert "Demo" not in real_tags  # real data never looks like demo data
    assert "Demo" in demo_tags


def test_a_card_is_rendered_once_per_batch_for_everyone_matched_the_same_way() -> None:
    officers = [officer_of(ADUR) for _ in range(3)]
    run = _run()
    _adur_needs_legal(run)
    _published(
        run, authority=_council(ARUN), service=_service("legal-services"), title="Arun legal"
    )
    renders: list[str] = []

    def seen(sender: Any, template: Any, **kwargs: Any) -> None:
        renders.append(template.name)

    template_rendered.connect(seen)
    try:
        _send(run, officers)
    finally:
        template_rendered.disconnect(seen)

    assert len(mail.outbox) == 3
    htmls = [str(cast(EmailMultiAlternatives, m).alternatives[0][0]) for m in mail.outbox]
    cards = {html[html.index("<ul") : html.index("</ul>")] for html in htmls}
    assert len(cards) == 1 and "Arun legal" in next(iter(cards))
    assert renders.count("offers/includes/listing_card.html") == 1
    assert renders.count("offers/email/digest_item.txt") == 1
    assert renders.count("offers/email/digest.html") == 3


def test_nothing_new_sends_nothing_and_is_recorded_as_skipped() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)

    result = _send(run, [officer])

    assert (result.sent, result.skipped) == (0, 1)
    assert mail.outbox == []
    assert DigestDelivery.objects.get(run=run, user=officer).status == DigestDelivery.Status.SKIPPED


def test_digest_sent_twice_is_delivered_once() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))

    first = _send(run, [officer])
    second = _send(run, [officer])
    digests_send_task(DigestFrequency.WEEKLY, MONDAY.isoformat())  # the whole run again

    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.filter(user=officer).count() == 1


def test_only_listings_published_since_the_last_sent_digest() -> None:
    officer = officer_of(ADUR)
    first_run = _run(MONDAY)
    _adur_needs_legal(first_run)
    legal = _service("legal-services")
    _published(first_run, authority=_council(ARUN), service=legal, title="Old offer")
    _send(first_run, [officer])
    second_run = _run(MONDAY + dt.timedelta(days=7))
    _published(second_run, authority=_council(WORTHING), service=legal, title="New offer")
    # Published after the first window closed but before the run happened: it is new.
    _published(
        second_run,
        ago=dt.timedelta(days=7) - dt.timedelta(minutes=1),
        authority=_council(ARUN),
        service=legal,
        title="Just after the first run",
    )
    mail.outbox.clear()

    _send(second_run, [officer])

    (message,) = mail.outbox
    assert "New offer" in message.body
    assert "Just after the first run" in message.body
    assert "Old offer" not in message.body


def test_a_skipped_period_does_not_lose_listings() -> None:
    officer = officer_of(ADUR)
    first_run = _run(MONDAY)
    _adur_needs_legal(first_run)
    legal = _service("legal-services")
    _published(first_run, authority=_council(ARUN), service=legal, title="Sent in week one")
    _send(first_run, [officer])
    DigestPreference.objects.create(user=officer, frequency=DigestFrequency.OFF)
    _published(
        first_run,
        ago=-dt.timedelta(days=3),
        authority=_council(WORTHING),
        service=legal,
        title="Published while off",
    )
    DigestPreference.objects.filter(user=officer).update(frequency=DigestFrequency.WEEKLY)
    mail.outbox.clear()

    _send(_run(MONDAY + dt.timedelta(days=14)), [officer])

    (message,) = mail.outbox
    assert "Published while off" in message.body
    assert "Sent in week one" not in message.body


def test_own_councils_listings_are_never_in_its_digest() -> None:
    officer = officer_of(ADUR)
    DigestPreference.objects.create(
        user=officer, follow_council=False, distance=DigestPreference.Distance.ANY
    )
    run = _run()
    _published(run, authority=_council(ADUR), title="Adur's own offer")
    _published(run, authority=_council(ARUN), title="Arun's offer")

    _send(run, [officer])

    (message,) = mail.outbox
    assert "Arun's offer" in message.body
    assert "Adur's own offer" not in message.body


def test_preference_filters_kinds_services_and_region() -> None:
    officer = officer_of(ADUR)
    pref = DigestPreference.objects.create(
        user=officer,
        follow_council=False,
        kinds=DigestPreference.Kinds.NEED,
        distance=DigestPreference.Distance.REGION,
    )
    pref.services.set([_service("payroll")])
    run = _run()
    payroll = _service("payroll")
    _published(run, kind="need", authority=_council(ARUN), service=payroll, title="Need in region")
    _published(
        run, kind="offer", authority=_council(ARUN), service=payroll, title="Offer in region"
    )
    _published(
        run,
        kind="need",
        authority=_council(ARUN),
        service=_service("legal-services"),
        title="Other service",
    )
    _published(
        run, kind="need", authority=_council(HARTLEPOOL), service=payroll, title="Need elsewhere"
    )

    _send(run, [officer])

    (message,) = mail.outbox
    assert "Need in region" in message.body
    for absent in ("Offer in region", "Other service", "Need elsewhere"):
        assert absent not in message.body


def test_tier_rules_leave_out_services_the_council_cannot_share() -> None:
    officer = officer_of(ADUR)  # a district: does not deliver libraries
    DigestPreference.objects.create(
        user=officer, follow_council=False, distance=DigestPreference.Distance.ANY
    )
    run = _run()
    _published(
        run, authority=_council(WEST_SUSSEX), service=_service("libraries"), title="Library offer"
    )
    _published(run, authority=_council(ARUN), service=_service("payroll"), title="Payroll offer")

    _send(run, [officer])

    (message,) = mail.outbox
    assert "Payroll offer" in message.body
    assert "Library offer" not in message.body


def test_alert_and_preference_matches_are_listed_once() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    listing = _published(
        run, authority=_council(ARUN), service=_service("legal-services"), title="Legal offer"
    )
    SavedSearch.objects.create(user=officer, name="Legal", querystring="service=legal-services")
    SavedSearch.objects.create(user=officer, name="Arun", querystring=f"council={ARUN}")

    _send(run, [officer])

    (message,) = mail.outbox
    assert message.body.count("Legal offer") == 1
    assert DigestDelivery.objects.get(user=officer).listing_ids == [listing.pk]


def test_alert_finds_what_preferences_do_not() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(
        run, authority=_council(HARTLEPOOL), service=_service("payroll"), title="Far payroll offer"
    )
    SavedSearch.objects.create(user=officer, name="Payroll anywhere", querystring="service=payroll")

    _send(run, [officer])

    (message,) = mail.outbox
    assert "Far payroll offer" in message.body
    assert "Your alert “Payroll anywhere”" in message.body


def test_alert_hits_equal_the_listings_page_for_the_same_search() -> None:
    officer = officer_of(ADUR)
    run = _run()
    legal, payroll = _service("legal-services"), _service("payroll")
    for gss in (ARUN, WORTHING, HARTLEPOOL, ANTRIM):
        for service in (legal, payroll):
            for kind in ("offer", "need"):
                _published(run, authority=_council(gss), service=service, kind=kind)
    searches = [
        "service=legal-services&kind=offer",
        f"near={ADUR}&within=30",
        "within=30",  # measured from the officer's own council
        "nation=Northern+Ireland",
        "q=building",
        "family=back-office-nonsense",  # invalid: matches nothing
    ]
    alerts = [SavedSearch.objects.create(user=officer, name=q, querystring=q) for q in searches]
    from digests.selectors import Alert

    window = Listing.objects.published()
    hits = _alert_hits(
        alerts=[(Alert(a.pk, a.name, a.querystring), _council(ADUR)) for a in alerts],
        listings=window,
    )

    for alert in alerts:
        page = listing_browse(
            params=QueryDict(alert.querystring), viewer=browse_viewer(user=officer)
        )
        expected = set(page.qs.values_list("pk", flat=True)) if page.is_valid() else set()
        assert hits.get(alert.pk, set()) == expected, alert.querystring
    assert hits[alerts[0].pk]  # the comparison is not vacuous


def test_signed_in_only_listings_go_only_to_public_sector_people() -> None:
    member_of_public = _person()
    DigestPreference.objects.create(user=member_of_public, frequency=DigestFrequency.WEEKLY)
    SavedSearch.objects.create(user=member_of_public, name="Payroll", querystring="service=payroll")
    run = _run()
    payroll = _service("payroll")
    _published(run, authority=_council(ARUN), service=payroll, title="Public offer")
    _published(
        run,
        authority=_council(ARUN),
        service=payroll,
        title="Private offer",
        visibility=Listing.Visibility.SIGNED_IN,
    )

    _send(run, [member_of_public])

    (message,) = mail.outbox
    assert "Public offer" in message.body
    assert "Private offer" not in message.body


def test_ranked_by_matching_score_nearest_first_with_savings() -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    legal = _service("legal-services")
    _published(run, authority=_council(WORTHING), service=legal, title="Worthing legal")
    _published(
        run,
        ago=dt.timedelta(hours=1),
        authority=_council("E07000227"),
        service=legal,
        title="Horsham legal",  # further away, though newer
    )

    _send(run, [officer])

    body = mail.outbox[0].body
    assert body.index("Worthing legal") < body.index("Horsham legal")
    assert (
        "Possible saving: up to £" in body and "(estimate from 2024-25 spend)" in body
    )  # the newest year both report


def test_long_digest_shows_the_best_and_links_to_the_rest(settings: Any) -> None:
    settings.DIGEST_MAX_LISTINGS = 3
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    for i in range(5):
        _published(run, authority=_council(ARUN), service=_service("legal-services"), title=f"L{i}")

    _send(run, [officer])

    body = mail.outbox[0].body
    assert "5 new shared service listings" in mail.outbox[0].subject
    assert "See 2 more new listings on the site" in body
    assert len(DigestDelivery.objects.get(user=officer).listing_ids) == 3


# --- Sending, failures and retries ---------------------------------------------------------


class _FailingBackend:
    """The SMTP edge: refuses every message with the configured error."""

    error: Exception = OSError("connection refused")
    calls = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def open(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def send_messages(self, messages: list[Any]) -> int:
        type(self).calls += 1
        raise type(self).error


class TransientBackend(_FailingBackend):
    error = __import__("smtplib").SMTPServerDisconnected("Connection unexpectedly closed")


class PermanentBackend(_FailingBackend):
    error = __import__("smtplib").SMTPRecipientsRefused({"x@example.org": (550, b"No such user")})


def test_transient_failure_leaves_rows_pending_for_the_retry(settings: Any) -> None:
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))
    settings.EMAIL_BACKEND = "tests.digests.test_selection.TransientBackend"

    with pytest.raises(digests.DigestTransientError):
        _send(run, [officer])

    delivery = DigestDelivery.objects.get(user=officer)
    assert delivery.status == DigestDelivery.Status.PENDING
    assert "SMTPServerDisconnected" in delivery.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert _send(run, [officer]).sent == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DigestDelivery.Status.SENT, 2)


def test_after_the_last_retry_transient_failures_are_recorded_as_failed(settings: Any) -> None:
    from digests.tasks import digest_batch_task

    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))
    settings.EMAIL_BACKEND = "tests.digests.test_selection.TransientBackend"
    TransientBackend.calls = 0

    outcome = digest_batch_task.apply(
        args=(run.pk, [officer.pk]), retries=digest_batch_task.max_retries
    )

    assert TransientBackend.calls == 1
    assert outcome.result == {"gave_up": 1}
    delivery = DigestDelivery.objects.get(user=officer)
    assert delivery.status == DigestDelivery.Status.FAILED
    assert delivery.error.startswith("Gave up after repeated mail server errors")


def test_permanent_failure_is_recorded_and_others_in_the_batch_still_sent(settings: Any) -> None:
    first, second = officer_of(ADUR), officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))
    settings.EMAIL_BACKEND = "tests.digests.test_selection.PermanentBackend"

    result = _send(run, [first, second])

    assert (result.sent, result.failed) == (0, 2)
    failed = DigestDelivery.objects.filter(run=run, status=DigestDelivery.Status.FAILED)
    assert failed.count() == 2
    assert "550" in failed.first().error  # type: ignore[union-attr]


def test_retry_of_failed_digests_sends_them_once(settings: Any) -> None:
    staff = _person(is_staff=True)
    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))
    settings.EMAIL_BACKEND = "tests.digests.test_selection.PermanentBackend"
    _send(run, [officer])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            queued = digests.digest_run_retry_failed(run=run, by=staff)
    again = digests.digest_run_retry_failed(run=run, by=staff)

    assert (queued, again) == (1, 0)
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get(user=officer).status == DigestDelivery.Status.SENT


def test_mail_errors_are_classified() -> None:
    import smtplib

    transient = [
        smtplib.SMTPServerDisconnected("gone"),
        smtplib.SMTPResponseException(421, b"busy"),
        smtplib.SMTPRecipientsRefused({"a@b": (450, b"mailbox busy")}),
        ConnectionRefusedError(),
        TimeoutError(),
    ]
    permanent = [
        smtplib.SMTPResponseException(554, b"rejected"),
        smtplib.SMTPRecipientsRefused({"a@b": (550, b"unknown")}),
        ValueError("bad header"),
    ]
    assert {classify_mail_error(e) for e in transient} == {Failure.TRANSIENT}
    assert {classify_mail_error(e) for e in permanent} == {Failure.PERMANENT}


def test_abandoned_claims_are_taken_over_and_live_ones_are_not(settings: Any) -> None:
    from django.utils import timezone

    officer = officer_of(ADUR)
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))
    DigestDelivery.objects.create(
        run=run, user=officer, status="sending", claimed_at=timezone.now(), claim_token="x"
    )

    live = _send(run, [officer])
    DigestDelivery.objects.filter(user=officer).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=settings.DIGEST_CLAIM_TIMEOUT + 1)
    )
    abandoned = _send(run, [officer])

    assert (live.sent, live.busy) == (0, [officer.pk])
    assert abandoned.sent == 1
    assert len(mail.outbox) == 1


# --- The coordinator and the schedule -----------------------------------------------------


def test_coordinator_fans_out_batches_with_the_period(settings: Any) -> None:
    settings.DIGEST_BATCH_SIZE = 2
    officers = [officer_of(ADUR) for _ in range(5)]
    run = _run()
    _adur_needs_legal(run)
    _published(run, authority=_council(ARUN), service=_service("legal-services"))

    batches = digests_send_task(DigestFrequency.WEEKLY, MONDAY.isoformat())

    assert batches == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(o.email for o in officers)
    run.refresh_from_db()
    assert (run.due, run.batches) == (5, 3)


def test_off_switch_stops_the_run(settings: Any) -> None:
    settings.DIGESTS_ENABLED = False
    officer_of(ADUR)

    assert digests_send_task(DigestFrequency.WEEKLY, MONDAY.isoformat()) == 0
    assert not DigestRun.objects.exists()
    assert mail.outbox == []


def test_beat_schedule_runs_jobs_at_seven_uk_time(settings: Any) -> None:
    schedule = settings.CELERY_BEAT_SCHEDULE
    daily, weekly = schedule["digests-daily"], schedule["digests-weekly"]
    assert settings.CELERY_TIMEZONE == "Europe/London"
    assert daily["task"] == weekly["task"] == "offers.tasks.digests_send_task"
    assert daily["schedule"].hour == {7} and daily["schedule"].minute == {0}
    assert weekly["schedule"].day_of_week == {1} and weekly["kwargs"] == {"frequency": "weekly"}
    tasks = {entry["task"] for entry in schedule.values()}
    assert {
        "offers.tasks.listings_expire_task",
        "offers.tasks.listing_expiry_reminders_task",
    } <= tasks


# --- Query counts ---------------------------------------------------------------------------


def _batch_queries(run: DigestRun, users: list[User]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        result = _send(run, users)
    return len(counted_queries(ctx)), result.sent


def test_batch_queries_do_not_grow_with_the_number_of_people(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The reference-data generation is re-read once its cache copy (1 s) expires:
    # a wall-clock event, not a per-person query. Kept for the test so the count
    # compares batches, not how long each took.
    monkeypatch.setattr(generations, "GENERATION_CACHE_SECONDS", 600)
    run = _run()
    _adur_needs_legal(run)
    for gss in (ARUN, WORTHING):
        _published(run, authority=_council(gss), service=_service("legal-services"))
        _published(run, authority=_council(gss), service=_service("payroll"), kind="need")

    def people(n: int) -> list[User]:
        users = [officer_of(ADUR if i % 2 else ARUN) for i in range(n)]
        for i, user in enumerate(users):
            if i % 2 == 0:  # Arun's officers: Arun's own listings match nothing new
                SavedSearch.objects.create(user=user, name="Payroll", querystring="service=payroll")
        return users

    warm = people(2)
    _batch_queries(run, warm)  # first batch in the process builds the matching reference
    small_queries, small_sent = _batch_queries(run, people(4))
    large_queries, large_sent = _batch_queries(run, people(24))

    assert small_sent == 4 and large_sent == 24
    # Fixed reads and writes per batch, plus exactly one UPDATE per digest sent
    # (the row committed right after the mail server accepts it).
    assert large_queries - large_sent == small_queries - small_sent


def test_selection_snapshot_defaults() -> None:
    pref = PrefSnapshot()
    assert pref.frequency == DigestFrequency.WEEKLY and pref.follow_council
    criteria = digests.digest_criteria(
        pref=pref,
        council_listings={("need", 1), ("offer", 2)},
        delivered_services=frozenset({1, 2, 3}),
    )
    assert criteria.pairs == {
        ("offer", 1): digests.Why.COUNCIL_NEEDS,
        ("need", 2): digests.Why.COUNCIL_OFFERS,
    }
    no_listings = digests.digest_criteria(
        pref=pref, council_listings=set(), delivered_services=frozenset({3})
    )
    assert no_listings.pairs == {("offer", 3): digests.Why.ANY, ("need", 3): digests.Why.ANY}


def test_batch_load_reads_one_widest_window() -> None:
    officer = officer_of(ADUR)
    run = _run()
    inside = _published(run, authority=_council(ARUN))
    _published(run, ago=dt.timedelta(days=8), authority=_council(ARUN))  # before the window
    _published(run, ago=-dt.timedelta(hours=1), authority=_council(ARUN))  # after it

    data = digest_batch_load(run=run, user_ids=[officer.pk], length=dt.timedelta(days=7))

    assert [x.pk for x in data.listings] == [inside.pk]
