"""The Open Government Licence notice every API response and download carries.

Everything the API serves is public fact or text published on the site, with no
personal data (ADR 11), so the OGL v3.0 can cover all of it. The reference data
we import carries its own attribution (mySociety CC BY 4.0; ONS and MHCLG OGL),
repeated here so a re-user who only reads the JSON still sees it.
"""

from typing import Any

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Council register from mySociety (CC BY 4.0); boundaries, neighbours and population "
    "from ONS; revenue outturn from MHCLG (Open Government Licence v3.0)."
)
# Sent on every API response and download, errors too (RFC 8288 "license" relation).
LINK_HEADER = f'<{LICENCE_URL}>; rel="license"'


def licence_notice() -> dict[str, Any]:
    """The `licence` object at the top of every API body."""
    return {"name": LICENCE_NAME, "url": LICENCE_URL, "attribution": ATTRIBUTION}
