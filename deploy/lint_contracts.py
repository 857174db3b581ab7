"""`make lint`'s checks of the service contracts that import-linter cannot make.

1. No internal path is written, and no service is called on the raw transport, outside
the contracts. Internal paths (``/internal/...``) are declared once, in ``fedkit/contracts/``: the
server side routes on those constants and every caller goes through a contract's
typed client. This check reads the application packages' string literals (docstrings
and comments may still name a path) and fails on any other that holds one, and on any
call of the transport (``request``/``get_json``/``post_json``) naming a service. The tests
are not checked: they call the wire contract directly on purpose, to pin it.
2. Every module that declares routes (a Flask ``Blueprint``) is listed in the
import-linter contract that protects HTTP modules, so a new one cannot slip past it.
Import boundaries themselves are checked by import-linter ([tool.importlinter] in
pyproject.toml).

    python -m deploy.lint_contracts [ROOT]
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ("fedkit", "services", "gateway", "deploy")
ALLOWED = Path("fedkit/contracts")
INTERNAL_PATH = re.compile(r"/internal(/|$)")
SERVICES = frozenset({"identity", "inbox", "outbox", "communities", "api"})
# The transport's methods (fedkit.runtime.internal.InternalClient) and where they take the service.
TRANSPORT_CALLS = {"request": 1, "get_json": 0, "post_json": 0}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string nodes that are docstrings (of a module, class or function)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                found.add(id(body[0].value))
    return found


def _raw_service_call(node: ast.AST) -> str | None:
    """The service named by a call such as ``internal.get_json("inbox", path)``, if it is one."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    position = TRANSPORT_CALLS.get(node.func.attr)
    if position is None or len(node.args) <= position:
        return None
    arg = node.args[position]
    if isinstance(arg, ast.Constant) and arg.value in SERVICES:
        return arg.value
    return None


def violations_in(source: str, filename: str = "<source>") -> Iterator[tuple[int, str]]:
    """(line, what) for each string literal in ``source`` that holds an internal path and
    each call of the raw transport that names a service."""
    tree = ast.parse(source, filename)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                and INTERNAL_PATH.search(node.value):
            yield node.lineno, f"internal path {node.value!r}"
        service = _raw_service_call(node)
        if service is not None:
            yield node.lineno, f"{node.func.attr}() on the {service} service"


def violations(root: Path) -> list[str]:
    out = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if relative.is_relative_to(ALLOWED):
                continue
            for line, what in violations_in(path.read_text(encoding="utf-8"), str(relative)):
                out.append(f"{relative}:{line}: {what} outside fedkit/contracts (use the service's typed client)")
    return out


def _declares_routes(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "Blueprint":
                return True
    return False


def unprotected_http_modules(root: Path) -> list[str]:
    config = tomllib.loads((root / "pyproject.toml").read_text())
    contracts = config.get("tool", {}).get("importlinter", {}).get("contracts", [])
    protected = {m for c in contracts if c["type"] == "protected" for m in c["protected_modules"]}
    out = []
    for path in sorted((root / "services").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        if module not in protected and _declares_routes(path.read_text(encoding="utf-8")):
            out.append(f"{path.relative_to(root)}: declares routes but is not in the protected HTTP "
                       "modules of [tool.importlinter] (pyproject.toml)")
    return out


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    paths, http = violations(root), unprotected_http_modules(root)
    for line in paths + http:
        print(line)
    print(f"internal calls outside fedkit/contracts: {len(paths)}; HTTP modules not protected: {len(http)}")
    return 1 if paths or http else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
