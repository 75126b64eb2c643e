"""Apache Kafka in KRaft mode: a single node that is both broker and controller."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from .config import SERVICES, StackConfig, StackError
from .procs import ProcessSpec
from .provision import kafka_libs, say

NAME = "kafka"
TOPICS_MODULE = "switchyard.common.messaging.topics"

LOG4J2 = """\
status = warn
name = switchyard-local-kafka
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def _config_dir(config: StackConfig) -> Path:
    return config.paths.config / NAME


def data_dir(config: StackConfig) -> Path:
    return config.paths.data / NAME


def server_properties(config: StackConfig) -> str:
    host, port, cport = config.host, config.port("KAFKA_PORT"), config.port("KAFKA_CONTROLLER_PORT")
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{host}:{cport}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir(config)),
        "num.partitions": "3",
        "auto.create.topics.enable": "false",
        # As in deploy/k8s: a record goes at most a day after its retention (docs/operations.md, "Pruning").
        "log.roll.hours": "24",
        "offsets.topic.replication.factor": "1",
        # Fewer offsets partitions make the first consumer group join fast on a laptop.
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    return "".join(f"{k}={v}\n" for k, v in settings.items())


def cluster_id() -> str:
    """Same shape as Kafka's Uuid.randomUuid(): 16 random bytes, base64url, never starting with '-'."""
    while True:
        value = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not value.startswith("-"):
            return value


def _java(config: StackConfig, *args: str, heap: str = "256m") -> list[str]:
    log4j = _config_dir(config) / "log4j2.properties"
    classpath = f"{kafka_libs(config)}/*"
    return ["java", f"-Xmx{heap}", f"-Dlog4j2.configurationFile={log4j}", "-cp", classpath, *args]


def prepare(config: StackConfig) -> None:
    conf = _config_dir(config)
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "server.properties").write_text(server_properties(config))
    (conf / "log4j2.properties").write_text(LOG4J2)
    if (data_dir(config) / "meta.properties").exists():
        return
    say("formatting Kafka storage")
    data_dir(config).mkdir(parents=True, exist_ok=True)
    argv = _java(config, "kafka.tools.StorageTool", "format", "-t", cluster_id())
    argv += ["-c", str(conf / "server.properties")]
    log = config.paths.log(NAME)
    with log.open("ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise StackError(f"Kafka storage format failed (exit {result.returncode}); see {log}")


def spec(config: StackConfig) -> ProcessSpec:
    argv = _java(config, "kafka.Kafka", str(_config_dir(config) / "server.properties"), heap="768m")
    argv[1:1] = ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true"]
    return ProcessSpec(
        name=NAME, argv=argv, log=config.paths.log(NAME), cwd=config.paths.stack, stop_timeout=30
    )


def _topics_module_exists(config: StackConfig) -> bool:
    check = f"import importlib.util,sys; sys.exit(0 if importlib.util.find_spec({TOPICS_MODULE!r}) else 1)"
    result = subprocess.run([str(config.paths.venv_python), "-c", check], capture_output=True, check=False)
    return result.returncode == 0


# Until the shared topic catalog exists, create at least the dead-letter topics.
PLACEHOLDER_TOPICS = tuple(f"{service}.dead-letter" for service in SERVICES)


def ensure_topics(config: StackConfig) -> None:
    """Create every topic the services use; the catalog module is the one source of topic names."""
    log = config.paths.log("kafka-topics")
    if _topics_module_exists(config):
        argv = [
            str(config.paths.venv_python),
            "-m",
            TOPICS_MODULE,
            "--bootstrap-servers",
            config.kafka_bootstrap,
        ]
        commands = [argv]
    else:
        say(f"{TOPICS_MODULE} not found; creating placeholder topics {', '.join(PLACEHOLDER_TOPICS)}")
        base = _java(
            config, "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", config.kafka_bootstrap
        )
        commands = [
            [*base, "--create", "--if-not-exists", "--topic", t, "--partitions", "3"]
            for t in PLACEHOLDER_TOPICS
        ]
    with log.open("ab") as out:
        # Each command is a short JVM or Python run; running them side by side saves seconds.
        running = [
            subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=config.paths.repo)
            for argv in commands
        ]
        codes = [proc.wait(timeout=120) for proc in running]
    if any(codes):
        raise StackError(f"creating Kafka topics failed (exit codes {codes}); see {log}")
