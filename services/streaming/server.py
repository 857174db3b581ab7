"""The streaming server: Mastodon's ``/api/v1/streaming`` over WebSocket
(docs.joinmastodon.org/methods/streaming/), one asyncio process per node (or a thread of the
compact layout's worker process).

Built on ``websockets`` (python-websockets, asyncio): a well-kept RFC 6455 server with the
handshake hooks this needs (refuse a bad token with an HTTP 401 before the upgrade, answer
``/health``, select the token as the subprotocol a browser sent), pings and backpressure.
The gateway cannot carry WebSockets (a WSGI proxy), so, as Mastodon runs its streaming
server beside its web process, this one listens on its own port and the instance document
announces its URL (``ARCHIPEL_STREAMING_URL``).

Events come from the inbox worker on Redis pub/sub (``fedkit/contracts/stream_events.py``);
each connection renders what concerns it through the api as its user
(``services/streaming/render.py``), in order, on its own queue. A connection's token is
checked again every ``ARCHIPEL_STREAMING_RECHECK_SECONDS``: a revoked token or a closed
account ends it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import threading
import weakref
from urllib.parse import parse_qs, urlsplit

import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from fedkit.contracts import stream_events
from fedkit.contracts.api import ApiClient, Reader
from fedkit.contracts.identity import IdentityClient
from fedkit.runtime import health, metrics
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.streaming.auth import Unavailable, reader_of, token_of
from services.streaming.render import concerns, messages_for
from services.streaming.subscriptions import (
    MAX_MESSAGE_BYTES,
    BadSubscription,
    Subscriptions,
    check_scopes,
    from_query,
    parse_message,
)

log = logging.getLogger(__name__)

PATH = "/api/v1/streaming"
HEALTH = "/api/v1/streaming/health"
QUEUE_SIZE = 500  # events waiting for one connection; beyond, the slow client is dropped
POLICY_VIOLATION = 1008  # RFC 6455 §7.4.1: the close code for a revoked token


class Stream:
    """One open connection: its user, token, subscriptions and queue of events."""

    def __init__(self, ws: ServerConnection, reader: Reader, token: str):
        self.ws, self.reader, self.token = ws, reader, token
        self.subs = Subscriptions()
        self.queue: asyncio.Queue[dict] = asyncio.Queue(QUEUE_SIZE)


def _json_response(connection: ServerConnection, status: int, message: str):
    return _json(connection, status, {"error": message})


def _json(connection: ServerConnection, status: int, body: dict):
    response = connection.respond(status, json.dumps(body))
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


class StreamingServer:
    def __init__(self, config: Config, transport=None):
        self.config = config
        transport = transport or InternalClient(config)
        self.identity, self.api = IdentityClient(transport), ApiClient(transport)
        # What the handshake checked, for the handler (weak: a handshake may fail after it).
        self.opening: weakref.WeakKeyDictionary[ServerConnection, tuple] = weakref.WeakKeyDictionary()
        self.streams: set[Stream] = set()
        self.listening = asyncio.Event()

    # -- the handshake ------------------------------------------------------------------------
    async def process_request(self, connection: ServerConnection, request):
        url = urlsplit(request.path)
        path = url.path.rstrip("/")
        if path == HEALTH:
            return connection.respond(200, "OK") if self.listening.is_set() else \
                connection.respond(503, "Redis unavailable")
        if path in health.PATHS:
            return await self._operations(connection, request, path)
        if path != PATH:
            return _json_response(connection, 404, "Not found")
        args = {name: values[0] for name, values in parse_qs(url.query).items()}
        token, as_protocol = token_of(args, request.headers)
        if token is None:
            return _json_response(connection, 401, "Missing access token")
        try:
            reader = await asyncio.to_thread(reader_of, token, self.identity)
        except Unavailable:
            return _json_response(connection, 503, "Cannot check the access token now")
        if reader is None:
            return _json_response(connection, 401, "Invalid access token")
        try:
            sub = from_query(args)
            if sub is not None:
                check_scopes(sub, reader.scopes)
        except BadSubscription as exc:
            return _json_response(connection, exc.status, str(exc))
        self.opening[connection] = (reader, token, sub, as_protocol)
        return None

    async def _operations(self, connection: ServerConnection, request, path: str):
        """/livez, /readyz (ready while it follows the node's events on Redis) and /metrics
        for a scraper, as every process answers them (fedkit/runtime/health.py)."""
        if path == health.LIVE:
            return _json(connection, 200, {"status": "ok"})
        if path == health.READY:
            failed = [] if self.listening.is_set() else ["redis"]
            return _json(connection, 503 if failed else 200, {"status": "unavailable" if failed else "ok",
                                                                "failed": failed})
        address = (connection.remote_address or ("",))[0]
        if not health.metrics_allowed(address, request.headers.get("Authorization"), self.config):
            return _json_response(connection, 404, "Not found")
        response = connection.respond(200, (await asyncio.to_thread(metrics.exposition)).decode())
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        return response

    def select_subprotocol(self, connection: ServerConnection, offered):
        """A browser sends the token as the subprotocol and needs it selected back."""
        opening = self.opening.get(connection)
        return offered[0] if opening and opening[3] and offered else None

    # -- a connection ---------------------------------------------------------------------------
    async def handler(self, ws: ServerConnection) -> None:
        opening = self.opening.pop(ws, None)
        if opening is None:
            return
        reader, token, sub, _ = opening
        stream = Stream(ws, reader, token)
        if sub is not None:
            stream.subs.add(sub)
        self.streams.add(stream)
        log.info("stream opened by %s", reader.user)  # who, never the token
        tasks = [asyncio.create_task(self._send(stream)), asyncio.create_task(self._recheck(stream))]
        try:
            async for text in ws:
                await self._on_message(stream, text)
        except ConnectionClosed:
            pass
        finally:
            self.streams.discard(stream)
            for task in tasks:
                task.cancel()
            log.info("stream of %s closed", reader.user)

    async def _on_message(self, stream: Stream, text) -> None:
        try:
            kind, sub = parse_message(text)
            if kind == "subscribe":
                check_scopes(sub, stream.reader.scopes)
                stream.subs.add(sub)
            else:
                stream.subs.remove(sub)
        except BadSubscription as exc:
            await stream.ws.send(json.dumps({"error": str(exc), "status": exc.status}))

    async def _send(self, stream: Stream) -> None:
        while True:
            event = await stream.queue.get()
            try:
                messages = await asyncio.to_thread(messages_for, event, stream.reader, stream.subs, self.api)
            except Exception as exc:  # the api did not answer: this event is lost for this client
                log.warning("a %s event was not rendered: %s", event.get("kind"), type(exc).__name__)
                continue
            try:
                for text in messages:
                    await stream.ws.send(text)
            except ConnectionClosed:
                return

    async def _recheck(self, stream: Stream) -> None:
        while True:
            await asyncio.sleep(self.config.streaming_recheck_seconds)
            try:
                now = await asyncio.to_thread(reader_of, stream.token, self.identity)
            except Unavailable:
                continue  # keep the connection until identity can say
            if now is None or now.user != stream.reader.user:
                await stream.ws.close(POLICY_VIOLATION, "The access token was revoked")
                return
            stream.reader = now  # scopes as they are now

    # -- events ---------------------------------------------------------------------------------
    def dispatch(self, event: dict) -> None:
        for stream in list(self.streams):
            if not concerns(event, stream.reader, stream.subs):
                continue
            try:
                stream.queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("a streaming client of %s is too slow: disconnected", stream.reader.user)
                self.streams.discard(stream)
                asyncio.ensure_future(stream.ws.close(1013, "Too slow"))

    async def listen(self) -> None:
        """Follow the node's events on Redis; reconnect when Redis goes away."""
        channel = stream_events.channel(self.config.queue_prefix)
        while True:
            client = aioredis.from_url(self.config.redis_url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(channel)
                    self.listening.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            event = stream_events.parse(message["data"])
                            if event is not None:
                                self.dispatch(event)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("streaming events unavailable (%s): retrying", type(exc).__name__)
            finally:
                self.listening.clear()
                await client.aclose()
            await asyncio.sleep(1)

    async def run(self, stop: asyncio.Event) -> None:
        listener = asyncio.create_task(self.listen())
        async with serve(self.handler, self.config.streaming_host, self.config.streaming_port,
                         process_request=self.process_request, select_subprotocol=self.select_subprotocol,
                         max_size=MAX_MESSAGE_BYTES, server_header="Archipel"):
            log.info("streaming on %s:%s", self.config.streaming_host, self.config.streaming_port)
            await stop.wait()
        listener.cancel()


def start_in_thread(config: Config) -> threading.Thread:
    """The compact layout: the streaming server in a thread of the worker process."""
    def run() -> None:
        asyncio.run(StreamingServer(config).run(asyncio.Event()))

    thread = threading.Thread(target=run, name="streaming", daemon=True)
    thread.start()
    return thread


def main() -> None:
    from fedkit.runtime.logs import setup_logging

    config = Config.from_env().check()
    setup_logging("streaming", config)
    health.check_config(config)

    async def serve_until_stopped() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await StreamingServer(config).run(stop)

    asyncio.run(serve_until_stopped())


if __name__ == "__main__":
    main()
