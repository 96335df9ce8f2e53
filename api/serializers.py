"""What the API says about each record. Fields are listed one by one so a new
model field is never published by accident: officers' names, email addresses
and phone numbers (Listing.contact_*, AuthorityProfile.contact_*) are never here,
and tests/api/test_personal_data.py fails if one appears."""

from typing import Any

from rest_framework import serializers

from arrangements.models import ArrangementPartner, SharedArrangement
from councils.models import Authority, SpendRecord
from offers.models import Listing, Service


class OrganisationRefSerializer(serializers.Serializer[Any]):
    """An organisation (or combined authority) named by its GSS code."""

    gss_code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class AreaSerializer(serializers.Serializer[Any]):
    """A council area a body covers; `share` is below 1 where a district is split."""

    council = serializers.CharField(source="council.gss_code", read_only=True)
    share = serializers.DecimalField(
        max_digits=5, decimal_places=4, read_only=True, coerce_to_string=False
    )


class OrganisationSerializer(serializers.ModelSerializer[Authority]):
    """An organisation and the areas it belongs to (nation, region, county, combined authority)."""

    parent_county: serializers.SlugRelatedField[Authority] = serializers.SlugRelatedField(
        slug_field="gss_code", read_only=True, allow_null=True
    )
    combined_authority = OrganisationRefSerializer(read_only=True, allow_null=True)
    run_by = OrganisationRefSerializer(read_only=True, allow_null=True)
    areas = AreaSerializer(many=True, read_only=True)
    successors: serializers.SlugRelatedField[Authority] = serializers.SlugRelatedField(
        slug_field="gss_code", many=True, read_only=True
    )
    # Bodies other than councils have no council type or tier: the field is blank for them,
    # and the schema must say "" is a value (a read-only model field would drop allow_blank).
    authority_type = serializers.ChoiceField(
        choices=Authority.Type.choices, allow_blank=True, read_only=True
    )
    tier = serializers.ChoiceField(choices=Authority.Tier.choices, allow_blank=True, read_only=True)
    profile_url = serializers.SerializerMethodField()
    # Councils have a type and a tier; every other kind of body has neither (blank).
    authority_type = serializers.ChoiceField(
        choices=Authority.Type.choices, allow_blank=True, read_only=True
    )
    tier = serializers.ChoiceField(choices=Authority.Tier.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Authority
        fields = [
            "gss_code",
            "name",
            "short_name",
            "area_name",
            "kind",
            "authority_type",
            "tier",
            "nation",
            "region",
            "status",
            "parent_county",
            "combined_authority",
            "successors",
            "run_by",
            "areas",
            "latitude",
            "longitude",
            "area_km2",
            "population",
            "population_year",
            "start_date",
            "mhclg_ecode",
            "ods_code",
            "profile_url",
        ]
        read_only_fields = fields

    def get_profile_url(self, obj: Authority) -> str:
        return obj.get_absolute_url()


class ServiceSerializer(serializers.ModelSerializer[Service]):
    family: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    family_name = serializers.CharField(source="family.name", read_only=True)
    delivered_by_tiers = serializers.ListField(child=serializers.CharField(), read_only=True)
    spend_line = serializers.CharField(source="ro_line", read_only=True)

    class Meta:
        model = Service
        fields = [
            "slug",
            "name",
            "family",
            "family_name",
            "office",
            "description",
            "delivered_by_tiers",
            "spend_line",
            "lgsl_code",
        ]
        read_only_fields = fields


class ListingSerializer(serializers.ModelSerializer[Listing]):
    """A published public listing. Contact goes through the site (`url`), never here."""

    organisation = OrganisationRefSerializer(source="authority", read_only=True)
    service: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    service_name = serializers.CharField(source="service.name", read_only=True)
    family = serializers.CharField(source="service.family.slug", read_only=True)
    named_partners: serializers.SlugRelatedField[Authority] = serializers.SlugRelatedField(
        slug_field="gss_code", many=True, read_only=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "kind",
            "title",
            "summary",
            "description",
            "organisation",
            "service",
            "service_name",
            "family",
            "delivery_model",
            "annual_value_gbp",
            "population_served",
            "partner_scope",
            "partner_radius_km",
            "named_partners",
            "earliest_start",
            "published_at",
            "expires_at",
            "is_demo",
            "is_synthetic",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj: Listing) -> str:
        return obj.get_absolute_url()


class PartnerSerializer(serializers.Serializer[Any]):
    gss_code = serializers.CharField(source="authority.gss_code", read_only=True)
    name = serializers.CharField(source="authority.name", read_only=True)
    confirmed = serializers.SerializerMethodField()

    def get_confirmed(self, obj: ArrangementPartner) -> bool:
        return obj.state == ArrangementPartner.State.CONFIRMED


class ArrangementSerializer(serializers.ModelSerializer[SharedArrangement]):
    """A published arrangement. The contact is never here: it is for signed-in users."""

    services: serializers.SlugRelatedField[Service] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    partners = PartnerSerializer(many=True, read_only=True)
    lead: serializers.SlugRelatedField[Authority] = serializers.SlugRelatedField(
        slug_field="gss_code", read_only=True, allow_null=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = SharedArrangement
        fields = [
            "id",
            "name",
            "services",
            "partners",
            "lead",
            "delivery_model",
            "started_year",
            "ended_year",
            "is_active",
            "annual_savings_gbp",
            "savings_source_url",
            "description",
            "source_url",
            "other_sources",
            "origin",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj: SharedArrangement) -> str:
        return obj.get_absolute_url()


class SpendSerializer(serializers.ModelSerializer[SpendRecord]):
    organisation = serializers.CharField(source="authority.gss_code", read_only=True)
    line = serializers.CharField(source="line.code", read_only=True)
    line_name = serializers.CharField(source="line.name", read_only=True)
    net_expenditure_thousands = serializers.DecimalField(
        max_digits=14, decimal_places=3, read_only=True, allow_null=True, coerce_to_string=False
    )

    class Meta:
        model = SpendRecord
        fields = [
            "organisation",
            "year",
            "line",
            "line_name",
            "net_expenditure_thousands",
            "source",
            "edition",
            "certified",
            "detailed_class",
        ]
        read_only_fields = fields


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """One CSV row from a serialized record: nested objects become `a.b` columns,
    lists are joined with semicolons."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = ";".join(str(v) for v in value)
        elif value is None:
            out[name] = ""
        else:
            out[name] = value
    return out
