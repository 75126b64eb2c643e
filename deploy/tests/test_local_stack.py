"""deploy/local: settings resolution, generated secrets and process tracking."""

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from deploy.local import credentials, procs
from deploy.local.config import DEFAULT_PORTS, StackError, load_config
from deploy.local.services import service_env


def test_env_ports_win_over_recorded_ones_which_win_over_defaults(tmp_path):
    (tmp_path / "stack.json").write_text(json.dumps({"ports": {"REDIS_PORT": 30001, "KAFKA_PORT": 30002}}))
    config = load_config({"STACK_DIR": str(tmp_path), "KAFKA_PORT": "30003"})
    assert config.port("REDIS_PORT") == 30001
    assert config.port("KAFKA_PORT") == 30003
    assert config.port("GATEWAY_PORT") == DEFAULT_PORTS["GATEWAY_PORT"]


def test_clashing_or_invalid_ports_are_refused(tmp_path):
    with pytest.raises(StackError, match="share"):
        load_config({"STACK_DIR": str(tmp_path), "REDIS_PORT": "8080"})
    with pytest.raises(StackError, match="not a TCP port"):
        load_config({"STACK_DIR": str(tmp_path), "REDIS_PORT": "99999"})


def test_caller_settings_pass_through_and_smtp_host_replaces_the_mail_sink(tmp_path):
    env = {"STACK_DIR": str(tmp_path), "LOG_LEVEL": "DEBUG", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}
    config = load_config(env)
    assert config.passthrough == {"LOG_LEVEL": "DEBUG", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318"}
    assert not config.external_smtp
    assert load_config({**env, "SMTP_HOST": "mail.test"}).external_smtp


def test_secrets_are_generated_once_and_private(tmp_path):
    config = load_config({"STACK_DIR": str(tmp_path)})
    first = credentials.load_or_create(config)
    second = credentials.load_or_create(config)
    assert first == second
    assert set(credentials.GENERATED_KEYS) <= set(first.values)
    assert len({first.db_password(s) for s in ("auth", "users", "notifications", "ingest")}) == 4
    assert os.stat(config.paths.secrets_file).st_mode & 0o077 == 0


def test_admin_login_from_the_caller_wins(tmp_path):
    config = load_config({"STACK_DIR": str(tmp_path), "AUTH_BOOTSTRAP_ADMIN_PASSWORD": "given-pw"})
    creds = credentials.load_or_create(config)
    assert credentials.admin_login(config, creds) == ("admin@switchyard.local", "given-pw")


def test_a_started_process_is_tracked_and_stopped_and_a_stale_pid_is_not_touched(tmp_path):
    paths = load_config({"STACK_DIR": str(tmp_path)}).paths
    paths.make_dirs()
    spec = procs.ProcessSpec(
        name="sleeper",
        argv=[sys.executable, "-c", "import time; time.sleep(60)"],
        log=paths.log("sleeper"),
        stop_signal=signal.SIGTERM,
        stop_timeout=5,
    )
    proc = procs.start(paths, spec)
    assert procs.running(paths, "sleeper") is not None
    assert procs.stop(paths, "sleeper") == "stopped"
    proc.wait(timeout=5)
    assert procs.running(paths, "sleeper") is None
    # A pid file naming a live process that is not ours (different start time) is only removed.
    record = {"pid": os.getpid(), "start_time": "1", "stop_signal": 9, "stop_timeout": 1}
    procs.pid_file(paths, "sleeper").write_text(json.dumps(record))
    assert procs.stop(paths, "sleeper").startswith("was not running")
    assert not procs.pid_file(paths, "sleeper").exists()


def test_log_tail_shows_the_last_lines(tmp_path):
    log = Path(tmp_path / "x.log")
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert procs.tail(log, 2).splitlines() == ["    | line 98", "    | line 99"]


def test_auth_gets_generated_keys_at_rest_and_a_valid_fernet_key(tmp_path):
    from cryptography.fernet import Fernet

    config = load_config({"STACK_DIR": str(tmp_path)})
    creds = credentials.load_or_create(config)

    Fernet(creds.get(credentials.TOTP_KEY).encode())  # raises if malformed
    assert len(creds.get(credentials.SIGNING_PASSPHRASE_KEY)) >= 24


def test_notifications_gets_the_smtp_server_and_links_to_the_gateway(tmp_path):
    config = load_config({"STACK_DIR": str(tmp_path), "SMTP_PORT": "2525", "GATEWAY_PORT": "18080"})
    env = service_env(config, credentials.load_or_create(config), "notifications")
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == ("127.0.0.1", "2525")
    assert env["NOTIFICATIONS_PUBLIC_URL"] == "http://127.0.0.1:18080" == config.gateway_url


def test_notifications_settings_from_the_caller_reach_notifications_alone(tmp_path):
    given = {
        "NOTIFICATIONS_PUBLIC_URL": "https://app.example.com",
        "NOTIFICATIONS_MAX_ATTEMPTS": "3",
        "NOTIFICATIONS_PORT": "18103",
        "SMTP_HOST": "mail.test",
    }
    config = load_config({"STACK_DIR": str(tmp_path), **given})
    creds = credentials.load_or_create(config)
    notifications = service_env(config, creds, "notifications")
    assert notifications["NOTIFICATIONS_PUBLIC_URL"] == "https://app.example.com"
    assert notifications["NOTIFICATIONS_MAX_ATTEMPTS"] == "3"
    assert notifications["SMTP_HOST"] == "mail.test"
    # NOTIFICATIONS_PORT is where the stack runs notifications, not a setting of it.
    assert "NOTIFICATIONS_PORT" not in notifications
    assert notifications["HTTP_PORT"] == "18103"
    for other in ("auth", "users", "ingest"):
        assert not [k for k in service_env(config, creds, other) if k.startswith("NOTIFICATIONS_")], other
    assert not [k for k in notifications if k.startswith("AUTH_")]
