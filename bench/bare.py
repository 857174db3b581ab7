"""The yardstick of ``make bench``: bare Flask endpoints run under exactly the gunicorn
settings of a node's processes — (1) one that reads the body and answers 202, (6) one that
answers a home timeline page's JSON (the file ``BENCH_BARE_JSON`` names, as the real
endpoint answered it). Each path's rate is reported as a ratio of its yardstick's, measured
in the same run with the same load, so that the figure says what Archipel's work costs on
this machine."""

from __future__ import annotations

import os

from flask import Flask, Response, request


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/inbox")
    def inbox():
        request.get_data()
        return "", 202

    page = open(os.environ["BENCH_BARE_JSON"], "rb").read() if os.environ.get("BENCH_BARE_JSON") else b"[]"

    @app.get("/api/v1/timelines/home")
    def home():
        return Response(page, mimetype="application/json")

    return app
