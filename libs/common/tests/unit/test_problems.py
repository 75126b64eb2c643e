"""Problem details: building documents and mapping Litestar's validation errors."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get
from litestar.enums import ParamType
from litestar.exceptions import ValidationException
from litestar.testing import RequestFactory

from switchyard.common.http.problems import PROBLEM_JSON, ProblemError, maps_to, validation_errors


@get("/things")
async def _thing() -> None:
    return None


def _render(error: ProblemError) -> dict[str, object]:
    request = RequestFactory(app=Litestar([_thing])).get("/things/7")
    response = error.to_response(request)
    assert response.media_type == PROBLEM_JSON
    return msgspec.json.decode(msgspec.json.encode(response.content), type=dict[str, object])


def test_problem_defaults_title_and_type_from_status() -> None:
    body = _render(ProblemError(404))

    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "instance": "/things/7",
    }


def test_problem_keeps_custom_members_and_extensions_after_standard_ones() -> None:
    error = ProblemError(
        409,
        "Email taken",
        "a@example.com is registered",
        type="https://switchyard.dev/problems/email-taken",
        extra={"email": "a@example.com", "status": 999},
    )

    body = _render(error)

    assert body["type"] == "https://switchyard.dev/problems/email-taken"
    assert body["title"] == "Email taken"
    assert body["detail"] == "a@example.com is registered"
    assert body["email"] == "a@example.com"
    assert body["status"] == 409, "an extension must not override a standard member"


def test_problem_headers_are_kept() -> None:
    error = ProblemError(401, headers={"WWW-Authenticate": "Bearer"})

    assert error.headers == {"WWW-Authenticate": "Bearer"}
    assert error.status_code == 401


def test_maps_to_uses_exception_message_as_detail() -> None:
    class EmailTaken(Exception):
        pass

    error = maps_to(409, "Email taken", type="urn:switchyard:email-taken")(EmailTaken("already registered"))

    assert (error.status_code, error.title, error.detail, error.type_) == (
        409,
        "Email taken",
        "already registered",
        "urn:switchyard:email-taken",
    )


def test_validation_errors_name_source_and_field_path() -> None:
    extra = [
        {"message": "Expected `str` of length >= 3", "key": "email", "source": "body"},
        {"message": "Expected `int`, got `str`", "key": "inner[1]", "source": "body"},
        {"message": "Expected `int` >= 1", "key": "limit", "source": ParamType.QUERY},
        {"message": "Object missing required field `name`", "key": None, "source": "body"},
    ]

    assert validation_errors(extra) == [
        {"path": "body.email", "message": "Expected `str` of length >= 3"},
        {"path": "body.inner[1]", "message": "Expected `int`, got `str`"},
        {"path": "query.limit", "message": "Expected `int` >= 1"},
        {"path": "body", "message": "Object missing required field `name`"},
    ]


def test_validation_errors_without_details_is_empty() -> None:
    assert validation_errors(None) == []
    assert validation_errors(ValidationException("x").extra) == []


def test_an_unknown_or_missing_body_field_is_named_in_the_path() -> None:
    extra = [
        {"key": "data", "source": "body", "message": "Object contains unknown field `nickname`"},
        {"key": "data", "source": "body", "message": "Object missing required field `email`"},
    ]

    assert [error["path"] for error in validation_errors(extra)] == ["body.nickname", "body.email"]
