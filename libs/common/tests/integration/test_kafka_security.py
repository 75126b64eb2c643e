"""Our Kafka clients against a broker that demands SCRAM-SHA-512, over plain TCP and over TLS.

The broker is a private single KRaft node (the stack's Kafka is not touched), run from the jars the
local stack provisioned and configured like the stack's (``deploy/local/kafka.py``) plus one
SASL_PLAINTEXT and one SASL_SSL listener; its certificate comes from a CA made here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from switchyard.common.contracts import Envelope, UserCreated, encode_envelope, to_envelope
from switchyard.common.db import SqlAlchemyUnitOfWork
from switchyard.common.messaging import (
    KafkaSettings,
    RetryPolicy,
    all_topics,
    create_broker,
    create_producer,
    dead_letter_topic,
    ensure_topics,
    subscribe,
)
from switchyard.common.messaging.dead_letters import list_dead_letters
from switchyard.common.messaging.topic_reader import read_topic
from switchyard.common.testing import free_port

REPO_ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(REPO_ROOT))  # deploy.local: how the stack configures and runs Kafka
from deploy.local import kafka as local_kafka  # noqa: E402
from deploy.local.config import StackConfig, StackPaths, load_config  # noqa: E402
from deploy.local.provision import kafka_libs  # noqa: E402

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
USER = "users"
PASSWORD = f"pw-{uuid.uuid4().hex}"
SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
STARTUP_S = 120.0
UowFactory = Callable[[], SqlAlchemyUnitOfWork]


@dataclass(frozen=True)
class SecuredKafka:
    sasl_plaintext: str  # bootstrap servers of each listener
    sasl_ssl: str
    ca_file: Path  # the CA that signed the broker's certificate
    other_ca_file: Path  # a CA that did not

    def settings(self, protocol: str = "SASL_PLAINTEXT", **overrides: object) -> KafkaSettings:
        """Settings of a service user on ``protocol``'s listener, with a topic prefix of their own."""
        fields: dict[str, object] = {
            "bootstrap_servers": self.sasl_ssl if protocol == "SASL_SSL" else self.sasl_plaintext,
            "topic_prefix": f"t{uuid.uuid4().hex[:10]}-",
            "request_timeout_ms": 10_000,
            "security_protocol": protocol,
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": USER,
            "sasl_password": PASSWORD,
            "ssl_cafile": str(self.ca_file) if protocol == "SASL_SSL" else None,
        }
        return KafkaSettings(**{**fields, **overrides})  # type: ignore[arg-type]


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey] | None
) -> x509.Certificate:
    """A CA certificate (no ``issuer``), or a server certificate for ``HOST`` signed by ``issuer``."""
    now = dt.datetime.now(dt.UTC)
    issuer_name, signing_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))])
        builder = builder.add_extension(san, critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """The broker's PEM key store (key, certificate, CA), the CA file, and another CA's file."""
    ca_key, server_key, other_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = _certificate("switchyard-test-ca", ca_key, None)
    server = _certificate(HOST, server_key, ("switchyard-test-ca", ca_key))
    key_pem = server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    keystore, ca_file, other_ca_file = directory / "broker.pem", directory / "ca.pem", directory / "other.pem"
    keystore.write_bytes(key_pem + _pem(server) + _pem(ca))
    ca_file.write_bytes(_pem(ca))
    other_ca_file.write_bytes(_pem(_certificate("another-ca", other_key, None)))
    return keystore, ca_file, other_ca_file


def _server_properties(config: StackConfig, scram_port: int, tls_port: int, keystore: Path) -> str:
    """The stack's single-node configuration, plus a SCRAM listener on plain TCP and one on TLS."""
    lines = local_kafka.server_properties(config).splitlines()
    settings = dict(line.split("=", 1) for line in lines)
    extra = f"SCRAM://{HOST}:{scram_port},SCRAMTLS://{HOST}:{tls_port}"
    settings["listeners"] += f",{extra}"
    settings["advertised.listeners"] += f",{extra}"
    settings["listener.security.protocol.map"] += ",SCRAM:SASL_PLAINTEXT,SCRAMTLS:SASL_SSL"
    settings["sasl.enabled.mechanisms"] = "SCRAM-SHA-512"
    for listener in ("scram", "scramtls"):
        settings[f"listener.name.{listener}.scram-sha-512.sasl.jaas.config"] = SCRAM_JAAS
    settings["listener.name.scramtls.ssl.keystore.type"] = "PEM"
    settings["listener.name.scramtls.ssl.keystore.location"] = str(keystore)
    settings["num.partitions"] = "1"
    return "".join(f"{k}={v}\n" for k, v in settings.items())


@dataclass(frozen=True)
class _Node:
    kafka: SecuredKafka
    format_storage: list[str]
    start: list[str]
    log: Path


def _java(libs: Path, log4j: Path, main_class: str, *args: str) -> list[str]:
    return ["java", "-Xmx256m", f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{libs}/*", main_class, *args]


def _prepare(root: Path) -> _Node:
    """Certificates, configuration and the commands that format the storage and run the node."""
    libs = kafka_libs(load_config())  # the stack's jars; StackError says to provision if missing
    config = StackConfig(
        paths=StackPaths(repo=REPO_ROOT, stack=root),
        ports={"KAFKA_PORT": free_port(), "KAFKA_CONTROLLER_PORT": free_port()},
    )
    scram_port, tls_port = free_port(), free_port()
    keystore, ca_file, other_ca_file = _write_certificates(root)
    properties, log4j = root / "server.properties", root / "log4j2.properties"
    properties.write_text(_server_properties(config, scram_port, tls_port, keystore))
    log4j.write_text(local_kafka.LOG4J2)
    local_kafka.data_dir(config).mkdir(parents=True)
    # KRaft keeps SCRAM credentials in the metadata log: the first one is written at format time.
    scram = f"SCRAM-SHA-512=[name={USER},password={PASSWORD}]"
    format_storage = _java(libs, log4j, "kafka.tools.StorageTool", "format", "-c", str(properties))
    format_storage += ["-t", local_kafka.cluster_id(), "--add-scram", scram]
    return _Node(
        kafka=SecuredKafka(f"{HOST}:{scram_port}", f"{HOST}:{tls_port}", ca_file, other_ca_file),
        format_storage=format_storage,
        start=_java(libs, log4j, "kafka.Kafka", str(properties)),
        log=root / "kafka.log",
    )


def _log_tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-30:])


async def _answers(settings: KafkaSettings) -> bool:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.servers, request_timeout_ms=2_000, **settings.client_options()
    )
    try:
        await admin.start()
        await admin.list_topics()
    except (TimeoutError, KafkaConnectionError, OSError):
        return False
    finally:
        await admin.close()
    return True


async def _wait_for_broker(node: _Node, process: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(STARTUP_S):
        while not await _answers(node.kafka.settings()):
            if process.returncode is not None:
                raise RuntimeError(f"the test Kafka exited ({process.returncode}):\n{_log_tail(node.log)}")
            await asyncio.sleep(0.5)


@pytest.fixture(scope="module")
async def secured_kafka(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SecuredKafka]:
    node = _prepare(tmp_path_factory.mktemp("secured-kafka"))
    formatting = await asyncio.create_subprocess_exec(
        *node.format_storage, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await formatting.communicate()
    assert formatting.returncode == 0, output.decode()
    with node.log.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *node.start, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
    try:
        await _wait_for_broker(node, process)
        yield node.kafka
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def _aiokafka_log() -> Iterator[list[str]]:
    """What aiokafka logs meanwhile (it logs why a connection failed, then raises a generic error)."""
    handler, logger = _Lines(), logging.getLogger("aiokafka")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)  # whatever level the logging set up by other tests left
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _user_created() -> UserCreated:
    return UserCreated(user_id=uuid.uuid4(), email="ada@example.com", username="ada", role="member")


async def _send(settings: KafkaSettings, topic: str, *values: bytes) -> None:
    producer = create_producer(settings, client_id="secured-test")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def _run(module: str, settings: KafkaSettings, *args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, "--bootstrap-servers", settings.bootstrap_servers,
        "--prefix", settings.topic_prefix, *args,
        env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


def _security_env(settings: KafkaSettings) -> dict[str, str]:
    return {
        "KAFKA_SECURITY_PROTOCOL": settings.security_protocol,
        "KAFKA_SASL_MECHANISM": settings.sasl_mechanism or "",
        "KAFKA_SASL_USERNAME": settings.sasl_username or "",
        "KAFKA_SASL_PASSWORD": settings.sasl_password or "",
        "KAFKA_SSL_CAFILE": settings.ssl_cafile or "",
    }


async def test_topics_producer_broker_and_dead_letters_authenticate_with_scram(
    secured_kafka: SecuredKafka, uow_factory: UowFactory, consumer_name: str, wait_until
):
    settings = secured_kafka.settings()
    assert sorted(await ensure_topics(settings, all_topics(settings.topic_prefix))) == sorted(
        all_topics(settings.topic_prefix)
    )
    good = _user_created()
    await _send(
        settings,
        settings.topic(UserCreated.TOPIC),
        b"not json",
        encode_envelope(to_envelope(good, source="t")),
    )
    handled: list[UserCreated] = []

    async def on_user_created(event: UserCreated, envelope: Envelope, uow: SqlAlchemyUnitOfWork) -> None:
        handled.append(event)

    broker = create_broker(settings, service="users")
    subscribe(
        broker, UserCreated, on_user_created, service="users", kafka=settings, uow_factory=uow_factory,
        name=consumer_name, retry=RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.1),
    )  # fmt: skip
    await broker.start()
    try:
        await wait_until(lambda: _done(handled))
        # The broker's own producer (dead letters) and the reader of the dead-letter topic too.
        await wait_until(lambda: _has_dead_letters(settings))
    finally:
        await broker.stop()
    assert handled == [good]
    (letter,) = await list_dead_letters(settings, "users")
    assert (letter.value, letter.original_topic) == (b"not json", settings.topic(UserCreated.TOPIC))


async def _done(handled: list[UserCreated]) -> bool:
    return bool(handled)


async def _has_dead_letters(settings: KafkaSettings) -> bool:
    return bool(await list_dead_letters(settings, "users"))


async def test_commands_take_the_security_settings_from_the_environment(secured_kafka: SecuredKafka):
    settings = secured_kafka.settings()
    env = _security_env(settings)
    topics_module, dead_letters_module = (
        "switchyard.common.messaging.topics",
        "switchyard.common.messaging.dead_letters",
    )

    code, out = await _run(topics_module, settings, env=env)
    assert code == 0, out
    assert f"created {settings.topic(dead_letter_topic('users'))}" in out
    await _send(settings, settings.topic(dead_letter_topic("users")), b"dead")
    code, out = await _run(dead_letters_module, settings, "list", "--service", "users", env=env)
    assert code == 0, out
    assert re.fullmatch(r"\d+:0  .*\n", out), out  # the one record: partition:offset, provenance

    # Without them the same command cannot get in.
    unset = dict.fromkeys(env, "")
    code, out = await _run(dead_letters_module, settings, "list", "--service", "users", env=unset)
    assert code != 0
    assert "KafkaConnectionError" in out


async def test_a_wrong_password_fails_authentication(secured_kafka: SecuredKafka):
    producer = create_producer(secured_kafka.settings(sasl_password="wrong"), client_id="secured-test")

    with _aiokafka_log() as logged, pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
        await producer.start()
    await producer.stop()

    assert any(
        "Authentication failed during authentication due to invalid credentials" in line for line in logged
    )


async def test_a_client_without_sasl_is_refused(secured_kafka: SecuredKafka):
    plain = KafkaSettings(bootstrap_servers=secured_kafka.sasl_plaintext, request_timeout_ms=10_000)
    producer = create_producer(plain, client_id="secured-test")

    with pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
        await producer.start()
    await producer.stop()


async def test_sasl_ssl_verifies_the_broker_and_authenticates(secured_kafka: SecuredKafka):
    settings = secured_kafka.settings("SASL_SSL")
    topic = settings.topic("secured.tls")

    assert await ensure_topics(settings, [topic]) == [topic]
    await _send(settings, topic, b"over tls")
    assert [record.value for record in await read_topic(settings, topic)] == [b"over tls"]


async def test_sasl_ssl_refuses_a_broker_signed_by_another_ca(secured_kafka: SecuredKafka):
    settings = secured_kafka.settings("SASL_SSL", ssl_cafile=str(secured_kafka.other_ca_file))
    producer = create_producer(settings, client_id="secured-test")

    with _aiokafka_log() as logged, pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
        await producer.start()
    await producer.stop()

    assert any("CERTIFICATE_VERIFY_FAILED" in line for line in logged)
