"""Logging set-up shared by every process: one line per record, process name first."""

from __future__ import annotations

import logging
import os

from fedkit.runtime.config import Config


def setup_logging(process: str, config: Config) -> None:
    level = os.environ.get("ARCHIPEL_LOG_LEVEL", "INFO").upper()
    root = logging.getLogger()
    if getattr(root, "_archipel_configured", False):
        return
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s {config.node_name}/{process} %(levelname)s %(name)s: %(message)s",
    )
    root._archipel_configured = True  # type: ignore[attr-defined]
