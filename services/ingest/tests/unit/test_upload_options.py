"""The form fields beside the file: flags, the mapping, and everything else refused by name."""

from __future__ import annotations

import pytest

from switchyard.ingest.domain.commands import ImportOptions
from switchyard.ingest.domain.errors import InvalidOptions
from switchyard.ingest.service_layer.uploads import parse_options


def _paths(fields: dict[str, str]) -> list[str]:
    with pytest.raises(InvalidOptions) as caught:
        parse_options(fields)
    return [error["path"] for error in caught.value.errors]


def test_no_fields_are_the_defaults():
    assert parse_options({}) == ImportOptions(dry_run=False, notify=True, force=False, mapping=None)


@pytest.mark.parametrize("raw", ["true", "TRUE", " True ", "1", "yes", "on"])
def test_true_spellings(raw):
    assert parse_options({"dry_run": raw, "notify": raw, "force": raw}) == ImportOptions(
        dry_run=True, notify=True, force=True
    )


@pytest.mark.parametrize("raw", ["false", "False", "0", "no", "off", "", "  "])
def test_false_spellings(raw):
    assert parse_options({"dry_run": raw, "notify": raw, "force": raw}) == ImportOptions(
        dry_run=False, notify=False, force=False
    )


@pytest.mark.parametrize("name", ["dry_run", "notify", "force"])
@pytest.mark.parametrize("raw", ["maybe", "2", "truee", "y e s"])
def test_a_flag_that_is_not_a_boolean_is_named(name, raw):
    with pytest.raises(InvalidOptions) as caught:
        parse_options({name: raw})

    assert caught.value.errors == [{"path": f"body.{name}", "message": f"{name} must be true or false."}]


def test_an_unknown_field_is_named():
    with pytest.raises(InvalidOptions) as caught:
        parse_options({"colour": "blue"})

    assert caught.value.errors == [
        {
            "path": "body.colour",
            "message": "Unknown form field 'colour'; allowed: file, dry_run, notify, force, mapping.",
        }
    ]


def test_a_mapping_is_a_json_object_of_strings():
    options = parse_options({"mapping": '{"E-Mail": "email", "Login": "username"}'})

    assert options.mapping == {"E-Mail": "email", "Login": "username"}


@pytest.mark.parametrize("raw", ["", "   "])
def test_a_blank_mapping_is_none(raw):
    assert parse_options({"mapping": raw}).mapping is None


@pytest.mark.parametrize(
    "raw",
    ["{not json", '["email"]', '{"E-Mail": 1}', '"email"', "null", '{"a": null}', '{"E\\u0000": "email"}'],
)
def test_a_mapping_that_is_no_object_of_strings_is_refused(raw):
    assert _paths({"mapping": raw}) == ["body.mapping"]


def test_every_problem_is_reported_at_once():
    assert _paths({"colour": "blue", "dry_run": "maybe", "force": "x", "mapping": "[]"}) == [
        "body.colour",
        "body.dry_run",
        "body.force",
        "body.mapping",
    ]
