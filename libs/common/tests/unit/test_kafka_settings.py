"""Kafka settings: connection, durability, topics, and how to reach a secured cluster."""

import json
import ssl

import certifi
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from switchyard.common.messaging import (
    KafkaSettings,
    all_topics,
    create_broker,
    dead_letter_topic,
    producer_options,
)
from switchyard.common.messaging import dead_letters as dead_letters_cli
from switchyard.common.messaging.settings import load_kafka_settings
from switchyard.common.runtime.asyncapi import asyncapi_handler
from switchyard.common.settings import SettingsError, load_settings

SCRAM = {
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SASL_USERNAME": "users",
    "KAFKA_SASL_PASSWORD": "s3cret-pw",
}


class _Holder(msgspec.Struct):
    kafka: KafkaSettings


def _load(**variables: str) -> KafkaSettings:
    environ = {"KAFKA_BOOTSTRAP_SERVERS": "a:1", **variables}
    return load_settings(KafkaSettings, prefix="KAFKA_", environ=environ)


def test_settings_come_from_kafka_variables():
    settings = load_settings(
        KafkaSettings,
        prefix="KAFKA_",
        environ={"KAFKA_BOOTSTRAP_SERVERS": "a:1, b:2", "KAFKA_TOPIC_PREFIX": "t-"},
    )

    assert settings.servers == ["a:1", "b:2"]
    assert settings.topic("users.user-created.v1") == "t-users.user-created.v1"


def test_every_producer_is_durable():
    options = producer_options(KafkaSettings(bootstrap_servers="a:1"))

    assert options["acks"] == "all"
    assert options["enable_idempotence"] is True


def test_all_topics_cover_catalog_and_dead_letters_under_the_prefix():
    topics = all_topics("p-")

    assert "p-auth.account-registered.v1" in topics
    assert f"p-{dead_letter_topic('notifications')}" == "p-notifications.dead-letter"
    assert "p-notifications.dead-letter" in topics
    assert all(t.startswith("p-") for t in topics)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, ("PLAINTEXT", None, None, None, None)),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CAFILE": "/etc/kafka/ca.crt"},
            ("SSL", None, None, None, "/etc/kafka/ca.crt"),
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", **SCRAM},
            ("SASL_PLAINTEXT", "SCRAM-SHA-512", "users", "s3cret-pw", None),
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", **SCRAM, "KAFKA_SSL_CAFILE": "/etc/kafka/ca.crt"},
            ("SASL_SSL", "SCRAM-SHA-512", "users", "s3cret-pw", "/etc/kafka/ca.crt"),
        ),
    ],
    ids=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"],
)
def test_security_settings_come_from_kafka_variables(variables, expected):
    settings = _load(**variables)

    assert (
        settings.security_protocol,
        settings.sasl_mechanism,
        settings.sasl_username,
        settings.sasl_password,
        settings.ssl_cafile,
    ) == expected


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"},
            "security_protocol SASL_SSL needs sasl_mechanism, sasl_username and sasl_password; "
            "missing: sasl_mechanism, sasl_username, sasl_password",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", **SCRAM, "KAFKA_SASL_PASSWORD": ""},
            "missing: sasl_password",
        ),
        (
            {"KAFKA_SASL_USERNAME": "users", "KAFKA_SASL_PASSWORD": "pw"},
            "sasl_username, sasl_password given, but security_protocol PLAINTEXT uses no SASL",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"},
            "sasl_mechanism given, but security_protocol SSL uses no SASL",
        ),
        (
            {"KAFKA_SSL_CAFILE": "/etc/kafka/ca.crt"},
            "ssl_cafile given, but security_protocol PLAINTEXT uses no TLS",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", **SCRAM, "KAFKA_SSL_CAFILE": "/etc/kafka/ca.crt"},
            "ssl_cafile given, but security_protocol SASL_PLAINTEXT uses no TLS",
        ),
    ],
)
def test_inconsistent_security_is_a_settings_error(variables, message):
    with pytest.raises(SettingsError) as raised:
        _load(**variables)

    assert raised.value.variable == "KAFKA_*"
    assert message in raised.value.problem


@pytest.mark.parametrize(
    ("variable", "value"),
    [("KAFKA_SECURITY_PROTOCOL", "TLS"), ("KAFKA_SASL_MECHANISM", "GSSAPI")],
)
def test_unknown_protocol_or_mechanism_names_its_variable(variable, value):
    with pytest.raises(SettingsError) as raised:
        _load(**{"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", **SCRAM, variable: value})

    assert raised.value.variable == variable
    assert repr(value) in raised.value.problem


def test_plaintext_clients_get_no_security_options():
    settings = KafkaSettings(bootstrap_servers="a:1")

    assert settings.security() is None
    assert settings.client_options() == {}


def _assert_verifies_brokers(context: object) -> None:
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_sasl_ssl_clients_authenticate_and_verify_the_brokers_against_the_ca_file():
    settings = _load(KAFKA_SECURITY_PROTOCOL="SASL_SSL", **SCRAM, KAFKA_SSL_CAFILE=certifi.where())

    options = settings.client_options()

    assert {k: v for k, v in options.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "users",
        "sasl_plain_password": "s3cret-pw",
    }
    _assert_verifies_brokers(options["ssl_context"])
    # The CAs are the file's (certifi's bundle here), not nothing.
    assert len(options["ssl_context"].get_ca_certs()) > 100


def test_ssl_without_sasl_verifies_the_brokers_and_sends_no_credentials():
    options = _load(KAFKA_SECURITY_PROTOCOL="SSL").client_options()

    assert options["security_protocol"] == "SSL"
    assert not any(key.startswith("sasl") for key in options)
    _assert_verifies_brokers(options["ssl_context"])


def test_sasl_plaintext_authenticates_without_tls():
    options = _load(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", **SCRAM).client_options()

    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["ssl_context"] is None


def test_repr_hides_the_password():
    settings = _load(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", **SCRAM)

    assert "s3cret-pw" not in repr(settings)
    assert "sasl_password=***" in repr(settings)
    assert "sasl_username='users'" in repr(settings)
    # ServiceSettings and the like show their parts through these parts' own repr.
    assert "s3cret-pw" not in repr(_Holder(kafka=settings))


def test_asyncapi_document_names_the_mechanism_but_not_the_credentials():
    settings = _load(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT", **SCRAM)
    broker = create_broker(settings, service="users")
    app = Litestar([asyncapi_handler(broker, service="users", version="1")])

    with TestClient(app) as client:
        document = client.get("/asyncapi.json").content.decode()

    assert "s3cret-pw" not in document
    schemes = json.loads(document)["components"]["securitySchemes"]
    assert [scheme["type"] for scheme in schemes.values()] == ["scramSha512"]


def test_command_line_servers_and_prefix_win_and_security_comes_from_the_environment():
    environ = {"KAFKA_BOOTSTRAP_SERVERS": "env:1", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", **SCRAM}

    settings = load_kafka_settings(bootstrap_servers="cli:1", topic_prefix="p-", environ=environ)

    assert (settings.bootstrap_servers, settings.topic_prefix) == ("cli:1", "p-")
    assert settings.client_options()["sasl_plain_password"] == "s3cret-pw"


def test_dead_letter_command_reports_bad_security_settings(monkeypatch, capsys):
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.delenv("KAFKA_SASL_USERNAME", raising=False)

    with pytest.raises(SystemExit) as exited:
        dead_letters_cli.main(["--bootstrap-servers", "a:1", "list", "--service", "users"])

    assert exited.value.code == 2
    assert "bad setting KAFKA_*: security_protocol SASL_SSL needs" in capsys.readouterr().err
