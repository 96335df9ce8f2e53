"""The shortlist, its notes and CSV, and the business-case pack's build, status and
download. Every view works on the signed-in officer's own organisation: another
organisation's entries and packs are looked up with that organisation in the
filter, so they are "not found" rather than forbidden-but-visible."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from councils.auth import acting_user
from councils.models import Authority
from groups import shortlist_selectors as selectors
from groups import shortlist_services as services
from groups.selectors import suggestion_for_viewer
from groups.shortlist_forms import ShortlistAddForm, ShortlistNotesForm
from offers.models import Service


def _own_authority(request: HttpRequest) -> Authority:
    authority = selectors.officer_authority(user=acting_user(request))
    if authority is None:
        raise PermissionDenied("Only an organisation's approved officers keep a shortlist.")
    return authority


@login_required
@require_POST
def shortlist_add(request: HttpRequest) -> HttpResponse:
    authority = _own_authority(request)
    form = ShortlistAddForm(request.POST)
    if not form.is_valid():
        raise Http404("No such service or organisation")
    service = get_object_or_404(Service, slug=form.cleaned_data["service"])
    candidate = get_object_or_404(
        Authority.objects.current(), gss_code=form.cleaned_data["candidate"]
    )
    if candidate.pk == authority.pk:
        raise Http404("An organisation cannot shortlist itself")
    _entry, created = services.shortlist_add(
        authority=authority, service=service, candidate=candidate, by=acting_user(request)
    )
    if created:
        messages.success(request, f"{candidate.short_name} added to your {service.name} shortlist")
    else:
        messages.info(request, f"{candidate.short_name} is already on your shortlist")
    return redirect("shortlist:shortlist")


@login_required
@require_GET
def shortlist(request: HttpRequest) -> HttpResponse:
    authority = _own_authority(request)
    entries = list(selectors.shortlist_entries(authority=authority))
    by_service: dict[Service, list] = {}
    for entry in entries:
        by_service.setdefault(entry.service, []).append(entry)
    context = {"authority": authority, "by_service": by_service, "total": len(entries)}
    return render(request, "groups/shortlist.html", context)


CSV_COLUMNS = [
    "service",
    "gss_code",
    "organisation",
    "kind",
    "region",
    "notes",
    "added_by",
    "added_on",
    "latest_pack",
]


def _csv_safe(value: str) -> str:
    """Notes are typed by officers: spreadsheet formulas are defused."""
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@login_required
@require_GET
def shortlist_csv(request: HttpRequest) -> HttpResponse:
    authority = _own_authority(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"shortlist-{slugify(authority.short_name)}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in selectors.shortlist_entries(authority=authority):
        packs = list(entry.packs.all())
        writer.writerow(
            _csv_safe(str(v))
            for v in [
                entry.service.name,
                entry.candidate.gss_code,
                entry.candidate.name,
                entry.candidate.kind_label,
                entry.candidate.region,
                entry.notes,
                entry.added_by.get_full_name() or entry.added_by.email if entry.added_by else "",
                entry.created_at.date().isoformat(),
                packs[0].get_status_display() if packs else "",
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def shortlist_notes(request: HttpRequest, pk: int) -> HttpResponse:
    authority = _own_authority(request)
    entry = selectors.shortlist_entry(authority=authority, pk=pk)
    if entry is None:
        raise Http404("No such shortlist entry")
    if request.method == "POST":
        form = ShortlistNotesForm(request.POST)
        if form.is_valid():
            services.shortlist_notes_set(entry=entry, notes=form.cleaned_data["notes"])
            messages.success(request, f"Notes on {entry.candidate.short_name} saved")
            return redirect("shortlist:shortlist")
    else:
        form = ShortlistNotesForm(initial={"notes": entry.notes})
    return render(request, "groups/shortlist_notes.html", {"entry": entry, "form": form})


@login_required
@require_POST
def shortlist_remove(request: HttpRequest, pk: int) -> HttpResponse:
    authority = _own_authority(request)
    entry = selectors.shortlist_entry(authority=authority, pk=pk)
    if entry is None:
        raise Http404("No such shortlist entry")
    name = entry.candidate.short_name
    services.shortlist_remove(entry=entry)
    messages.success(request, f"{name} removed from your shortlist")
    return redirect("shortlist:shortlist")


@login_required
@require_POST
def pack_create(request: HttpRequest, pk: int) -> HttpResponse:
    authority = _own_authority(request)
    entry = selectors.shortlist_entry(authority=authority, pk=pk)
    if entry is None:
        raise Http404("No such shortlist entry")
    pack = services.pack_request(entry=entry, by=acting_user(request))
    return redirect("shortlist:pack", pk=pack.pk)


@login_required
@require_GET
def pack_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Works without JavaScript: while the pack builds the page says so and offers
    a Refresh link; pack-status.js (an enhancement) reloads it every few seconds."""
    authority = _own_authority(request)
    pack = selectors.pack_for(authority=authority, pk=pk)
    if pack is None:
        raise Http404("No such pack")
    return render(request, "groups/pack.html", {"pack": pack, "entry": pack.entry})


@login_required
@require_POST
def pack_consortium_create(request: HttpRequest, key: str) -> HttpResponse:
    """A member organisation's officer asks for a suggested consortium's or swap's pack."""
    authority = _own_authority(request)
    shown = suggestion_for_viewer(key=key, authority=authority)
    if shown is None:
        raise Http404("No such suggestion for your organisation")
    pack = services.pack_request_for_suggestion(
        suggestion=shown.suggestion, authority=authority, by=acting_user(request)
    )
    return redirect("shortlist:pack", pk=pack.pk)


FORMATS = {
    "odt": ("application/vnd.oasis.opendocument.text", "odt"),
    "pdf": ("application/pdf", "pdf"),
}


@login_required
@require_GET
def pack_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such format")
    authority = _own_authority(request)
    found = selectors.pack_file(authority=authority, pk=pk, fmt=fmt)
    if found is None:
        raise Http404("No such pack, or it is not ready")
    pack, data = found
    content_type, ext = FORMATS[fmt]
    response = HttpResponse(data, content_type=content_type)
    name = slugify(f"business case {pack.title}")[:120]
    response["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response
