"""Real servers on loopback that play a remote server in tests: one that answers with
scripted responses and keeps what it received, one that accepts and never answers."""

from __future__ import annotations


class PeerServer:
    """A real HTTP server on loopback that answers with scripted responses and keeps
    what it received: a remote inbox for unit tests of the delivery client."""

    def __init__(self):
        import http.server
        import threading

        self.responses: list[tuple[int, dict]] = []
        self.received: list[dict] = []
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                peer.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, headers = peer.responses.pop(0) if peer.responses else (202, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def inbox(self) -> str:
        return f"http://127.0.0.1:{self.port}/inbox"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SilentServer:
    """A TCP server on loopback that accepts connections and never answers — a slow
    remote server — and counts what it accepted (``ports`` listening sockets)."""

    def __init__(self, ports: int = 1):
        import selectors
        import socket
        import threading

        self.listeners = []
        for _ in range(ports):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(128)
            sock.setblocking(False)
            self.listeners.append(sock)
        self.ports = [s.getsockname()[1] for s in self.listeners]
        self.accepted: list = []
        self._selector = selectors.DefaultSelector()
        for sock in self.listeners:
            self._selector.register(sock, selectors.EVENT_READ)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.1):
                try:
                    conn, _addr = key.fileobj.accept()
                except BlockingIOError:
                    continue
                self.accepted.append(conn)  # held open, never read, never answered

    @property
    def port(self) -> int:
        return self.ports[0]

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for sock in self.accepted + self.listeners:
            sock.close()
