"""Reading JSON from outside: the one loader of every request body (and fetched document).

It refuses, with a short code, what the node could not store and read back, or that
no ActivityStreams document needs: nesting deeper than ``MAX_DEPTH``, integers outside
the signed 64-bit range (BSON has no larger integer), ``NaN``/``Infinity`` (not JSON,
RFC 8259 §6), lone surrogates in strings or keys (not UTF-8, RFC 8259 §8.2) and NUL in
keys (BSON keys are C strings). Keys starting with ``$`` or containing ``.`` are legal
JSON-LD that other servers send; they are accepted, and ``fedkit.runtime.db.JSONDictField``
stores them losslessly.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import abort, request

MAX_DEPTH = 64  # ActivityStreams documents nest a few levels; BSON itself stops at 100
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class JSONInputError(ValueError):
    """A body that is not JSON (400) or JSON the node refuses to keep (422)."""

    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code = code
        self.status = status


def _refuse_constant(name: str):
    raise JSONInputError("non_finite_number", f"{name} is not a JSON number")


def loads(data: bytes | str) -> Any:
    """Parse ``data`` as JSON and check it (``check``); raises JSONInputError."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except JSONInputError:
        raise
    except RecursionError:  # the C parser recurses per level; the limit is far above MAX_DEPTH
        raise JSONInputError("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        raise JSONInputError("malformed_json", f"body is not valid JSON: {exc}", 400) from None
    check(value)
    return value


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800…\udfff), from an escape or surrogatepass
        return False
    return True


def check(value: Any) -> None:
    """Walk a parsed value without recursion; raise JSONInputError on what cannot be kept."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise JSONInputError("too_deep", f"JSON nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    if "\x00" in key:
                        raise JSONInputError("nul_in_key", "object keys must not contain NUL")
                    if not _utf8(key):
                        raise JSONInputError("lone_surrogate", "a key holds a lone UTF-16 surrogate")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if not _utf8(item):
                raise JSONInputError("lone_surrogate", "a string holds a lone UTF-16 surrogate")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise JSONInputError("integer_out_of_range", "integers must fit in 64 bits")
        elif isinstance(item, float) and not math.isfinite(item):
            raise JSONInputError("non_finite_number", "numbers must be finite")


def request_json(*, required: bool = True) -> Any:
    """The current request's JSON body, checked; a JSON error response otherwise (it aborts).

    ``required=False``: an empty or non-JSON body (a form) gives ``{}``, for endpoints
    that take either. A present body must be a JSON object either way."""
    # Imported here: fedkit.runtime.responses imports fedkit.protocol.vocab, which imports this module.
    from fedkit.runtime.responses import error

    body = request.get_data(cache=True)
    if not body.strip() or not request.is_json:
        if not required:
            return {}
        if not body.strip():
            abort(error(400, "body_missing", "send a JSON object"))
        abort(error(415, "unsupported_media_type", "send the body as application/json"))
    try:
        value = loads(body)
    except JSONInputError as exc:
        abort(error(exc.status, exc.code, str(exc)))
    if not isinstance(value, dict):
        abort(error(400, "not_an_object", "the body must be a JSON object"))
    return value


def string_value(value: Any) -> str:
    """A value from a request used in a database query: a string, never an operator
    document (``{"$ne": null}``) or any other type; anything else is the empty string."""
    return value if isinstance(value, str) else ""
