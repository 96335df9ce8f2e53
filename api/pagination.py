"""Page-number pagination whose every page carries the licence notice."""

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .licence import licence_notice

LICENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "url", "attribution"],
    "properties": {
        "name": {"type": "string", "example": "Open Government Licence v3.0"},
        "url": {"type": "string", "format": "uri"},
        "attribution": {"type": "string"},
    },
}


class LicensedPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None  # noqa: S101 - set by paginate_queryset
        return Response(
            {
                "licence": licence_notice(),
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"] = {"licence": LICENCE_SCHEMA, **base["properties"]}
        base["required"] = ["licence", "count", "results"]
        return base
