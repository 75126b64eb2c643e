"""Health probes: each returns None when healthy, else a short reason."""

from __future__ import annotations

import socket
import struct
import subprocess
import urllib.error
import urllib.request

Probe = str | None


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ok(url: str, timeout: float = 2.0) -> Probe:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed http URL
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return f"GET {url} -> {exc.code}"
    except (OSError, ValueError) as exc:
        return f"GET {url} failed: {exc}"
    return None if status == 200 else f"GET {url} -> {status}"


def redis_ping(host: str, port: int) -> Probe:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            reply = conn.recv(64)
    except OSError as exc:
        return f"redis {host}:{port}: {exc}"
    return None if reply.startswith(b"+PONG") else f"redis answered {reply!r}"


def smtp_banner(host: str, port: int) -> Probe:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            banner = conn.recv(256)
            conn.sendall(b"QUIT\r\n")
    except OSError as exc:
        return f"smtp {host}:{port}: {exc}"
    return None if banner.startswith(b"220") else f"smtp answered {banner[:40]!r}"


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def kafka_api_versions(host: str, port: int) -> Probe:
    """A real protocol round trip: the broker accepts TCP before it serves requests."""
    client_id = b"switchyard-stack"
    correlation_id = 7
    # ApiVersions (key 18) v0, request header v1: key, version, correlation id, client id.
    body = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=2) as conn:
            conn.settimeout(2)
            conn.sendall(struct.pack(">i", len(body)) + body)
            (size,) = struct.unpack(">i", _recv_exact(conn, 4))
            reply = _recv_exact(conn, size)
    except OSError as exc:
        return f"kafka {host}:{port}: {exc}"
    got_id, error_code = struct.unpack(">ih", reply[:6])
    if got_id != correlation_id or error_code != 0:
        return f"kafka ApiVersions error {error_code}"
    return None


def postgres_ready(pg_isready: str, host: str, port: int) -> Probe:
    result = subprocess.run(
        [pg_isready, "-q", "-h", host, "-p", str(port), "-t", "2"], check=False, capture_output=True
    )
    return None if result.returncode == 0 else f"pg_isready exit {result.returncode}"
