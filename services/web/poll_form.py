"""A poll in the composer (up to 4 options, a duration, one or several choices), sent as the
new status's ``poll[...]`` parameters (docs.joinmastodon.org/methods/statuses/#create), and
an option's share of a poll's results. No routes here (polls.py has the vote)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MAX_OPTIONS = 4  # the API's configuration.polls.max_options
# Mastodon web's choices of duration, in seconds (within the API's 5 minutes to a month).
DURATIONS = ((300, _l("5 minutes")), (1800, _l("30 minutes")), (3600, _l("1 hour")), (21600, _l("6 hours")),
             (86400, _l("1 day")), (259200, _l("3 days")), (604800, _l("7 days")))
DEFAULT_DURATION = 86400


class PollProblem(Exception):
    """What is wrong with the composer's poll, for the composer."""


def from_form(form) -> dict:
    """The composer's poll as the form sent it (kept to show again)."""
    options = [(v or "").strip() for v in form.getlist("poll_option")][:MAX_OPTIONS]
    raw = form.get("poll_expires_in", "")
    expires = int(raw) if raw.isdigit() and int(raw) in dict(DURATIONS) else DEFAULT_DURATION
    return {"options": options, "expires_in": expires, "multiple": bool(form.get("poll_multiple"))}


def as_params(poll: dict, with_files: bool) -> dict:
    """The status's ``poll[...]`` parameters (none when no option was written)."""
    titles = [t for t in poll["options"] if t]
    if not titles:
        return {}
    if with_files:  # as on Mastodon: a post carries media or a poll
        raise PollProblem(_("A post carries either files or a poll, not both."))
    if len(titles) < 2:
        raise PollProblem(_("A poll needs at least two options."))
    return {"poll[options][]": titles, "poll[expires_in]": str(poll["expires_in"]),
            "poll[multiple]": "true" if poll["multiple"] else "false"}


def percent(poll: dict, option: dict) -> int:
    """An option's share: of the votes, or of the voters when several choices are allowed
    (as Mastodon's web app shows it)."""
    total = (poll.get("voters_count") if poll.get("multiple") else None) or poll.get("votes_count") or 0
    return round(100 * (option.get("votes_count") or 0) / total) if total else 0
