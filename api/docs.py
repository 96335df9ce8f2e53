"""The API's documentation page (/api/), rendered on the server from the OpenAPI
schema itself, so it can never drift from what the API does.

Third-party API consoles need inline scripts (refused by our CSP, ADR 6) and are
hard to use with a screen reader; a page of GOV.UK tables is neither.
`operations` is pure: it turns the schema document into rows for the template.
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .licence import LICENCE_NAME, LICENCE_URL
from .views import api_schema


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    type: str
    required: bool
    description: str
    values: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    anchor: str
    tag: str
    summary: str
    description: str
    parameters: list[Parameter]
    fields: list[Field]
    responses: list[tuple[str, str]]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    return node


def _type(schema: dict[str, Any], node: dict[str, Any]) -> str:
    node = _resolve(schema, node)
    if "oneOf" in node or "anyOf" in node:
        return " or ".join(_type(schema, n) for n in node.get("oneOf", node.get("anyOf", [])))
    kind = str(node.get("type", "object"))
    if kind == "array":
        kind = f"list of {_type(schema, node.get('items', {}))}"
    if node.get("format"):
        kind = f"{kind} ({node['format']})"
    if node.get("enum"):
        kind = f"{kind}, one of: " + ", ".join(str(v) for v in node["enum"] if v not in ("", None))
    if node.get("nullable"):
        kind = f"{kind}, or null"
    return kind


def _fields(schema: dict[str, Any], node: dict[str, Any], prefix: str = "") -> list[Field]:
    node = _resolve(schema, node)
    rows: list[Field] = []
    for name, prop in node.get("properties", {}).items():
        resolved = _resolve(schema, prop)
        if resolved.get("type") == "array" and "properties" in _resolve(schema, resolved["items"]):
            rows.append(Field(f"{prefix}{name}", "list of objects", prop.get("description", "")))
            rows.extend(_fields(schema, resolved["items"], f"{prefix}{name}[]."))
        elif "properties" in resolved:
            rows.append(Field(f"{prefix}{name}", "object", prop.get("description", "")))
            rows.extend(_fields(schema, resolved, f"{prefix}{name}."))
        else:
            rows.append(
                Field(f"{prefix}{name}", _type(schema, prop), str(resolved.get("description", "")))
            )
    return rows


def operations(schema: dict[str, Any]) -> list[Operation]:
    """One entry per path and method of an OpenAPI 3 document, in the document's order."""
    out: list[Operation] = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "head"):
                continue
            params = [
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    type=_type(schema, p.get("schema", {})).split(", one of:")[0],
                    required=bool(p.get("required")),
                    description=str(p.get("description", "")),
                    values=[
                        str(v)
                        for v in _resolve(
                            schema, p.get("schema", {}).get("items", p.get("schema", {}))
                        ).get("enum", [])
                        if v not in ("", None)
                    ],
                )
                for p in op.get("parameters", [])
            ]
            ok = op.get("responses", {}).get("200", {})
            body = ok.get("content", {}).get("application/json", {}).get("schema", {})
            out.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=str(op.get("operationId", f"{method}-{path}")),
                    tag=(op.get("tags") or ["Other"])[0],
                    summary=str(op.get("summary", "")),
                    description=str(op.get("description", "")),
                    parameters=params,
                    fields=_fields(schema, body) if body else [],
                    responses=[
                        (code, str(r.get("description", "")))
                        for code, r in op.get("responses", {}).items()
                    ],
                )
            )
    return out


@require_http_methods(["GET", "HEAD"])
def api_docs(request: HttpRequest) -> HttpResponse:
    schema = api_schema()
    context = {
        "info": schema.get("info", {}),
        "operations": operations(schema),
        "licence_name": LICENCE_NAME,
        "licence_url": LICENCE_URL,
    }
    return render(request, "api/docs.html", context)
