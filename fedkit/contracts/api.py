"""The api service's contract for the streaming server (services/streaming): each entity
rendered by the api's own code, as the requester (``fedkit.contracts.as_reader``: the user
whose token the streaming server checked), exactly as the REST API renders it for them."""

from __future__ import annotations

from dataclasses import dataclass

from fedkit.contracts import Transport, as_reader, json_if_ok, path_of

SERVICE = "api"

# GET ?uri=: {"status": <Status entity>, "public": bool, "local": bool} — what
# ``GET /api/v1/statuses/:id`` shows the requester, and whether the post belongs to the
# group's stream (``public``) and the node's stream (``local``); 404 when hidden or missing.
STREAM_STATUS = "/internal/streaming/status"
# GET: the requester's home timeline entry with this inbox cursor (a status or a reblog), 404
# when the home timeline would not show it.
STREAM_HOME = "/internal/streaming/home/<seq>"
# GET: the requester's notification, as ``GET /api/v1/notifications/:id`` shows it.
STREAM_NOTIFICATION = "/internal/streaming/notifications/<number>"
# GET ?uri=: {"id"} of a status id already given out (a deleted status's id); 404 if none.
STREAM_STATUS_ID = "/internal/streaming/status-id"


@dataclass(frozen=True)
class Reader:
    """Whom the api renders for: a local user and their token's scopes."""

    user: str
    scopes: frozenset[str]


class ApiClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def _get(self, path: str, reader: Reader, params: dict | None = None) -> dict | None:
        resp = self.transport.request("GET", SERVICE, path, params=params,
                                      headers=as_reader(reader.user, reader.scopes))
        if resp.status_code in (401, 403, 404):
            return None
        resp.raise_for_status()
        return json_if_ok(resp)

    def stream_status(self, uri: str, reader: Reader) -> dict | None:
        return self._get(STREAM_STATUS, reader, {"uri": uri})

    def home_entry(self, seq: int, reader: Reader) -> dict | None:
        return self._get(path_of(STREAM_HOME, seq=str(seq)), reader)

    def notification(self, number: str, reader: Reader) -> dict | None:
        return self._get(path_of(STREAM_NOTIFICATION, number=number), reader)

    def status_id(self, uri: str, reader: Reader) -> str | None:
        found = self._get(STREAM_STATUS_ID, reader, {"uri": uri})
        return found.get("id") if found else None
