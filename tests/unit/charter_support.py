"""A usage charter for the in-process node (tests/inprocess.py): its group registry names a
charter file for the test, and is restored after it."""

from __future__ import annotations

import json
from contextlib import contextmanager


@contextmanager
def charter_writer(node, folder, label: str):
    """Yields ``write(text)``: the charter in force becomes ``text`` (plus ``label``, so that
    each test has its own versions and no process memo of another test applies)."""
    registry = node.config.group_registry
    with open(registry, encoding="utf-8") as fh:
        original = fh.read()

    def write(text: str) -> None:
        charter = folder / "charter.md"
        charter.write_text(f"{text}\n\n({label})\n", encoding="utf-8")
        data = json.loads(original)
        data["charter"] = str(charter)
        with open(registry, "w", encoding="utf-8") as fh:
            json.dump(data, fh)

    try:
        yield write
    finally:
        with open(registry, "w", encoding="utf-8") as fh:
            fh.write(original)
