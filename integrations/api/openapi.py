"""What the generated schema cannot say by itself, added to the published document: the
headers of conditional answers, of limits and of authentication, and an example of every
request parameter and answer (`integrations.api.examples`)."""

from copy import deepcopy
from typing import Any

from pydantic.json_schema import models_json_schema

from integrations.api import examples
from integrations.api.schemas import CatalogMessage, OrderMessage
from integrations.models import WebhookEvent

ETAG_PATTERN = r'^(W/)?"[0-9a-f]{32}"$'

CONDITIONAL_PARAMETERS = [
    {
        "in": "header",
        "name": "If-None-Match",
        "required": False,
        "description": "The ETag of the copy you hold: a 304 without a body if it is current.",
        "schema": {"type": "string"},
        "example": '"9b2f4a6c0d1e3f5a7b9c1d3e5f7a9b1c"',
    },
    {
        "in": "header",
        "name": "If-Modified-Since",
        "required": False,
        "description": "The Last-Modified of your copy; If-None-Match wins when both are sent.",
        "schema": {"type": "string"},
        "example": "Mon, 30 Nov 2026 09:15:00 GMT",
    },
]

VALIDATOR_HEADERS = {
    "ETag": {
        "required": True,
        "description": "The version of what this answer shows; send it back as If-None-Match.",
        "schema": {"type": "string", "pattern": ETAG_PATTERN},
    },
    "Last-Modified": {
        "required": False,
        "description": "When this version was first served; absent during its first second.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "required": True,
        "description": "private, no-cache: keep the copy, and ask again with its ETag.",
        "schema": {"type": "string"},
    },
}

HEADERS_BY_STATUS = {
    401: {
        "WWW-Authenticate": {
            "required": True,
            "description": "The scheme to use: Bearer, with the channel's key.",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "required": True,
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    },
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """The generated schema, with its headers, examples and webhooks declared."""
    for operations in schema["paths"].values():
        for operation in operations.values():
            _declare_headers(operation)
            _give_examples(operation)
    components = schema["components"]["schemas"]
    _declare_webhooks(schema)
    for name, answer in examples.ANSWERS.items():
        components[name]["examples"] = [answer.model_dump(mode="json")]
    return schema


WEBHOOK_HEADERS = [
    ("webhook-id", "The message's id: the same on every attempt; drop a repeat by it."),
    ("webhook-timestamp", "When this attempt was signed, in seconds since 1970."),
    ("webhook-signature", "v1,<base64 HMAC-SHA256 of id.timestamp.body with the secret>."),
]


RECEIVED = "Received. Any other answer, or none within the time limit, is tried again for a day."


def _declare_webhooks(schema: dict[str, Any]) -> None:
    """Each event a webhook endpoint may choose, with the body it posts (Standard Webhooks)."""
    _, definitions = models_json_schema(
        [(CatalogMessage, "serialization"), (OrderMessage, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    components = schema["components"]["schemas"]
    for name, definition in definitions["$defs"].items():
        components.setdefault(name, definition)
    parameters = [
        {"in": "header", "name": name, "required": True, "description": description,
         "schema": {"type": "string"}}
        for name, description in WEBHOOK_HEADERS
    ]  # fmt: skip
    schema["webhooks"] = {
        event.value: {
            "post": {
                "operationId": _camel(event.value),
                "summary": event.label,
                "parameters": deepcopy(parameters),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _body_of(event)}}},
                },
                "responses": {"2XX": {"description": RECEIVED}},
            }
        }
        for event in WebhookEvent
    }


def _body_of(event: WebhookEvent) -> str:
    name = "OrderMessage" if event.value.startswith("order.") else "CatalogMessage"
    return f"#/components/schemas/{name}"


def _camel(event: str) -> str:
    """order.placed → onOrderPlaced."""
    return "on" + "".join(word.capitalize() for word in event.split("."))


def _declare_headers(operation: dict) -> None:
    responses = operation["responses"]  # by status, as numbers
    if 304 in responses:
        operation.setdefault("parameters", []).extend(deepcopy(CONDITIONAL_PARAMETERS))
        for status in (200, 304):
            responses[status].setdefault("headers", {}).update(deepcopy(VALIDATOR_HEADERS))
    for status, headers in HEADERS_BY_STATUS.items():
        if status in responses:
            responses[status].setdefault("headers", {}).update(deepcopy(headers))


def _give_examples(operation: dict) -> None:
    values = {
        **examples.PARAMETERS,
        **examples.OPERATION_PARAMETERS.get(operation["operationId"], {}),
    }
    for parameter in operation.get("parameters", []):
        if parameter["name"] in values:
            parameter.setdefault("example", values[parameter["name"]])
    for code, response in operation["responses"].items():
        content = response.get("content", {}).get("application/json")
        if content is None:
            continue
        if code >= 400:
            content["example"] = {"detail": examples.ERRORS[code]}
        else:
            content["example"] = _answer_of(content["schema"])


def _answer_of(schema: dict) -> Any:
    """The example of an answer's schema: a component, or a list of one."""
    if "items" in schema:
        return [_answer_of(schema["items"])]
    name = schema["$ref"].rsplit("/", 1)[-1]
    return examples.ANSWERS[name].model_dump(mode="json")
