"""Attacks on auth, each refused with the right status and never a 500.

Forged access tokens are presented to a bearer-only endpoint (``GET /sessions``). Tokens that must be
refused for one reason are otherwise valid: real account, live session, signed with the service's
own private key (read from its database) unless the signature is the attack. A control test shows
such a forgery with nothing wrong in it is accepted, so each refusal is for the reason tested.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from redis.asyncio import Redis
from sqlalchemy import select

from switchyard.auth.adapters.orm import accounts, signing_keys
from switchyard.auth.adapters.throttle import _key as throttle_key
from switchyard.common.contracts import AccountLocked, DuplicateRegistrationAttempted

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"

# httpx's ASGI transport presents every request as coming from this address.
CLIENT_IP = "127.0.0.1"
LEEWAY_S = 30
SQL_PAYLOADS = [
    "' OR 1=1 --",
    '"; DROP TABLE accounts; --',
    "\x00",
    "' UNION SELECT password_hash FROM accounts --",
]
# Generous: failed logins from the one test address must not lock the address itself.
UNTHROTTLED_IP = {"login_ip_max_failures": 100_000}


@pytest.fixture(autouse=True)
async def _no_address_lockout(redis_url: str):
    """Every test here shares one client address and one Redis; its failures must not lock out others."""
    redis = Redis.from_url(redis_url)
    await redis.delete(throttle_key("ip", CLIENT_IP))
    yield
    await redis.delete(throttle_key("ip", CLIENT_IP))
    await redis.aclose()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


@dataclass
class SignedIn:
    """An account with a live session, and what it takes to forge tokens for it."""

    auth: Any  # conftest.RunningAuth
    account: dict[str, Any]
    tokens: dict[str, Any]
    claims: dict[str, Any]
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    def forge(
        self, *, key: ec.EllipticCurvePrivateKey | None = None, kid: str | None = None, **claims
    ) -> str:
        """The session's claims with ``claims`` changed (None removes one), signed ES256."""
        body = {**self.claims, "jti": uuid.uuid4().hex, **claims}
        body = {name: value for name, value in body.items() if value is not None}
        headers = {"kid": kid or self.kid, "typ": "at+jwt"}
        return jwt.encode(body, key or self.private_key, algorithm="ES256", headers=headers)


@pytest.fixture
async def signed_in(auth) -> SignedIn:
    """A registered, logged-in account, and the signing key auth holds in its database."""
    account = await auth.register()
    tokens = await auth.login(account["username"])
    async with auth.db() as session:
        row = (
            await session.execute(
                select(signing_keys.c.kid, signing_keys.c.private_key).where(
                    signing_keys.c.retired_at.is_(None)
                )
            )
        ).one()
    private_key = serialization.load_pem_private_key(row.private_key.encode(), password=None)
    assert isinstance(private_key, ec.EllipticCurvePrivateKey)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(tokens["access_token"])["kid"] == row.kid
    return SignedIn(auth, account, tokens, claims, row.kid, private_key)


async def _accepted(auth, token: str) -> None:
    response = await auth.client.get("/sessions", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


async def _refused(auth, token: str, reason: str | None = None, *, authorization: str | None = None) -> None:
    """401 problem with a Bearer challenge; ``reason`` is what the challenge says was wrong."""
    header = authorization if authorization is not None else f"Bearer {token}"
    # Bytes, so a non-ASCII token goes out as a client would send it (UTF-8).
    response = await auth.client.get("/sessions", headers={"authorization": header.encode()})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="switchyard"'), challenge
    if reason is not None:
        assert 'error="invalid_token"' in challenge, challenge
        assert f'error_description="{reason}"' in challenge, challenge


# --- Forged and stolen access tokens ---------------------------------------------------------


async def test_a_forgery_with_nothing_wrong_is_accepted(signed_in: SignedIn) -> None:
    """Control: the forging harness makes tokens auth accepts, so the refusals below are meaningful."""
    now = int(time.time())
    await _accepted(signed_in.auth, signed_in.forge(iat=now, nbf=now, exp=now + 300))
    # Expired, but within the clock leeway.
    await _accepted(signed_in.auth, signed_in.forge(iat=now - 600, nbf=now - 600, exp=now - 10))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_an_unsigned_token_is_refused(signed_in: SignedIn, alg: str) -> None:
    header = {"alg": alg, "kid": signed_in.kid, "typ": "at+jwt"}
    token = f"{_segment(header)}.{_segment(signed_in.claims)}."

    await _refused(signed_in.auth, token, "unsupported signature algorithm")


async def _public_key_forms(signed_in: SignedIn) -> dict[str, bytes]:
    """Every form of the public key an attacker could try as an HMAC secret."""
    public = signed_in.private_key.public_key()
    jwks = (await signed_in.auth.client.get("/.well-known/jwks.json")).json()
    (jwk,) = (k for k in jwks["keys"] if k["kid"] == signed_in.kid)
    return {
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "der": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "jwk-json": json.dumps(jwk).encode(),
        "jwks-json": json.dumps(jwks).encode(),
        "x": base64.urlsafe_b64decode(jwk["x"] + "=="),
    }


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
async def test_hmac_signed_with_the_public_key_is_refused(signed_in: SignedIn, alg: str) -> None:
    """Key confusion: a verifier that let the token choose HMAC would check it with the public key."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    header = _segment({"alg": alg, "kid": signed_in.kid, "typ": "at+jwt"})
    signing_input = f"{header}.{_segment(signed_in.claims)}"
    for secret in (await _public_key_forms(signed_in)).values():
        signature = _b64(hmac.new(secret, signing_input.encode(), digest).digest())
        await _refused(signed_in.auth, f"{signing_input}.{signature}", "unsupported signature algorithm")


async def test_a_token_from_an_unknown_key_is_refused(signed_in: SignedIn) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())

    await _refused(signed_in.auth, signed_in.forge(key=stranger, kid=uuid.uuid4().hex), "unknown signing key")
    # The real kid does not make a stranger's signature valid.
    await _refused(signed_in.auth, signed_in.forge(key=stranger), "invalid token")


async def test_a_token_without_a_key_id_is_refused(signed_in: SignedIn) -> None:
    token = jwt.encode(signed_in.claims, signed_in.private_key, algorithm="ES256", headers={"typ": "at+jwt"})

    await _refused(signed_in.auth, token, "token has no key id")


async def test_an_expired_token_is_refused(signed_in: SignedIn) -> None:
    now = int(time.time())
    token = signed_in.forge(iat=now - 1000, nbf=now - 1000, exp=now - LEEWAY_S - 30)

    await _refused(signed_in.auth, token, "token expired")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_token_from_the_future_is_refused(signed_in: SignedIn, claim: str) -> None:
    now = int(time.time())
    claims: dict[str, Any] = {"iat": now, "nbf": now, "exp": now + 1800, claim: now + LEEWAY_S + 90}

    await _refused(signed_in.auth, signed_in.forge(**claims), "invalid token")


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "switchyard-admin"),
        ("aud", ["another-api"]),
        ("aud", None),
        ("iss", "https://evil.example"),
        ("iss", "switchyard-auth "),
        ("iss", None),
        ("exp", None),
        ("sub", None),
        ("jti", ""),
    ],
)
async def test_a_token_with_a_wrong_or_missing_claim_is_refused(
    signed_in: SignedIn, claim: str, value: Any
) -> None:
    await _refused(signed_in.auth, signed_in.forge(**{claim: value}), "invalid token")


async def test_a_tampered_payload_is_refused(signed_in: SignedIn) -> None:
    header, _, signature = signed_in.tokens["access_token"].split(".")
    assert signed_in.claims["roles"] == ["user"]
    admin = _segment({**signed_in.claims, "roles": ["admin"]})

    await _refused(signed_in.auth, f"{header}.{admin}.{signature}", "invalid token")
    await _accepted(signed_in.auth, signed_in.tokens["access_token"])


async def test_the_tokens_of_a_logged_out_session_are_refused(signed_in: SignedIn) -> None:
    auth, tokens = signed_in.auth, signed_in.tokens
    assert (await auth.client.post("/logout", headers=auth.bearer(tokens))).status_code == 204

    await _refused(auth, tokens["access_token"], "token revoked")
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


async def test_reusing_a_rotated_refresh_token_ends_the_session(signed_in: SignedIn) -> None:
    auth, first = signed_in.auth, signed_in.tokens
    other_session = await auth.login(signed_in.account["username"])
    rotated = await auth.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()

    replayed = await auth.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"

    # The thief may hold the newest token: it is dead too, as is every access token of the session.
    newest = await auth.token(grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert newest.status_code == 400
    assert newest.json()["error"] == "invalid_grant"
    await _refused(auth, second["access_token"], "token revoked")
    await _refused(auth, first["access_token"], "token revoked")
    # Only the stolen session ends: the owner's other device keeps working.
    await _accepted(auth, other_session["access_token"])


async def test_revoking_another_users_refresh_token_is_not_found(auth) -> None:
    mallory, alice = await auth.register(), await auth.register()
    mallory_tokens, alice_tokens = await auth.login(mallory["username"]), await auth.login(alice["username"])

    response = await auth.client.post(
        "/revoke", data={"token": alice_tokens["refresh_token"]}, headers=auth.bearer(mallory_tokens)
    )

    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    await _accepted(auth, alice_tokens["access_token"])
    refreshed = await auth.token(grant_type="refresh_token", refresh_token=alice_tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text


@pytest.mark.parametrize("scheme", ["Basic", "Token", "JWT", "Bearer:", ""])
async def test_a_token_under_another_scheme_is_refused(signed_in: SignedIn, scheme: str) -> None:
    token = signed_in.tokens["access_token"]
    authorization = f"{scheme} {token}".strip()

    await _refused(signed_in.auth, token, "expected a bearer token", authorization=authorization)
    # The scheme name is case-insensitive (RFC 9110 11.1): only its name was wrong.
    response = await signed_in.auth.client.get("/sessions", headers={"authorization": f"bEARER {token}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("A" * 10_240, "token too large"),
        (".".join(["QUFB" * 850] * 3), "token too large"),
        ("not.a.jwt", "malformed token"),
        ("a.b", "malformed token"),
        ("é" * 100, "malformed token"),
        ("eyJhbGciOiJFUzI1NiJ9." * 3, "malformed token"),
    ],
)
async def test_garbage_is_refused(auth, token: str, reason: str) -> None:
    await _refused(auth, token, reason)


async def test_a_key_embedded_in_the_token_is_not_trusted(signed_in: SignedIn) -> None:
    """The token names the real key but carries its own key (jwk header): the header key is not trusted."""
    stranger = ec.generate_private_key(ec.SECP256R1())
    public_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(stranger.public_key()))
    token = jwt.encode(
        {**signed_in.claims, "jti": uuid.uuid4().hex},
        stranger,
        algorithm="ES256",
        headers={"kid": signed_in.kid, "jwk": public_jwk, "typ": "at+jwt"},
    )

    await _refused(signed_in.auth, token, "invalid token")


@pytest.mark.parametrize("typ", ["JWT", None])
async def test_a_correctly_signed_jwt_not_typed_as_an_access_token_is_refused(
    signed_in: SignedIn, typ: str | None
) -> None:
    """RFC 9068: only ``at+jwt`` is an access token, so no other JWT from the same key passes for one."""
    body = {**signed_in.claims, "jti": uuid.uuid4().hex}
    headers = {"kid": signed_in.kid, "typ": typ}
    # PyJWT writes "typ": "JWT" unless told otherwise; None leaves the member out.
    token = jwt.encode(body, signed_in.private_key, algorithm="ES256", headers=headers)
    assert jwt.get_unverified_header(token).get("typ") == typ

    await _refused(signed_in.auth, token, "not an access token")
    # The same claims typed as an access token are fine: the type alone was wrong.
    await _accepted(signed_in.auth, signed_in.forge(jti=body["jti"]))


# --- Injection and oversized input -----------------------------------------------------------


async def _post(auth, path: str, body: dict[str, str], *, form: bool = False) -> httpx.Response:
    response: httpx.Response = await auth.client.post(path, **({"data": body} if form else {"json": body}))
    return response


@pytest.mark.parametrize("payload", SQL_PAYLOADS)
async def test_sql_metacharacters_in_every_field_are_plain_data(start_auth, payload: str) -> None:
    auth = await start_auth(login_max_failures=1000, **UNTHROTTLED_IP)
    victim = await auth.register()

    def account(**fields: str) -> dict[str, str]:
        name = auth.unique()
        return {"email": f"{name}@example.com", "username": name, "password": STRONG, **fields}

    # Where the payload can be part of a valid value it is sent that way too, so it reaches the
    # database. A control character is never valid in a name: PostgreSQL text cannot even hold NUL.
    stored = {422} if "\x00" in payload else {201}
    in_email = f"{auth.unique()}{payload.replace(' ', '')}@example.com"
    token = "a" * 43
    cases: list[tuple[str, dict[str, str], bool, set[int]]] = [
        ("/register", account(email=payload), False, {422}),
        ("/register", account(email=in_email), False, stored),
        ("/register", account(username=payload), False, {422}),
        # A long enough payload is a fine password: it is only ever hashed.
        ("/register", account(password=payload), False, {201, 422}),
        ("/register", account(full_name=payload), False, stored),
        ("/token", {"grant_type": "password", "username": payload, "password": STRONG}, True, {400}),
        (
            "/token",
            {"grant_type": "password", "username": victim["username"] + payload, "password": "x"},
            True,
            {400},
        ),
        ("/token", {"grant_type": "password", "username": victim["email"], "password": payload}, True, {400}),
        ("/token", {"grant_type": payload, "username": victim["username"], "password": STRONG}, True, {400}),
        ("/token", {"grant_type": "refresh_token", "refresh_token": payload}, True, {400}),
        (
            "/token",
            {"grant_type": "password", "username": payload, "password": "x", "otp": payload},
            True,
            {400},
        ),
        ("/password/forgot", {"email": payload}, False, {422}),
        ("/password/forgot", {"email": in_email}, False, {202} if 201 in stored else {422}),
        ("/password/reset", {"token": payload, "new_password": STRONG}, False, {400}),
        ("/password/reset", {"token": token, "new_password": payload}, False, {400}),
        ("/email/verify", {"token": payload}, False, {400}),
        ("/invitations/accept", {"token": payload, "password": STRONG}, False, {400}),
        ("/invitations/accept", {"token": token, "password": payload}, False, {400}),
    ]
    created = []
    for path, body, form, expected in cases:
        response = await _post(auth, path, body, form=form)
        assert response.status_code in expected, (path, body, response.status_code, response.text)
        if path == "/register" and response.status_code == 201:
            created.append(body)

    async with auth.db() as session:
        rows = {row.email: row for row in (await session.execute(select(accounts))).all()}
    assert len(rows) == 1 + len(created)
    for body in created:
        # Stored exactly as given, never interpreted; the account answers to that email and password.
        assert rows[body["email"].lower()].full_name == body.get("full_name")
        assert (await auth.login(body["email"], body["password"]))["token_type"] == "Bearer"
    # The table and the victim's credentials survived.
    assert (await auth.login(victim["username"]))["token_type"] == "Bearer"
    fresh = await auth.register()
    assert (await auth.login(fresh["email"]))["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("path", "content_type", "content"),
    [
        (
            "/token",
            "application/x-www-form-urlencoded",
            b"grant_type=password&username=%FF%FE&password=%ED%A0%80",
        ),
        ("/token", "application/x-www-form-urlencoded", b"grant_type=password&username=\xff&password=\x00"),
        ("/register", "application/json", b'{"email":"\xff@example.com","username":"abc","password":"x"}'),
        (
            "/register",
            "application/json",
            b'{"email":"a\\ud800@example.com","username":"abc","password":"x"}',
        ),
        ("/password/forgot", "application/json", b'{"email": '),
        ("/password/forgot", "application/json", b"[]"),
    ],
)
async def test_undecodable_bodies_are_refused(
    start_auth, path: str, content_type: str, content: bytes
) -> None:
    auth = await start_auth(**UNTHROTTLED_IP)

    response = await auth.client.post(path, content=content, headers={"content-type": content_type})

    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(
    ("size", "status"),
    [
        (1_000_000, {"register": 422, "token": 400}),  # read, then refused by length before any hashing
        (1_048_577, {"register": 413, "token": 413}),  # over the body limit: never read
    ],
)
async def test_a_megabyte_password_is_refused(start_auth, size: int, status: dict[str, int]) -> None:
    auth = await start_auth(**UNTHROTTLED_IP)
    account = await auth.register()
    huge = "x" * size
    name = auth.unique()

    registered = await auth.client.post(
        "/register", json={"email": f"{name}@example.com", "username": name, "password": huge}
    )
    token = await auth.token(grant_type="password", username=account["username"], password=huge)

    assert registered.status_code == status["register"], registered.text
    assert registered.headers["content-type"].startswith("application/problem+json")
    assert token.status_code == status["token"], token.text
    if token.status_code == 400:
        assert token.json() == {
            "error": "invalid_request",
            "error_description": "Parameter 'password' is too long.",
        }
    else:
        assert token.headers["content-type"].startswith("application/problem+json")
    assert (await auth.login(account["username"]))["token_type"] == "Bearer"


# --- Enumeration -------------------------------------------------------------------------------


async def _timed(attempts: dict[str, Any], rounds: int) -> dict[str, list[float]]:
    """Alternate the attempts (A B, B A, ...), so drift in the machine's speed hits both alike."""
    names = list(attempts)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            started = time.perf_counter()
            await attempts[name]()
            timings[name].append(time.perf_counter() - started)
    return timings


def _same_median(timings: dict[str, list[float]], *, within_s: float = 0.040) -> None:
    medians = {name: statistics.median(values) for name, values in timings.items()}
    low, high = sorted(medians.values())
    assert high - low < within_s, f"median response times differ: {medians}"


async def test_login_does_not_say_whether_an_account_exists(start_auth) -> None:
    auth = await start_auth(login_max_failures=1000, login_ip_max_failures=100_000)
    known = await auth.register()
    answers: dict[str, list[tuple[int, bytes]]] = {"known": [], "unknown": []}

    async def attempt(name: str, login: str) -> None:
        response = await auth.token(grant_type="password", username=login, password=STRONG + " wrong")
        answers[name].append((response.status_code, response.content))

    attempts = {
        "known": lambda: attempt("known", known["username"]),
        "unknown": lambda: attempt("unknown", auth.unique("nobody")),
    }
    await _timed(attempts, 1)  # warm up both paths
    timings = await _timed(attempts, 15)

    assert {answer for results in answers.values() for answer in results} == {
        (400, b'{"error":"invalid_grant","error_description":"Invalid username or password."}')
    }
    _same_median(timings)


async def test_password_forgot_does_not_say_whether_an_account_exists(start_auth) -> None:
    auth = await start_auth()
    known = await auth.register()
    answers: dict[str, list[tuple[int, bytes]]] = {"known": [], "unknown": []}

    async def attempt(name: str, email: str) -> None:
        response = await auth.client.post("/password/forgot", json={"email": email})
        answers[name].append((response.status_code, response.content))

    attempts = {
        "known": lambda: attempt("known", known["email"]),
        "unknown": lambda: attempt("unknown", f"{auth.unique('nobody')}@example.com"),
    }
    await _timed(attempts, 1)
    timings = await _timed(attempts, 15)

    (answer,) = {answer for results in answers.values() for answer in results}
    assert answer[0] == 202
    _same_median(timings)


async def test_registration_says_an_email_is_taken_by_default(auth) -> None:
    taken = await auth.register()
    again = {"email": taken["email"].upper(), "username": auth.unique(), "password": STRONG}

    response = await auth.client.post("/register", json=again)

    assert response.status_code == 409, response.text
    assert response.json()["field"] == "email"


async def test_enumeration_safe_registration_answers_alike_for_a_taken_email(start_auth, published) -> None:
    # Its own test: a second auth in one test would share consumer groups and wait out a rebalance.
    auth = await start_auth(enumeration_safe_registration=True)
    name = auth.unique()

    new = await auth.client.post(
        "/register", json={"email": f"{name}@example.com", "username": name, "password": STRONG}
    )
    taken = await auth.client.post(
        "/register", json={"email": f"{name}@example.com", "username": auth.unique(), "password": STRONG}
    )

    assert (new.status_code, taken.status_code) == (202, 202)
    assert new.content == taken.content
    # The owner is told instead, by email.
    (attempt,) = await published(DuplicateRegistrationAttempted)
    assert attempt.email == f"{name}@example.com"


# --- Brute force -------------------------------------------------------------------------------


async def test_a_hundred_wrong_passwords_lock_the_account_until_the_window_passes(
    start_auth, published
) -> None:
    window_s = 3
    auth = await start_auth(
        login_max_failures=5, login_window_s=window_s, login_lockout_s=window_s, **UNTHROTTLED_IP
    )
    owner = await auth.register()

    answers = [
        await auth.token(grant_type="password", username=owner["username"], password=f"guess {n}")
        for n in range(100)
    ]
    during_lock = await auth.token(grant_type="password", username=owner["email"], password=STRONG)

    assert [r.status_code for r in answers[:5]] == [400] * 5
    assert {r.json()["error"] for r in answers[:5]} == {"invalid_grant"}
    assert [r.status_code for r in answers[5:]] == [429] * 95
    for response in [*answers[5:], during_lock]:
        retry_after = int(response.headers["retry-after"])
        assert 0 < retry_after <= window_s
        assert response.headers["content-type"].startswith("application/problem+json")
    # Locked, even the right password is refused: the attacker cannot use it to learn it is right.
    assert during_lock.status_code == 429, during_lock.text

    await asyncio.sleep(int(during_lock.headers["retry-after"]) + 0.5)
    assert (await auth.login(owner["username"]))["token_type"] == "Bearer"

    (event,) = await published(AccountLocked)
    assert (str(event.account_id), event.email, event.failed_attempts) == (owner["id"], owner["email"], 5)
