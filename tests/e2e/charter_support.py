"""A usage charter for the shared test group (tests/plugin.py): the group registry every
member node reads names a charter file; the nodes see each change on their next request
(they stat the files). The suite's group has no charter: ``group_charter`` puts one in
force for one test and takes it away after, so no other test meets a charter to accept."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def charter_in_force(group):
    """Yields ``write(text)``: that text becomes the group's charter (a new version)."""
    registry = Path(group["fr"].node.env["ARCHIPEL_GROUP_REGISTRY"])
    original = registry.read_text(encoding="utf-8")
    charter = registry.with_name(f"charter-{uuid.uuid4().hex[:8]}.md")

    def write(text: str) -> None:
        charter.write_text(text, encoding="utf-8")
        data = json.loads(original)
        data["charter"] = charter.name  # relative to the registry's folder
        registry.write_text(json.dumps(data), encoding="utf-8")

    try:
        yield write
    finally:
        registry.write_text(original, encoding="utf-8")
        charter.unlink(missing_ok=True)


@pytest.fixture
def group_charter(group):
    with charter_in_force(group) as write:
        yield write
