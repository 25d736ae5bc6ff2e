"""Answers every operation can give, added to the OpenAPI schema once rather than on each view.

Any call may carry a bad token (401, with ``WWW-Authenticate``); an operation with an identifier in its
path answers 404 for one the caller may not read; an operation that reads a body or a query string
answers 400 for one it cannot use. A client generated from the schema must expect them all.
"""

ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def add_common_errors(result, generator, request, public):
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", {"description": "Non authentifié, ou jeton refusé.", "content": ERROR})
            if "{" in path:
                responses.setdefault("404", {"description": "Inconnu, ou que vous ne pouvez pas lire.", "content": ERROR})
            if method in {"post", "put", "patch"} or operation.get("parameters"):
                responses.setdefault("400", {"description": "Requête refusée ; « detail » dit pourquoi.", "content": ERROR})
    return result
