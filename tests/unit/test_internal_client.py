"""The internal client survives a kept-alive connection the service just closed."""

from __future__ import annotations

import socket
import threading

from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient


def test_a_reset_connection_is_retried_once_on_a_new_one():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    seen = []

    def serve():
        for attempt in range(2):
            conn, _ = server.accept()
            conn.recv(65536)
            seen.append(attempt)
            if attempt == 0:  # slam the door: RST instead of an answer
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
                continue
            body = b'{"ok": true}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = InternalClient(Config(inbox_url=f"http://127.0.0.1:{port}", dev_mode=True))
    try:
        assert client.post_json("inbox", "/internal/local-delivery", {"activity": {}}) == {"ok": True}
        assert seen == [0, 1]
    finally:
        thread.join(5)
        server.close()
