"""Cells of the CSV exports (audit trails, usage figures).

A spreadsheet runs a cell that starts with one of ``FORMULA_START`` as a formula (OWASP
"CSV Injection"): such a cell gets a leading quote and is shown as text."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
