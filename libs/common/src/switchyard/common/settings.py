"""Typed settings read from the environment into msgspec structs.

Each concern has its own small struct; a field ``url`` of a struct loaded with
prefix ``DATABASE_`` is read from ``DATABASE_URL``. A missing or invalid value
raises :class:`SettingsError` naming the variable; entry points turn that into a
one-line message and a non-zero exit (see :func:`exit_on_settings_error`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import msgspec


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


def _coerce(raw: str, annotation: Any) -> Any:
    # Environment values are strings; msgspec's str-keyed conversion parses ints, bools, floats and lists.
    return msgspec.convert({"v": raw}, type=dict[str, annotation], strict=False)["v"]


def load_settings[T: msgspec.Struct](
    cls: type[T], *, prefix: str = "", environ: Mapping[str, str] | None = None
) -> T:
    """Build ``cls`` from ``environ`` (default ``os.environ``); fields use their defaults when unset.

    List fields take comma-separated values.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    hints = msgspec.structs.fields(cls)
    for field in hints:
        variable = f"{prefix}{field.name}".upper()
        raw = env.get(variable)
        if raw is None or raw == "":
            if field.required:
                raise SettingsError(variable, "is required but not set")
            continue
        annotation = field.type
        try:
            if _is_list(annotation):
                values[field.name] = [
                    _coerce(item.strip(), _list_item(annotation)) for item in raw.split(",") if item.strip()
                ]
            else:
                values[field.name] = _coerce(raw, annotation)
        except msgspec.ValidationError as exc:
            raise SettingsError(variable, f"invalid value {raw!r} ({_reason(exc)})") from None
    try:
        return msgspec.convert(values, type=cls)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"{prefix}*", str(exc)) from None


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) in (list, tuple)


def _list_item(annotation: Any) -> Any:
    return annotation.__args__[0]


def _reason(exc: msgspec.ValidationError) -> str:
    # msgspec says "Expected `int`, got `str` - at `$[...]`"; the path is ours, not the user's.
    return str(exc).split(" - at ")[0]


@contextmanager
def exit_on_settings_error(program: str, *, write: Callable[[str], Any] | None = None) -> Iterator[None]:
    """Turn a :class:`SettingsError` into one line on stderr and exit status 2."""
    try:
        yield
    except SettingsError as exc:
        (write or sys.stderr.write)(f"{program}: bad setting {exc}\n")
        raise SystemExit(2) from None


def redacted_repr(settings: msgspec.Struct, secrets: Collection[str]) -> str:
    """A settings struct's repr with the values of ``secrets`` replaced, so printing it leaks nothing."""

    def show(name: str) -> str:
        value = getattr(settings, name)
        return "***" if name in secrets and value is not None else repr(value)

    fields = ", ".join(f"{name}={show(name)}" for name in settings.__struct_fields__)
    return f"{type(settings).__name__}({fields})"
