"""Links in emails: built from the one configured public URL, tokens escaped so they survive intact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from switchyard.notifications.domain.messages import Links, when

LINKS = Links("https://app.example")


def _token_of(link: str) -> str:
    (token,) = parse_qs(urlsplit(link).query, strict_parsing=True)["token"]
    return token


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (LINKS.verify_email("abc123"), "https://app.example/verify-email?token=abc123"),
        (LINKS.reset_password("abc123"), "https://app.example/reset-password?token=abc123"),
        (LINKS.reset_password(), "https://app.example/forgot-password"),
        (LINKS.accept_invitation("abc123"), "https://app.example/accept-invitation?token=abc123"),
        (LINKS.login(), "https://app.example/login"),
    ],
)
def test_links_are_paths_under_the_public_url(link: str, expected: str) -> None:
    assert link == expected


def test_the_import_page_link_names_the_import() -> None:
    import_id = uuid.uuid4()

    assert LINKS.import_page(import_id) == f"https://app.example/imports/{import_id}"


@pytest.mark.parametrize(
    "public_url", ["https://app.example/", "https://app.example/portal", "https://app.example/portal/"]
)
def test_a_trailing_slash_or_a_path_prefix_of_the_public_url_is_kept_right(public_url: str) -> None:
    link = Links(public_url).verify_email("t")

    assert link == public_url.rstrip("/") + "/verify-email?token=t"


def test_a_url_safe_token_is_left_as_it_is() -> None:
    token = "Zm9v-YmFy_baz0123456789"

    assert LINKS.verify_email(token).endswith(f"?token={token}")


@pytest.mark.parametrize("token", ["a+b/c=d", "x&admin=1", "sp ace#frag?q", "é/ü", "%41%"])
def test_characters_with_a_meaning_in_urls_are_escaped_and_come_back_intact(token: str) -> None:
    for link in (LINKS.verify_email(token), LINKS.reset_password(token), LINKS.accept_invitation(token)):
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.fragment) == ("https", "app.example", "")
        assert set(parse_qs(parts.query)) == {"token"}
        assert _token_of(link) == token
        assert link.isascii()


def test_inbox_dates_are_utc_to_the_minute() -> None:
    assert when(datetime(2025, 3, 1, 9, 5, 59, tzinfo=timezone(timedelta(hours=2)))) == "2025-03-01 07:05 UTC"
    assert when(datetime(2025, 3, 1, 9, 5, tzinfo=UTC)) == "2025-03-01 09:05 UTC"
