"""The packaged email templates: every one renders in every locale, escapes HTML, falls back by locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from jinja2 import UndefinedError
from markupsafe import escape

from switchyard.notifications.adapters.templates import RenderedEmail, TemplateRenderer, UnknownTemplate

LOCALES = ("en", "fr")
# 09:05 at UTC+2 on 1 March: 07:05 UTC, and "1er" in French.
WHEN = datetime(2025, 3, 1, 9, 5, tzinfo=timezone(timedelta(hours=2)))
COMMON: dict[str, Any] = {
    "recipient_name": "Ada Lovelace",
    "public_url": "https://switchyard.example",
    "support_email": "support@switchyard.example",
}
# Every link carries "&" so the HTML must show it escaped and the text must not.
SAMPLES: dict[str, dict[str, Any]] = {
    "verify-email": {"link": "https://switchyard.example/verify-email?token=v1&src=mail", "expires_at": WHEN},
    "password-reset": {
        "link": "https://switchyard.example/reset-password?token=r1&src=mail",
        "expires_at": WHEN,
    },
    "password-changed": {
        "changed_at": WHEN,
        "reason": "changed",
        "reset_link": "https://switchyard.example/forgot-password?src=mail&why=changed",
    },
    "account-locked": {
        "locked_until": WHEN,
        "failed_attempts": 5,
        "reset_link": "https://switchyard.example/forgot-password?src=mail&why=locked",
    },
    "invitation": {
        "link": "https://switchyard.example/accept-invitation?token=i1&src=mail",
        "expires_at": WHEN,
        "username": "ada",
    },
    "duplicate-registration": {
        "login_link": "https://switchyard.example/login?src=mail&why=duplicate",
        "reset_link": "https://switchyard.example/forgot-password?src=mail&why=duplicate",
    },
    "import-completed": {
        "total": 10,
        "succeeded": 8,
        "failed": 2,
        "link": "https://switchyard.example/imports/42?src=mail&tab=rows",
    },
}
LINK_KEYS = ("link", "reset_link", "login_link")
CASES = [(template, locale) for template in SAMPLES for locale in LOCALES]


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


def context(template: str, **overrides: Any) -> dict[str, Any]:
    return {**COMMON, **SAMPLES[template], **overrides}


def links(template: str) -> list[str]:
    return [value for key, value in SAMPLES[template].items() if key in LINK_KEYS]


def test_the_package_ships_every_template_in_every_locale(renderer: TemplateRenderer) -> None:
    assert renderer.templates() == sorted(SAMPLES)
    assert renderer.locales() == sorted(LOCALES)
    for template in SAMPLES:
        assert [renderer.resolve_locale(template, locale) for locale in LOCALES] == list(LOCALES)


@pytest.mark.parametrize(("template", "locale"), CASES)
def test_renders_subject_text_and_html(renderer: TemplateRenderer, template: str, locale: str) -> None:
    email = renderer.render(template, locale, context(template))

    assert isinstance(email, RenderedEmail)
    assert email.subject
    assert email.subject == " ".join(email.subject.split())  # one line, no stray whitespace
    assert email.text.endswith("\n")
    assert not email.text.startswith(("\n", " "))
    assert "\n\n\n" not in email.text
    assert "Ada Lovelace" in email.text
    assert escape("Ada Lovelace") in email.html
    assert email.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{locale}">' in email.html
    assert f"<title>{escape(email.subject)}</title>" in email.html
    for link in links(template):
        assert link in email.text
        assert f'href="{escape(link)}"' in email.html
        assert link not in email.html  # the raw "&" would be invalid HTML
    for value in (COMMON["public_url"], COMMON["support_email"]):
        assert value in email.text
        assert value in email.html


@pytest.mark.parametrize(("template", "locale"), CASES)
def test_html_escapes_a_hostile_name_and_text_keeps_it(
    renderer: TemplateRenderer, template: str, locale: str
) -> None:
    hostile = 'Eve <script>alert("x")</script> & co'
    email = renderer.render(template, locale, context(template, recipient_name=hostile))

    assert "<script>" not in email.html
    assert "Eve &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in email.html
    assert hostile in email.text
    assert "<script>" not in email.subject


def test_html_escapes_a_hostile_username_and_link_attribute(renderer: TemplateRenderer) -> None:
    email = renderer.render(
        "invitation",
        "en",
        context("invitation", username="<b>boss</b>", link='https://switchyard.example/x?a="><img src=x>'),
    )

    assert "<b>boss</b>" not in email.html
    assert "&lt;b&gt;boss&lt;/b&gt;" in email.html
    assert '"><img' not in email.html
    assert 'href="https://switchyard.example/x?a=&#34;&gt;&lt;img src=x&gt;"' in email.html


@pytest.mark.parametrize(("locale", "greeting"), [("en", "Hello,"), ("fr", "Bonjour,")])
def test_greets_generically_without_a_name(renderer: TemplateRenderer, locale: str, greeting: str) -> None:
    for template in SAMPLES:
        email = renderer.render(template, locale, context(template, recipient_name=None))

        assert email.text.startswith(greeting + "\n\n")
        assert f'<p style="margin:0 0 16px 0;">{greeting}</p>' in email.html
        assert "None" not in email.text
        assert "None" not in email.html


@pytest.mark.parametrize(
    ("asked", "resolved"),
    [
        ("fr-CA", "fr"),
        ("fr_CA", "fr"),
        ("FR", "fr"),
        ("fr", "fr"),
        ("en-GB", "en"),
        ("de", "en"),
        ("de-AT", "en"),
        ("", "en"),
        (None, "en"),
        ("../../etc", "en"),
    ],
)
def test_locale_fallback_chain(renderer: TemplateRenderer, asked: str | None, resolved: str) -> None:
    assert renderer.resolve_locale("verify-email", asked) == resolved


def test_render_uses_the_fallback_locale(renderer: TemplateRenderer) -> None:
    french = renderer.render("verify-email", "fr-CA", context("verify-email"))
    german = renderer.render("verify-email", "de", context("verify-email"))
    unset = renderer.render("verify-email", None, context("verify-email"))

    assert french.subject == "Confirmez votre adresse e-mail"
    assert '<html lang="fr">' in french.html
    assert german.subject == unset.subject == "Confirm your email address"
    assert '<html lang="en">' in german.html


def test_the_default_locale_is_configurable() -> None:
    renderer = TemplateRenderer(default_locale="fr")

    assert renderer.resolve_locale("verify-email", "de") == "fr"
    assert renderer.resolve_locale("verify-email", "en-US") == "en"
    assert renderer.render("password-reset", None, context("password-reset")).subject.startswith(
        "Réinitialisez"
    )


def test_a_default_locale_without_templates_is_refused() -> None:
    with pytest.raises(ValueError, match="'de'"):
        TemplateRenderer(default_locale="de")


@pytest.mark.parametrize(
    ("locale", "spelled"), [("en", "1 March 2025 at 07:05 UTC"), ("fr", "1er mars 2025 à 07:05 UTC")]
)
def test_dates_are_rendered_in_utc_for_the_locale(
    renderer: TemplateRenderer, locale: str, spelled: str
) -> None:
    for template, key in [
        ("verify-email", "expires_at"),
        ("password-reset", "expires_at"),
        ("invitation", "expires_at"),
        ("password-changed", "changed_at"),
        ("account-locked", "locked_until"),
    ]:
        email = renderer.render(template, locale, context(template))

        assert SAMPLES[template][key] == WHEN
        assert spelled in email.text
        assert spelled in email.html


def test_a_utc_date_needs_no_conversion(renderer: TemplateRenderer) -> None:
    email = renderer.render(
        "verify-email", "en", context("verify-email", expires_at=datetime(2025, 12, 24, 23, 59, tzinfo=UTC))
    )

    assert "24 December 2025 at 23:59 UTC" in email.text


@pytest.mark.parametrize("stored", ["2025-03-01T07:05:00Z", "2025-03-01T09:05:00+02:00"])
def test_an_iso_string_from_a_json_context_is_accepted(renderer: TemplateRenderer, stored: str) -> None:
    email = renderer.render("verify-email", "en", context("verify-email", expires_at=stored))

    assert "1 March 2025 at 07:05 UTC" in email.text


@pytest.mark.parametrize("naive", [datetime(2025, 3, 1, 9, 5), "2025-03-01T09:05:00"])
def test_a_naive_datetime_is_refused(renderer: TemplateRenderer, naive: datetime | str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        renderer.render("verify-email", "en", context("verify-email", expires_at=naive))


def test_a_non_date_is_refused(renderer: TemplateRenderer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        renderer.render("verify-email", "en", context("verify-email", expires_at=1740812700))


@pytest.mark.parametrize("missing", ["link", "expires_at", "recipient_name", "public_url", "support_email"])
def test_a_missing_variable_is_an_error(renderer: TemplateRenderer, missing: str) -> None:
    values = context("verify-email")
    del values[missing]

    with pytest.raises(UndefinedError, match=missing):
        renderer.render("verify-email", "en", values)


@pytest.mark.parametrize(("template", "locale"), CASES)
def test_every_sample_key_is_needed(renderer: TemplateRenderer, template: str, locale: str) -> None:
    for key in SAMPLES[template]:
        values = context(template)
        del values[key]

        with pytest.raises(UndefinedError):
            renderer.render(template, locale, values)


def test_an_unknown_template_raises(renderer: TemplateRenderer) -> None:
    with pytest.raises(UnknownTemplate) as raised:
        renderer.render("no-such-template", "en", COMMON)

    assert isinstance(raised.value, KeyError)
    with pytest.raises(KeyError):
        renderer.resolve_locale("_base.html", "fr")


@pytest.mark.parametrize(
    ("locale", "reasons"),
    [
        (
            "en",
            {
                "changed": "was changed on",
                "reset": "was reset with a reset link on",
                "invitation-accepted": "You accepted your invitation",
            },
        ),
        (
            "fr",
            {
                "changed": "a été modifié le",
                "reset": "a été réinitialisé avec un lien",
                "invitation-accepted": "Vous avez accepté votre invitation",
            },
        ),
    ],
)
def test_password_changed_says_why(renderer: TemplateRenderer, locale: str, reasons: dict[str, str]) -> None:
    for reason, sentence in reasons.items():
        email = renderer.render("password-changed", locale, context("password-changed", reason=reason))

        assert sentence in email.text
        assert sentence in email.html
        others = [text for other, text in reasons.items() if other != reason]
        assert not any(text in email.text for text in others)


@pytest.mark.parametrize(
    ("locale", "attempts", "phrase"),
    [
        ("en", 1, "After 1 failed sign-in attempt,"),
        ("en", 5, "After 5 failed sign-in attempts,"),
        ("fr", 1, "Après 1 tentative de connexion échouée,"),
        ("fr", 5, "Après 5 tentatives de connexion échouées,"),
    ],
)
def test_account_locked_counts_attempts(
    renderer: TemplateRenderer, locale: str, attempts: int, phrase: str
) -> None:
    email = renderer.render("account-locked", locale, context("account-locked", failed_attempts=attempts))

    assert phrase in email.text
    assert phrase in email.html


def test_import_completed_summarises_the_counts(renderer: TemplateRenderer) -> None:
    with_failures = renderer.render("import-completed", "en", context("import-completed"))
    clean = renderer.render("import-completed", "en", context("import-completed", succeeded=10, failed=0))

    assert with_failures.subject == "Your import has finished: 8 of 10 rows imported"
    assert "Failed:   2" in with_failures.text
    assert "See which rows failed" in with_failures.text
    assert clean.subject == "Your import has finished: 10 of 10 rows imported"
    assert "See which rows failed" not in clean.text
    assert "See the details" in clean.text


def test_invitation_names_the_username(renderer: TemplateRenderer) -> None:
    for locale in LOCALES:
        email = renderer.render("invitation", locale, context("invitation", username="ada.l"))

        assert "ada.l" in email.text
        assert "<strong>ada.l</strong>" in email.html
