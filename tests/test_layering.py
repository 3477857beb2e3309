"""The floor plan, checked on every run: the import-linter contracts in pyproject.toml (who may
import whom), and modules short enough to read in one sitting."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 450


def _packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages: list[str] = config["tool"]["mypy"]["packages"]
    return packages


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


def test_every_package_is_under_the_contracts() -> None:
    """A new part is added to the contracts (and to mypy's list) when it is added to the tree."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = set(config["tool"]["importlinter"]["root_packages"])
    assert roots == set(_packages())
    found = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert found == roots, f"packages not under the contracts: {sorted(found - roots)}"


def test_no_module_is_longer_than_one_sitting() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for package in _packages()
        for path in (ROOT / package).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_no_assert_on_request_paths() -> None:
    """The HTTP layer (every module of ``cti/api`` serves requests) checks what it is sent with
    errors that become a 4xx; an ``assert`` there would be a 500, or nothing under ``python -O``."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "cti" / "api").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert not found, f"assert on a request path: {found}"
