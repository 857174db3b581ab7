"""The inbox service's moderation contract: the reports it holds (services/inbox/reports.py).
Kept apart from fedkit/contracts/inbox.py, which is the inbox's contract for what users
received; same service, same transport.

A report as these endpoints give it: {"id", "uri", "reporter", "reporter_username",
"target", "status_uris", "comment", "category", "rule_ids", "forwarded", "communities",
"created_at", "updated_at", "assigned_to", "action_taken", "action_taken_at",
"action_taken_by", "outcome"}. The client API checks who is a moderator before it calls.
"""

from __future__ import annotations

from fedkit.contracts import Transport, path_of

SERVICE = "inbox"

# POST {reporter_username, target, status_uris, comment, category, rule_ids, communities,
# forward}: file a local user's report (and forward it); GET ?resolved=&target=&in_community=
# &limit=&max_id=&since_id=: the moderators' queue, newest first (in_community=1: only reports
# about posts addressed to a community, for its moderators).
REPORTS = "/internal/reports"
REPORT = "/internal/reports/<number>"  # GET: one report
REPORT_ASSIGN = "/internal/reports/<number>/assign"  # POST {moderator}: null unassigns
# POST {moderator, action, text, status_uris[, community]}: close it with what was done
# (audited, the author warned, the reporter told); ``community``: where a move took the posts.
REPORT_RESOLVE = "/internal/reports/<number>/resolve"
REPORT_REOPEN = "/internal/reports/<number>/reopen"  # POST {moderator}: back in the queue


class Refused(Exception):
    """The inbox refused (4xx): its status, error code and description."""

    def __init__(self, status: int, code: str, description: str):
        super().__init__(status, code, description)
        self.status, self.code, self.description = status, code, description


class ReportsClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def _call(self, method: str, path: str, **kwargs) -> dict:
        resp = self.transport.request(method, SERVICE, path, **kwargs)
        if 400 <= resp.status_code < 500:
            body = resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else {}
            raise Refused(resp.status_code, str(body.get("error", "refused")),
                          str(body.get("error_description", "")))
        resp.raise_for_status()
        return resp.json()

    def file(self, *, reporter_username: str, target: str, status_uris: list[str], comment: str,
             category: str, rule_ids: list[str], communities: list[str], forward: bool) -> dict:
        return self._call("POST", REPORTS, json={
            "reporter_username": reporter_username, "target": target, "status_uris": status_uris,
            "comment": comment, "category": category, "rule_ids": rule_ids, "communities": communities,
            "forward": forward})

    def queue(self, *, resolved: bool | None = None, target: str | None = None, in_community: bool = False,
              limit: int = 100, max_id: str | None = None, since_id: str | None = None) -> list[dict]:
        params = {"resolved": None if resolved is None else ("1" if resolved else "0"), "target": target,
                  "in_community": "1" if in_community else None, "limit": limit, "max_id": max_id,
                  "since_id": since_id}
        return list(self._call("GET", REPORTS, params={k: v for k, v in params.items() if v is not None})["items"])

    def report(self, number: str) -> dict:
        return self._call("GET", path_of(REPORT, number=number))

    def assign(self, number: str, moderator: str | None) -> dict:
        return self._call("POST", path_of(REPORT_ASSIGN, number=number), json={"moderator": moderator})

    def reopen(self, number: str, moderator: str) -> dict:
        return self._call("POST", path_of(REPORT_REOPEN, number=number), json={"moderator": moderator})

    def resolve(self, number: str, *, moderator: str, action: str, text: str, status_uris: list[str],
                community: str | None = None) -> dict:
        return self._call("POST", path_of(REPORT_RESOLVE, number=number), json={
            "moderator": moderator, "action": action, "text": text, "status_uris": status_uris,
            "community": community})
