"""Emails rendered from the Jinja2 templates shipped in the package: subject, plain text and HTML.

Layout: ``templates/<locale>/<template>/{subject.txt,body.txt,body.html}``. A locale is picked per
template: the exact tag, then shorter prefixes of it (``fr-CA`` -> ``fr``), then the default locale.
Links come ready-made in the context (the caller builds them from the configured public URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec
from jinja2 import Environment, PackageLoader, StrictUndefined, Undefined, pass_context, select_autoescape
from jinja2.runtime import Context

_PARTS = frozenset({"subject.txt", "body.txt", "body.html"})
_SUBTAG_SEPARATOR = re.compile(r"[-_]")
_BLANK_LINES = re.compile(r"\n{3,}")

_MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
}  # fmt: skip
_DATE_PATTERNS = {"en": "{day} {month} {year} at {time} UTC", "fr": "{day} {month} {year} à {time} UTC"}


class UnknownTemplate(KeyError):
    """No locale of the fallback chain has a template of this name."""


class RenderedEmail(msgspec.Struct, frozen=True):
    subject: str
    text: str
    html: str


class TemplateRenderer:
    """Renders the packaged templates; a missing context variable raises ``jinja2.UndefinedError``."""

    def __init__(self, default_locale: str = "en") -> None:
        self._env = Environment(
            loader=PackageLoader("switchyard.notifications", "templates"),
            autoescape=select_autoescape(
                enabled_extensions=("html",), default_for_string=False, default=False
            ),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self._env.filters["datetime"] = format_datetime
        self._catalogue = _catalogue(self._env.list_templates())
        self._by_tag = {locale.lower(): locale for locale in self._catalogue}
        if default_locale.lower() not in self._by_tag:
            raise ValueError(f"No templates for the default locale {default_locale!r}")
        self._default = self._by_tag[default_locale.lower()]

    def templates(self) -> list[str]:
        """The template names of the default locale (every other locale falls back to it)."""
        return sorted(self._catalogue[self._default])

    def locales(self) -> list[str]:
        return sorted(self._catalogue)

    def resolve_locale(self, template: str, locale: str | None) -> str:
        """The locale ``render`` would use for ``template`` asked in ``locale``."""
        for candidate in (*_prefixes(locale), self._default):
            found = self._by_tag.get(candidate.lower())
            if found is not None and template in self._catalogue[found]:
                return found
        raise UnknownTemplate(template)

    def render(self, template: str, locale: str | None, context: Mapping[str, Any]) -> RenderedEmail:
        resolved = self.resolve_locale(template, locale)
        values = {**context, "lang": resolved}
        subject = " ".join(self._render(resolved, template, "subject.txt", values).split())
        text = _BLANK_LINES.sub("\n\n", self._render(resolved, template, "body.txt", values)).strip()
        html = self._render(resolved, template, "body.html", {**values, "subject": subject})
        return RenderedEmail(subject=subject, text=text + "\n", html=html)

    def _render(self, locale: str, template: str, part: str, values: Mapping[str, Any]) -> str:
        return self._env.get_template(f"{locale}/{template}/{part}").render(values)


@pass_context
def format_datetime(context: Context, value: datetime | str) -> str:
    """``value`` in UTC, spelled for the rendering locale's language (ISO-like when it has no spelling).

    ISO 8601 strings are accepted too, as a context stored as JSON gives its datetimes back that way.
    """
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()  # documented API: raises the StrictUndefined error
    moment = _aware(value).astimezone(UTC)
    language = str(context.get("lang", "")).split("-")[0].lower()
    if language not in _MONTHS:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    day = "1er" if language == "fr" and moment.day == 1 else str(moment.day)
    return _DATE_PATTERNS[language].format(
        day=day, month=_MONTHS[language][moment.month - 1], year=moment.year, time=moment.strftime("%H:%M")
    )


def _aware(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise ValueError(f"Templates need timezone-aware datetimes, got {value!r}")
    return moment


def _catalogue(names: Iterable[str]) -> dict[str, frozenset[str]]:
    """Locale -> the templates it has all three parts of (names look like ``en/verify-email/body.txt``)."""
    parts: dict[tuple[str, str], set[str]] = {}
    for name in names:
        pieces = name.split("/")
        if len(pieces) == 3 and pieces[2] in _PARTS:
            parts.setdefault((pieces[0], pieces[1]), set()).add(pieces[2])
    catalogue: dict[str, set[str]] = {}
    for (locale, template), found in parts.items():
        if found == _PARTS:
            catalogue.setdefault(locale, set()).add(template)
    return {locale: frozenset(templates) for locale, templates in catalogue.items()}


def _prefixes(locale: str | None) -> list[str]:
    """``fr-Latn-CA`` -> ``["fr-Latn-CA", "fr-Latn", "fr"]``; ``_`` is read as ``-``."""
    subtags = [tag for tag in _SUBTAG_SEPARATOR.split(locale.strip()) if tag] if locale else []
    return ["-".join(subtags[:n]) for n in range(len(subtags), 0, -1)]
