"""`free_port` hands each port out once per process, though the kernel may repeat one.

A Kafka node with two extra listeners once got the same port for both (the kernel gave a closed
probe's port to the next probe) and refused to start. Five hundred probes in a row repeat a port
almost every time on Linux, so this fails without the memory of what was handed out.
"""

import socket

from switchyard.common.testing import free_port


def test_no_port_is_handed_out_twice() -> None:
    ports = [free_port() for _ in range(500)]

    assert len(set(ports)) == len(ports)


def test_a_handed_out_port_can_be_bound() -> None:
    port = free_port()

    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        assert server.getsockname()[1] == port
