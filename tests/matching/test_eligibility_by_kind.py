"""Eligibility by kind of organisation (pure): councils deliver by tier, every
other body by its kind, and the sentence names the body and the reason."""

import pytest

from matching.scoring import Body, ServiceInfo, delivers, eligibility_reason, tier_reason

KENT_FIRE = Body(
    "E31000022",
    "Kent Combined Fire and Rescue Authority",
    "Kent Combined Fire and Rescue Authority",
    tier="",
    kind="fire",
)
KENT_POLICE = Body("E23000032", "Kent Police", "Kent Police", tier="", kind="police")
FRIMLEY = Body("E54000034", "NHS Frimley ICB", "NHS Frimley ICB", tier="", kind="nhs")
DARTMOOR = Body("E26000001", "Dartmoor NPA", "Dartmoor NPA", tier="", kind="park")
GMCA = Body("E47000001", "GMCA", "GMCA", tier="", kind="combined")
ADUR = Body("E07000223", "Adur District Council", "Adur", tier="lower")

BACK_OFFICE = frozenset(
    {"combined", "gla", "fire", "police", "nhs", "park", "waste", "regional_park", "other"}
)
PAYROLL = ServiceInfo(
    1,
    "Payroll",
    1,
    "HR and payroll",
    frozenset({"upper", "lower", "unitary", "ni_district"}),
    kinds=BACK_OFFICE,
)
HOUSING = ServiceInfo(
    2, "Homelessness and housing advice", 2, "Housing", frozenset({"lower", "unitary"})
)
FIRE_RESPONSE = ServiceInfo(
    3, "Fire and rescue response", 3, "Fire and rescue", frozenset(), kinds=frozenset({"fire"})
)
CONTROL_ROOMS = ServiceInfo(
    4,
    "Emergency services control rooms",
    4,
    "Policing",
    frozenset(),
    kinds=frozenset({"fire", "police"}),
)
PLANNING = ServiceInfo(
    5,
    "Planning applications (development management)",
    5,
    "Planning",
    frozenset({"lower", "unitary", "ni_district"}),
    kinds=frozenset({"park"}),
)
TRANSPORT = ServiceInfo(
    6,
    "Public transport and concessionary travel",
    6,
    "Highways",
    frozenset({"upper", "unitary"}),
    kinds=frozenset({"combined", "gla"}),
)


@pytest.mark.parametrize("body", [KENT_FIRE, KENT_POLICE, FRIMLEY, DARTMOOR, GMCA, ADUR])
def test_every_kind_delivers_the_back_office(body):
    assert delivers(body, PAYROLL)
    assert eligibility_reason(ADUR, body, PAYROLL) is None


@pytest.mark.parametrize(
    ("body", "service", "expected"),
    [
        (KENT_FIRE, FIRE_RESPONSE, True),
        (KENT_POLICE, FIRE_RESPONSE, False),
        (KENT_FIRE, CONTROL_ROOMS, True),
        (KENT_POLICE, CONTROL_ROOMS, True),
        (FRIMLEY, CONTROL_ROOMS, False),
        (DARTMOOR, PLANNING, True),
        (KENT_FIRE, PLANNING, False),
        (GMCA, TRANSPORT, True),
        (DARTMOOR, TRANSPORT, False),
        (ADUR, PLANNING, True),
        (ADUR, FIRE_RESPONSE, False),
        (ADUR, TRANSPORT, False),  # a district: transport is county and unitary
    ],
)
def test_who_delivers_what_by_kind(body, service, expected):
    assert delivers(body, service) is expected
    assert (eligibility_reason(ADUR, body, service) is None) is expected


def test_a_body_that_does_not_deliver_a_service_is_told_by_name():
    assert eligibility_reason(ADUR, KENT_FIRE, HOUSING) == (
        "Kent Combined Fire and Rescue Authority does not deliver homelessness and housing advice."
    )


def test_a_council_is_told_which_kinds_deliver_a_body_only_service():
    assert tier_reason(ADUR, FIRE_RESPONSE) == (
        "Adur is a district council; fire and rescue response is delivered by "
        "fire and rescue authorities, not councils."
    )
    assert tier_reason(ADUR, CONTROL_ROOMS) == (
        "Adur is a district council; emergency services control rooms is delivered by "
        "fire and rescue authorities and police bodies, not councils."
    )


def test_abolished_comes_before_kind():
    old = Body(
        "E47000011",
        "North of Tyne CA",
        "North of Tyne CA",
        tier="",
        kind="combined",
        is_current=False,
    )
    assert eligibility_reason(ADUR, old, PAYROLL) == "North of Tyne CA has been abolished."
