"""PostgreSQL: one cluster, one database and login role per service."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .config import SERVICES, StackConfig, StackError
from .credentials import ADMIN_DB_USER, Credentials, db_password_key
from .procs import ProcessSpec
from .provision import postgres_bin, say

NAME = "postgres"
SQL_DIR = Path(__file__).resolve().parents[1] / "postgres"


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root, so root runs it as the `postgres` system user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise StackError("running as root but no `postgres` system user exists") from exc
    return "postgres"


def _reachable_by(user: str, path: Path) -> bool:
    probe = subprocess.run(["test", "-x", str(path)], user=user, check=False, capture_output=True)
    return probe.returncode == 0


def data_dir(config: StackConfig) -> Path:
    return config.paths.data / "postgres"


def _prepare_data_dir(config: StackConfig, user: str | None) -> Path:
    """The data dir must be reachable by the server user; if a parent (say /root) is not, the
    cluster lives in a private folder under /var/tmp that .stack/data/postgres links to."""
    link = data_dir(config)
    if link.is_symlink() or link.exists():
        return link
    if user is None or _reachable_by(user, config.paths.data):
        link.mkdir(parents=True)
    else:
        home = Path(tempfile.mkdtemp(prefix="switchyard-postgres-", dir="/var/tmp"))
        # Only traversal is needed by the server user; the data dir itself is 0700.
        os.chmod(home, 0o711)  # noqa: S103 - traversal only, see above
        (home / "data").mkdir()
        link.symlink_to(home / "data")
        say(f"{config.paths.data} is not reachable by user {user}; cluster lives in {home / 'data'}")
    if user is not None:
        shutil.chown(link.resolve(), user=user, group=user)
    os.chmod(link.resolve(), 0o700)
    return link


def _initdb(config: StackConfig, creds: Credentials) -> None:
    user = _server_user()
    data = _prepare_data_dir(config, user)
    if (data / "PG_VERSION").exists():
        return
    say(f"initialising PostgreSQL cluster in {data}")
    # The password reaches initdb through a file only the server user can read.
    with tempfile.TemporaryDirectory(dir=data.resolve().parent) as tmp:
        pwfile = Path(tmp) / "pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(creds.admin_password + "\n")
        if user is not None:
            shutil.chown(tmp, user=user, group=user)
            shutil.chown(pwfile, user=user, group=user)
        argv = [str(postgres_bin() / "initdb"), "-D", str(data.resolve()), "-U", ADMIN_DB_USER]
        argv += ["-A", "scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8"]
        log = config.paths.log(NAME)
        with log.open("ab") as out:
            result = subprocess.run(
                argv, user=user, group=user, stdout=out, stderr=subprocess.STDOUT, check=False
            )
    if result.returncode != 0:
        raise StackError(f"initdb failed (exit {result.returncode}); see {log}")


def prepare(config: StackConfig, creds: Credentials) -> None:
    _initdb(config, creds)


def spec(config: StackConfig) -> ProcessSpec:
    settings = {
        "listen_addresses": config.host,
        "port": str(config.port("POSTGRES_PORT")),
        # TCP only: no socket file to place where the server user may write.
        "unix_socket_directories": "",
        "max_connections": "200",
        "logging_collector": "off",
        "log_line_prefix": "%m [%p] %q%u@%d ",
        # Sized for bulk imports rather than PostgreSQL's small defaults (128 MB of buffers, a
        # checkpoint per 1 GB of WAL): a million-row import writes several GB of WAL, and each
        # checkpoint makes the next change of every page log the whole page (bench/README.md).
        "shared_buffers": "512MB",
        "max_wal_size": "8GB",
        "checkpoint_timeout": "15min",
        "wal_compression": "lz4",
    }
    argv = [str(postgres_bin() / "postgres"), "-D", str(data_dir(config).resolve())]
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    # SIGINT is PostgreSQL's "fast" shutdown; SIGTERM would wait for every client to leave.
    return ProcessSpec(
        name=NAME,
        argv=argv,
        log=config.paths.log(NAME),
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
        cwd=Path("/"),
        user=_server_user(),
        stop_signal=signal.SIGINT,
        stop_timeout=20,
    )


def admin_url(config: StackConfig, creds: Credentials, driver: str = "postgresql+asyncpg") -> str:
    port = config.port("POSTGRES_PORT")
    return f"{driver}://{ADMIN_DB_USER}:{creds.admin_password}@{config.host}:{port}/postgres"


def service_url(config: StackConfig, creds: Credentials, service: str) -> str:
    role = f"switchyard_{service}"
    port = config.port("POSTGRES_PORT")
    return f"postgresql+asyncpg://{role}:{creds.db_password(service)}@{config.host}:{port}/{role}"


def ensure_databases(config: StackConfig, creds: Credentials) -> None:
    """Apply deploy/postgres/databases.sql; psql reads the passwords from its environment."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": creds.admin_password}
    env.update({db_password_key(s): creds.db_password(s) for s in SERVICES})
    argv = [str(postgres_bin() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", config.host]
    argv += ["-p", str(config.port("POSTGRES_PORT")), "-U", ADMIN_DB_USER, "-d", "postgres"]
    argv += ["-f", str(SQL_DIR / "databases.sql")]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StackError(f"creating service databases failed:\n{result.stdout}{result.stderr}")
