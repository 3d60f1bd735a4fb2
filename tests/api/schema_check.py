"""Checking the API's answers against its OpenAPI schema (docs/api.md, "The schema").

The schema is generated in-process (OpenAPI 3.1, so a response's schema is plain JSON Schema
2020-12). `CheckedClient` validates every answer against the schema of its path, method,
status and content type, and fails naming the endpoint and the JSON path that does not match.
The walks that use it (filing, the inquiry, the tender, the asset sale) each reach the
operations listed here under their name; together they reach every operation of the schema
(tests/api/test_schema_answers.py checks both).
"""

import json
import re
from datetime import date, datetime

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

SCHEMA_URI = "urn:station:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# --- the schema and the checker -------------------------------------------------------------------

def generate_schema() -> dict:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


# JSON Schema leaves `format` unchecked unless asked; these are the formats the schema uses
# for moments and days (jsonschema's own date-time check needs a package we do not install).
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value):
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def _is_date(value):
    return not isinstance(value, str) or (len(value) == 10 and date.fromisoformat(value) is not None)


def _pointer(*parts) -> str:
    return "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def closed(schema):
    """The schema with every object closed (`additionalProperties: false` where it says
    nothing), so that a key the schema does not describe is reported too."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: closed(value) for key, value in schema.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _deepest(error):
    """Of an error and the errors of its alternatives (oneOf: a nullable object), the one
    furthest into the body: where it goes wrong."""
    found = error
    for sub in error.context or ():
        candidate = _deepest(sub)
        if len(candidate.absolute_path) > len(found.absolute_path):
            found = candidate
    return found


class AnswerChecker:
    """Validates answers against the schema; remembers which (method, path, status) it saw."""

    def __init__(self, openapi):
        self.openapi = openapi
        strict = {**openapi, "components": closed(openapi["components"])}
        self.registry = Registry().with_resource(
            SCHEMA_URI, Resource.from_contents(strict, default_specification=DRAFT202012))
        self.routes = []
        for template in openapi["paths"]:
            pattern = "".join("[^/]+" if part.startswith("{") else re.escape(part)
                              for part in re.split(r"(\{[^}]+\})", template))
            self.routes.append((re.compile(pattern + r"\Z"), template))
        self.seen = set()

    def operations(self) -> set:
        return {(method.upper(), template) for template, item in self.openapi["paths"].items()
                for method in item if method in HTTP_METHODS}

    def template_of(self, path):
        matches = [t for rx, t in self.routes if rx.match(path)]
        return min(matches, key=lambda t: t.count("{")) if matches else None

    def problems(self, method, path, status, content_type, body: bytes) -> list[str]:
        """What is wrong with this answer, as sentences; [] when it is the documented one."""
        template = self.template_of(path)
        if template is None:
            return [f"the schema has no path for {path}"]
        operation = self.openapi["paths"][template].get(method.lower())
        if operation is None:
            return [f"the schema has no {method} for {template}"]
        self.seen.add((method, template, status))
        response = operation["responses"].get(str(status))
        if response is None:
            return [f"answered {status}, but the schema documents only {', '.join(sorted(operation['responses']))}"]
        content = response.get("content") or {}
        if not body:
            return [] if not content or status == 204 else [f"answered {status} with no body; the schema "
                                                           f"describes {', '.join(content)}"]
        if not content:
            return [f"answered {status} with a body ({content_type}) where the schema describes none"]
        media_type = (content_type or "").split(";")[0].strip()
        if media_type not in content:
            return [f"answered {status} as {media_type or 'no content type'}; the schema describes "
                    f"{', '.join(content)}"]
        try:
            instance = json.loads(body) if media_type.endswith("json") else body.decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            return [f"answered {status} with a body that is not {media_type}: {exc}"]
        where = "#" + _pointer("", "paths", template, method.lower(), "responses", status, "content", media_type,
                               "schema")
        validator = Draft202012Validator({"$ref": SCHEMA_URI + where}, registry=self.registry,
                                         format_checker=FORMATS)
        return [self._describe(error) for error in sorted(validator.iter_errors(instance), key=lambda e: e.json_path)]

    @staticmethod
    def _describe(error) -> str:
        error = _deepest(error)  # "not valid under any of the given schemas" says less than why not
        message = error.message if len(error.message) < 300 else error.message[:300] + "..."
        return f"at {error.json_path}: {message}"

    def check(self, method, path, status, content_type, body):
        problems = self.problems(method, path, status, content_type, body)
        if problems:
            raise AssertionError(f"{method} {path} -> {status} does not match the schema:\n  "
                                 + "\n  ".join(problems) + f"\nbody: {body[:600]!r}")

    def successes(self) -> set:
        return {(method, template) for method, template, status in self.seen if 200 <= status < 300}


class CheckedClient(APIClient):
    """An APIClient whose every answer is checked against the schema."""

    def __init__(self, checker, **defaults):
        super().__init__(**defaults)
        self.checker = checker

    def request(self, **kwargs):
        response = super().request(**kwargs)
        self.checker.check(response.request["REQUEST_METHOD"], response.request["PATH_INFO"],
                           response.status_code, response.get("Content-Type"), response.content)
        return response


def answer(response, status=200):
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json() if response.content and response["Content-Type"].startswith("application/json") else None


def refused(response, status, code):
    assert response.status_code == status, response.content.decode()[:2000]
    assert response.json()["error"]["code"] == code, response.json()
    return response.json()["error"]


def signed_in(checker, user, **defaults):
    """A checked client with the user's API token (as a real client would get it)."""
    client = CheckedClient(checker, **defaults)
    token = answer(client.post("/api/v1/auth/token/", {"username": user.username, "password": "pw-for-tests-1"},
                               format="json"))["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- what each walk reaches ------------------------------------------------------------------------

FILING = {
    ("POST", "/api/v1/auth/token/"), ("POST", "/api/v1/auth/logout/"), ("GET", "/api/v1/me/"),
    ("GET", "/api/v1/stations/"), ("GET", "/api/v1/transactions/"), ("POST", "/api/v1/transactions/"),
    ("GET", "/api/v1/transactions/{code}/"), ("PATCH", "/api/v1/transactions/{code}/"),
    ("GET", "/api/v1/transactions/{code}/documents/"), ("POST", "/api/v1/transactions/{code}/documents/"),
    ("POST", "/api/v1/transactions/{code}/actions/{action}/"),
    ("POST", "/api/v1/companies/"), ("GET", "/api/v1/companies/mine/"),
}
INQUIRY = {
    ("GET", "/api/v1/transactions/{code}/inquiry/"), ("POST", "/api/v1/transactions/{code}/inquiry/draws/"),
    ("GET", "/api/v1/transactions/{code}/inquiry/choices/"), ("POST", "/api/v1/transactions/{code}/inquiry/group/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/notice/"), ("GET", "/api/v1/transactions/{code}/opening-key/"),
    ("POST", "/api/v1/transactions/{code}/quotes/"), ("GET", "/api/v1/transactions/{code}/quotes/mine/"),
    ("GET", "/api/v1/transactions/{code}/quotes/mine/receipt/"), ("GET", "/api/v1/transactions/{code}/opening/"),
    ("POST", "/api/v1/transactions/{code}/opening/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/assessments/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/report/"),
    ("GET", "/api/v1/transactions/{code}/inquiry/comparison/"),
    ("POST", "/api/v1/transactions/{code}/actions/{action}/"),
    ("GET", "/api/v1/notices/"), ("GET", "/api/v1/notices/{id}/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/challenges/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/challenges/{challenge_id}/answer/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/contract/"),
    ("POST", "/api/v1/transactions/{code}/inquiry/acceptance/"),
}
T = "/api/v1/transactions/{code}/tender/"
TENDER_WALK = {  # tests/api/test_tender_api.py: the courtyard paving, two envelopes, scored
    ("GET", T), ("GET", T + "choices/"), ("POST", T + "notice/"), ("POST", T + "registrations/"),
    ("POST", T + "bids/technical/"), ("POST", T + "bids/"), ("GET", T + "bids/mine/"), ("POST", T + "bids/withdraw/"),
    ("POST", T + "clarifications/"), ("POST", T + "bids/confirm/"), ("POST", T + "objections/"),
    ("POST", T + "objections/{challenge_id}/answer/"), ("POST", T + "securities/"), ("POST", T + "draws/"),
    ("POST", T + "committee/"), ("POST", T + "assessments/"), ("POST", T + "scores/"), ("POST", T + "report/"),
    ("GET", T + "scoring/"), ("POST", T + "pass-over/"), ("POST", T + "contract/"),
    ("POST", T + "securities/refunds/"), ("POST", T + "written-report/"), ("POST", T + "acceptance/"),
    ("GET", "/api/v1/transactions/{code}/opening-key/"), ("GET", "/api/v1/transactions/{code}/opening/"),
    ("POST", "/api/v1/transactions/{code}/opening/"), ("POST", "/api/v1/transactions/{code}/actions/{action}/"),
}
TENDER_FAILED = {("POST", T + "method-change/")}  # the same file: two failed rounds
TENDER = TENDER_WALK | TENDER_FAILED

S = "/api/v1/transactions/{code}/asset-sale/"
ASSET_SALE_AUCTION = {  # tests/api/test_asset_sale_api.py: two buyers, the online auction
    ("GET", S), ("POST", S + "appraisal/"), ("POST", S + "disclosure/"), ("POST", S + "registrations/"),
    ("GET", S + "registrations/"), ("POST", S + "registrations/{registration_id}/deposit/"),
    ("POST", S + "registrations/{registration_id}/decision/"), ("POST", S + "auction/"), ("GET", S + "auction/"),
    ("POST", S + "auction/bids/"), ("POST", S + "payment/"), ("POST", "/api/v1/transactions/{code}/actions/{action}/"),
}
ASSET_SALE_NEGOTIATED = {  # the same file: one buyer, sealed offers, the transfer
    ("GET", S), ("POST", S + "disclosure/"), ("POST", S + "disclosure/change/"), ("POST", S + "offers/"),
    ("GET", "/api/v1/transactions/{code}/opening-key/"), ("POST", "/api/v1/transactions/{code}/quotes/"),
    ("POST", S + "payment/"), ("POST", S + "transfer/"), ("POST", "/api/v1/transactions/{code}/actions/{action}/"),
}
ASSET_SALE = ASSET_SALE_AUCTION | ASSET_SALE_NEGOTIATED
