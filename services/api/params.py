"""A method's parameters as apps send them: a form (most apps, with Rails' ``a[]`` and
``a[b]`` names) or a JSON body (Mastodon accepts both; Mastodon.py sends JSON when a
status carries a poll)."""

from __future__ import annotations

from flask import request

from fedkit.protocol.jsonbody import request_json


def flat_params() -> dict:
    """The parameters with each form field once (its last value): for methods whose fields
    are scalars, or that read a list themselves with ``request.form.getlist``."""
    if request.is_json:
        data = request_json(required=False)
        return data if isinstance(data, dict) else {}
    return request.form.to_dict()


def params() -> dict:
    """The parameters as one dict: a JSON body as it is; a form's fields, those named ``a[]``
    as lists under ``a`` and ``a[b]`` under ``a`` as a dict (Rails' nested parameters)."""
    if request.is_json:
        data = request_json(required=False)
        return data if isinstance(data, dict) else {}
    out: dict = {}
    for name in request.form:
        values = request.form.getlist(name)
        if "[" in name and name.endswith("]"):
            outer, rest = name.split("[", 1)
            inner = rest[:-1]
            if inner == "":
                out[outer] = values
            else:  # a[b] or a[b][]
                key, _, tail = inner.partition("][")
                nested = out.setdefault(outer, {})
                if isinstance(nested, dict):
                    nested[key] = values if tail == "" and name.endswith("[]") else values[-1]
        else:
            out[name] = values[-1]
    return out


def flag(value) -> bool:
    """A boolean parameter (``true``, ``1``, ``on``; Mastodon.py sends ``1``/``0``)."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "on"))


def listed(name: str) -> list[str]:
    """A list parameter of a query: ``types[]=a&types[]=b`` as Mastodon.py sends it, or ``types=a``."""
    return [v for v in request.args.getlist(f"{name}[]") + request.args.getlist(name) if v]
