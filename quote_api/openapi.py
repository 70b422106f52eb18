"""The hand-written OpenAPI 3.1 document of every route (a test keeps it and the app in step)."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_QUOTE = {
    "type": "object",
    "required": ["number", "product", "quantity", "total", "currency", "status"],
    "properties": {
        "number": {"type": "string", "pattern": "^Q-[0-9]+$", "examples": ["Q-1001"]},
        "product_id": {"type": "string"},
        "product": {"type": "string", "description": "the product's name"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
        "unit_price": {"type": "number"},
        "subtotal": {"type": "number"},
        "volume_discount_percent": {"type": "number"},
        "volume_discount": {"type": "number"},
        "account_discount_percent": {"type": "number"},
        "account_discount": {"type": "number"},
        "total": {"type": "number"},
        "currency": {"type": "string", "examples": ["USD"]},
        "status": {"type": "string", "enum": ["Draft", "Sent", "Accepted"]},
        "created_at": {"type": "string", "format": "date-time"},
        "valid_until": {"type": "string", "format": "date"},
    },
}
_PRODUCT = {
    "type": "object",
    "required": ["id", "name", "unit_price", "currency"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "unit_price": {"type": "number"},
        "currency": {"type": "string"},
    },
}


def _json(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


_PROTECTED_ERRORS = {
    "400": _json("Error", "Malformed Authorization header (RFC 6750 invalid_request)"),
    "401": _json("Error", "No token (bare challenge) or a refused token (invalid_token)"),
    "503": _json("Error", "The portal's signing key cannot be fetched; see Retry-After"),
}


def _protected(operation: dict[str, Any]) -> dict[str, Any]:
    operation["security"] = [{"portalToken": []}]
    operation["responses"] = {**operation["responses"], **_PROTECTED_ERRORS}
    return operation


_INSPECTOR_PATHS: dict[str, Any] = {
    "/_inspector/validations": {
        "get": {
            "operationId": "listValidations",
            "summary": "The last 200 token validation outcomes, newest first (--inspector only)",
            "description": (
                "Read by the portal's flow inspector. Only the portal's origin may read it; "
                "entries hold a claims summary, each check's result and a token fingerprint, "
                "never the token."
            ),
            "responses": {
                "200": _json("ValidationList", "The record"),
                "403": _json("Error", "Another origin asked"),
            },
        }
    },
    "/_inspector/validations/{request_id}": {
        "get": {
            "operationId": "getValidation",
            "summary": "The outcome of one request, by its X-Request-Id (--inspector only)",
            "parameters": [
                {
                    "name": "request_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": _json("Validation", "What the API checked on that request"),
                "403": _json("Error", "Another origin asked"),
                "404": _json("Error", "No such request in the record"),
            },
        }
    },
}

_VALIDATION = {
    "type": "object",
    "required": ["request_id", "at", "method", "path", "status", "outcome", "checks"],
    "properties": {
        "request_id": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "method": {"type": "string"},
        "path": {"type": "string"},
        "origin": {"type": "string"},
        "status": {"type": "integer"},
        "outcome": {"type": "string", "enum": ["accepted", "refused", "unavailable"]},
        "reason": {"type": ["string", "null"]},
        "token_fingerprint": {"type": ["string", "null"]},
        "claims": {"type": "object"},
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "passed", "detail"],
                "properties": {
                    "name": {"type": "string"},
                    "passed": {"type": "boolean"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}


def openapi_document(inspector: bool = False) -> dict[str, Any]:
    """The OpenAPI 3.1 document as a dict; the inspector's routes only when it is on."""
    document = _document()
    if inspector:
        document["paths"].update(_INSPECTOR_PATHS)
        document["components"]["schemas"]["Validation"] = _VALIDATION
        document["components"]["schemas"]["ValidationList"] = {
            "type": "object",
            "required": ["validations"],
            "properties": {
                "validations": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Validation"},
                },
                "size": {"type": "integer"},
            },
        }
    return document


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Quote API",
            "version": "1.0.0",
            "description": (
                "The Configure-Price-Quote API behind the portal. Protected routes take the "
                "portal's implicit-grant token as `Authorization: Bearer <token>`."
            ),
        },
        "paths": {
            "/healthz": {
                "get": {
                    "operationId": "healthz",
                    "summary": "Liveness; answers even while the portal is down",
                    "responses": {"200": {"description": "Alive"}},
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "The OpenAPI document"}},
                }
            },
            "/api/whoami": {
                "get": _protected(
                    {
                        "operationId": "whoami",
                        "summary": "Name, email, customer id and user name from the token",
                        "responses": {"200": _json("WhoAmI", "Who the caller is")},
                    }
                )
            },
            "/api/products": {
                "get": _protected(
                    {
                        "operationId": "listProducts",
                        "summary": "The catalogue",
                        "responses": {"200": _json("ProductList", "The products")},
                    }
                )
            },
            "/api/quotes": {
                "get": _protected(
                    {
                        "operationId": "listQuotes",
                        "summary": "The caller's quotes",
                        "responses": {"200": _json("QuoteList", "The caller's quotes")},
                    }
                ),
                "post": _protected(
                    {
                        "operationId": "createQuote",
                        "summary": "Price and store a new Draft quote",
                        "requestBody": {
                            "required": True,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/QuoteRequest"}
                                }
                            },
                        },
                        "responses": {
                            "201": {
                                **_json("Quote", "The priced quote"),
                                "headers": {
                                    "Location": {
                                        "schema": {"type": "string"},
                                        "description": "/api/quotes/<number>",
                                    }
                                },
                            },
                            "413": _json("Error", "Body larger than the limit"),
                        },
                    }
                ),
            },
            "/api/quotes/{number}": {
                "get": _protected(
                    {
                        "operationId": "getQuote",
                        "summary": "One of the caller's quotes",
                        "parameters": [
                            {
                                "name": "number",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                        ],
                        "responses": {
                            "200": _json("Quote", "The quote"),
                            "404": _json("Error", "Unknown, or another contact's, quote"),
                        },
                    }
                )
            },
        },
        "components": {
            "securitySchemes": {
                "portalToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "RS256 token from the portal's /_services/auth/token",
                }
            },
            "schemas": {
                "Error": _ERROR,
                "Quote": _QUOTE,
                "QuoteList": {
                    "type": "object",
                    "required": ["quotes"],
                    "properties": {
                        "quotes": {"type": "array", "items": {"$ref": "#/components/schemas/Quote"}}
                    },
                },
                "QuoteRequest": {
                    "type": "object",
                    "required": ["product_id", "quantity"],
                    "additionalProperties": False,
                    "properties": {
                        "product_id": {"type": "string"},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
                    },
                },
                "Product": _PRODUCT,
                "ProductList": {
                    "type": "object",
                    "required": ["products"],
                    "properties": {
                        "products": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Product"},
                        }
                    },
                },
                "WhoAmI": {
                    "type": "object",
                    "required": ["name", "email", "customerId", "userName"],
                    "properties": {
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                        "customerId": {"type": "string"},
                        "userName": {"type": "string"},
                    },
                },
            },
        },
    }
