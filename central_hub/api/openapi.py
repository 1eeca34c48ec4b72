"""Provides the hub's OpenAPI 3 description, served at GET /openapi.json.

Hand-written, because the sync endpoints take binary frames and signed documents whose
rules (docs/protocol.md) no generator could infer; tests/security runs schemathesis against
a real hub process with it, so a route, status or body shape that drifts from the code
fails there. The dashboard (/dash, HTML behind a session cookie) is not described.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from sync_protocol import BATCH_MEDIA_TYPE

__all__ = ["OPENAPI", "openapi_endpoint"]

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _object(required: dict[str, Any], *, extra: bool = True) -> dict[str, Any]:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": required,
        "additionalProperties": extra,
    }


# Which party must act decides the status (docs/errors.md); every refusal has the same body.
_REFUSALS = {
    "400": "malformed_input (or another input error): the request is not well formed",
    "403": "bad_signature, unknown_node, revoked_node or enrollment_refused",
    "409": "broken_chain or conflicting_batch: the node's history disagrees with the hub's",
    "421": "wrong_recipient: sealed to another hub's key",
    "422": "rule_violation: an event breaks a case rule",
    "426": "unsupported_version: a newer protocol than this hub speaks",
    "503": "persistence_error: the hub's store failed; nothing was applied; retry later",
}
_NO_ROUTE = {
    "404": {
        "description": "no such route: an id holding '/' does not match the path (plain text)",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


def _refusals(*statuses: str) -> dict[str, Any]:
    return {
        status: {
            "description": _REFUSALS[status],
            "content": {_JSON: {"schema": _ref("Error")}},
        }
        for status in statuses
    }


_JSON_BODY: dict[str, Any] = {
    "required": True,
    "content": {_JSON: {"schema": {"type": "object"}}},
}
_BATCH_BODY: dict[str, Any] = {
    "required": True,
    "content": {BATCH_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}
_INGEST = ("400", "403", "409", "421", "422", "426", "503")
_RECEIPT = {
    "200": _ok("applied, or a resend of an applied batch: its receipt", _ref("ReceiptAnswer")),
    "202": _ok("held until the batches before it arrive", _ref("ReceiptAnswer")),
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "township-sync hub",
        "version": "1",
        "description": "The sync API of a county or prefecture hub (docs/protocol.md). "
        "Every refusal is {error: {code, message, hint}}; nothing is applied.",
    },
    "paths": {
        "/healthz": {
            "get": {
                "operationId": "health",
                "responses": {
                    "200": _ok("the hub and its store answer", _ref("Health")),
                    **_refusals("503"),
                },
            }
        },
        "/v1/hub": {
            "get": {
                "operationId": "hubInfo",
                "summary": "the hub's self-signed description and public keys",
                "responses": {"200": _ok("signed hub info", _object({"hub": _ref("Signed")}))},
            }
        },
        "/v1/enroll": {
            "post": {
                "operationId": "enroll",
                "summary": "redeem a one-time code: {code_id, registration, mac}",
                "requestBody": _JSON_BODY,
                "responses": {
                    "200": _ok(
                        "enrolled; a repeated request gets the same answer",
                        _object({"hub": _ref("Signed"), "proof": {"type": "string"}}),
                    ),
                    **_refusals("400", "403", "503"),
                },
            }
        },
        "/v1/batches": {
            "post": {
                "operationId": "submitBatch",
                "summary": "one sealed batch frame",
                "requestBody": _BATCH_BODY,
                "responses": {**_RECEIPT, **_refusals(*_INGEST)},
            }
        },
        "/v1/nodes/{node_id}/cursor": {
            "get": {
                "operationId": "cursor",
                "summary": "what the hub holds of a node, signed",
                "parameters": [
                    {
                        "name": "node_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "200": _ok("signed cursor", _object({"cursor": _ref("Signed")})),
                    **_NO_ROUTE,
                    **_refusals("503"),
                },
            }
        },
        "/v1/uploads/{upload_id}": {
            "parameters": [
                {
                    "name": "upload_id",
                    "in": "path",
                    "required": True,
                    "description": "SHA-256 (hex) of the whole frame",
                    "schema": {"type": "string"},
                }
            ],
            "get": {
                "operationId": "uploadOffset",
                "summary": "how many bytes of a resumable upload the hub holds",
                "responses": {
                    "200": _ok("offset", _object({"offset": {"type": "integer", "minimum": 0}})),
                    **_NO_ROUTE,
                    **_refusals("400", "503"),
                },
            },
            "put": {
                "operationId": "uploadPiece",
                "summary": "one piece of a frame, at Content-Range bytes START-END/TOTAL",
                "parameters": [
                    {
                        "name": "Content-Range",
                        "in": "header",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "requestBody": _BATCH_BODY,
                "responses": {
                    "200": _ok(
                        "a piece stored (offset) or the last one ingested (receipt)",
                        {
                            "oneOf": [
                                _object({"offset": {"type": "integer", "minimum": 0}}),
                                _ref("ReceiptAnswer"),
                            ]
                        },
                    ),
                    "202": _RECEIPT["202"],
                    **_NO_ROUTE,
                    **_refusals(*_INGEST),
                },
            },
        },
        "/v1/registrations": {
            "post": {
                "operationId": "registerForwarded",
                "summary": "a county passes up a node's registration, signed by the county",
                "requestBody": _JSON_BODY,
                "responses": {
                    "200": _ok("registered", _object({"status": {"enum": ["registered"]}})),
                    **_refusals("400", "403", "503"),
                },
            }
        },
        "/v1/catalog": {
            "get": {
                "operationId": "catalog",
                "summary": "signed catalogs, the upstream endorsement and the revocation list",
                "responses": {
                    "200": _ok("catalog bundle", _ref("CatalogBundle")),
                    **_refusals("503"),
                },
            }
        },
        "/v1/backlog": {
            "post": {
                "operationId": "backlog",
                "summary": "a county's signed statement of what it holds for a node",
                "requestBody": _JSON_BODY,
                "responses": {
                    "200": _ok("recorded", _object({"status": {"enum": ["recorded"]}})),
                    **_refusals("400", "403", "503"),
                },
            }
        },
        "/v1/feed": {
            "post": {
                "operationId": "feed",
                "summary": "a node's signed feed request; answers its next page, sealed to it",
                "requestBody": _JSON_BODY,
                "responses": {
                    "200": _ok("sealed page, base64url", _object({"page": {"type": "string"}})),
                    **_refusals("400", "403", "503"),
                },
            }
        },
    },
    "components": {
        "schemas": {
            "Error": _object(
                {
                    "error": _object(
                        {
                            "code": {"type": "string", "minLength": 1},
                            "message": {"type": "string", "minLength": 1},
                            "hint": {"type": "string"},
                        },
                        extra=False,
                    )
                },
                extra=False,
            ),
            "Signed": _object(
                {
                    "kind": {"type": "string"},
                    "body": {"type": "object"},
                    "signer_key_id": {"type": "string"},
                    "signature": {"type": "string"},
                },
                extra=False,
            ),
            "ReceiptAnswer": _object({"receipt": _ref("Signed")}, extra=False),
            "Health": _object({"status": {"enum": ["ok"]}, "hub_id": {"type": "string"}}),
            "CatalogBundle": _object(
                {
                    "prefecture": {"nullable": True, "allOf": [_ref("Signed")]},
                    "county": {"nullable": True, "allOf": [_ref("Signed")]},
                    "upstream": {"nullable": True, "allOf": [_ref("Signed")]},
                    "revocations": _ref("Signed"),
                }
            ),
        }
    },
}


async def openapi_endpoint(_request: Request) -> JSONResponse:
    return JSONResponse(OPENAPI)
