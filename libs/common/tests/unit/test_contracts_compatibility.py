from typing import Annotated, Literal

import msgspec

from switchyard.common.contracts.compatibility import breaking_changes


def _schema(struct: type[msgspec.Struct]) -> dict[str, object]:
    return msgspec.json.schema(struct)


class V1(msgspec.Struct):
    """Version one."""

    user_id: str
    total: int


class Address(msgspec.Struct):
    city: str


class Nested(msgspec.Struct):
    address: Address


class Listed(msgspec.Struct):
    addresses: list[Address]


def test_identical_schemas_are_compatible():
    assert breaking_changes(_schema(V1), _schema(V1)) == []


def test_new_optional_field_is_compatible():
    class V1(msgspec.Struct):
        """Only the docstring changed, and a field with a default appeared."""

        user_id: str
        total: int
        note: str | None = None

    assert breaking_changes(_schema(globals()["V1"]), _schema(V1)) == []


def test_removed_field_breaks():
    class V1(msgspec.Struct):
        user_id: str

    assert breaking_changes(_schema(globals()["V1"]), _schema(V1)) == ["field 'total' was removed"]


def test_changed_type_breaks():
    class V1(msgspec.Struct):
        user_id: str
        total: str

    assert breaking_changes(_schema(globals()["V1"]), _schema(V1)) == [
        "field 'total' changed type from integer to string"
    ]


def test_widening_to_nullable_breaks_old_readers():
    class V1(msgspec.Struct):
        user_id: str
        total: int | None

    (problem,) = breaking_changes(_schema(globals()["V1"]), _schema(V1))
    assert problem.startswith("field 'total' changed type from integer to")


def test_new_required_field_breaks():
    class V1(msgspec.Struct):
        user_id: str
        total: int
        role: str

    assert breaking_changes(_schema(globals()["V1"]), _schema(V1)) == [
        "new field 'role' is required (give it a default to make it optional)"
    ]


def test_required_field_becoming_optional_breaks():
    class V1(msgspec.Struct):
        user_id: str
        total: int = 0

    assert breaking_changes(_schema(globals()["V1"]), _schema(V1)) == [
        "field 'total' is no longer required (readers rely on it)"
    ]


def test_new_enum_value_breaks():
    class Old(msgspec.Struct):
        role: Literal["admin", "member"]

    class New(msgspec.Struct):
        role: Literal["admin", "member", "guest"]

    (problem,) = breaking_changes(_schema(Old), _schema(New))
    assert problem.startswith("field 'role' changed type")


def test_nested_struct_changes_are_found_through_refs():
    class Address(msgspec.Struct):
        city: int

    class Nested(msgspec.Struct):
        address: Address

    assert breaking_changes(_schema(globals()["Nested"]), _schema(Nested)) == [
        "field 'address.city' changed type from string to integer"
    ]


def test_several_problems_are_all_reported():
    class V1(msgspec.Struct):
        total: str
        role: str

    assert len(breaking_changes(_schema(globals()["V1"]), _schema(V1))) == 3


def test_a_new_optional_field_in_a_list_of_structs_is_compatible():
    class Address(msgspec.Struct):
        city: str
        postcode: str | None = None

    class Listed(msgspec.Struct):
        addresses: list[Address]

    assert breaking_changes(_schema(globals()["Listed"]), _schema(Listed)) == []


def test_changes_inside_a_list_of_structs_break_as_anywhere_else():
    class Address(msgspec.Struct):
        town: str

    class Listed(msgspec.Struct):
        addresses: list[Address]

    assert breaking_changes(_schema(globals()["Listed"]), _schema(Listed)) == [
        "field 'addresses[].city' was removed",
        "new field 'addresses[].town' is required (give it a default to make it optional)",
    ]


def test_a_list_that_changes_its_bounds_or_item_type_breaks():
    class Bounded(msgspec.Struct):
        addresses: Annotated[list[Address], msgspec.Meta(max_length=3)]

    class OfText(msgspec.Struct):
        addresses: list[str]

    for new in (Bounded, OfText):
        (problem,) = breaking_changes(_schema(Listed), _schema(new))
        assert problem.startswith("field 'addresses"), problem
        assert "changed type" in problem, problem
