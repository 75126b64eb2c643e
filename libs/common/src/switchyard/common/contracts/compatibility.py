"""Whether a new JSON schema of an event can still be read by consumers built on the old one.

Pure logic over msgspec-generated schemas. Consumers ignore unknown fields, so the only
compatible change is a new *optional* field; removing a field, changing its type (enum
values included), adding a required field or making a required field optional all break
somebody and need a new event version instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Keys that never change what a consumer can decode (optionality is judged by "required").
_DOC_KEYS = frozenset({"title", "description", "examples", "default"})


def breaking_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Human-readable reasons ``new`` breaks readers of ``old``; empty when compatible."""
    return _compare(_inline(old, old.get("$defs", {})), _inline(new, new.get("$defs", {})), "")


def _inline(node: Any, defs: Mapping[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    """``node`` with every local ``$ref`` replaced by its definition and doc keys dropped."""
    if isinstance(node, list):
        return [_inline(item, defs, seen) for item in node]
    if not isinstance(node, Mapping):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name in seen:  # a recursive type: compare it by name only
            return {"$ref": ref}
        return _inline(defs[name], defs, seen | {name})
    return {k: _inline(v, defs, seen) for k, v in node.items() if k not in _DOC_KEYS and k != "$defs"}


def _is_object(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") == "object" and "properties" in node


def _is_array(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") == "array" and "items" in node


def _compare(old: Any, new: Any, path: str) -> list[str]:
    if _is_object(old) and _is_object(new):
        return _compare_objects(old, new, path)
    if _is_array(old) and _is_array(new) and _without_items(old) == _without_items(new):
        # A list of structs: its items follow the same rules (a new optional field is fine).
        return _compare(old["items"], new["items"], f"{path}[]")
    if old != new:
        return [f"{_where(path)} changed type from {_show(old)} to {_show(new)}"]
    return []


def _without_items(array: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in array.items() if key != "items"}


def _compare_objects(old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> list[str]:
    problems: list[str] = []
    old_props, new_props = old["properties"], new["properties"]
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for name, old_schema in old_props.items():
        field = f"{path}.{name}" if path else name
        if name not in new_props:
            problems.append(f"field {field!r} was removed")
            continue
        problems.extend(_compare(old_schema, new_props[name], field))
        if name in old_required and name not in new_required:
            problems.append(f"field {field!r} is no longer required (readers rely on it)")
        if name in new_required and name not in old_required:
            problems.append(f"field {field!r} became required (old events lack it)")
    for name in new_props.keys() - old_props.keys():
        if name in new_required:
            field = f"{path}.{name}" if path else name
            problems.append(f"new field {field!r} is required (give it a default to make it optional)")
    return problems


def _where(path: str) -> str:
    return f"field {path!r}" if path else "the event"


def _show(schema: Any) -> str:
    if isinstance(schema, Mapping) and set(schema) <= {"type", "format"}:
        return "/".join(str(schema[k]) for k in ("type", "format") if k in schema)
    return repr(schema)
