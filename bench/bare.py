"""The yardstick of ``make bench`` (1): a bare Flask endpoint that reads the body and
answers 202, run under exactly the gunicorn settings of a node's processes. The inbox
path's rate is reported as a ratio of this one, measured in the same run with the same
signed load, so that the figure says what Archipel's work costs on this machine."""

from __future__ import annotations

from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/inbox")
    def inbox():
        request.get_data()
        return "", 202

    return app
