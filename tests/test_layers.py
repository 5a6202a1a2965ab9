"""The layers hold: each "never" rule of DESIGN.md's picture, checked on every import.

inventory is the ground floor and imports nothing above it; sterility imports neither
reports nor the faces; reports imports no face; the two faces (ui/ and commands/) never
import each other; Qt lives only in ui/ and main.py; and ui/ holds no SQL. A broken rule
fails with the file, the line and the import (or query) that broke it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "shiboken6")
NEVER: dict[str, tuple[str, ...]] = {
    "inventory": ("sterility", "reports", "ui", "commands", "main", *QT),
    "sterility": ("reports", "ui", "commands", "main", *QT),
    "reports": ("ui", "commands", "main", *QT),
    "commands": ("ui", "main", *QT),
    "ui": ("commands", "main"),
}
# SQL keywords as SQL is written here (upper case), in the shapes of a statement.
SQL_TEXT = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b", re.S
)
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "exists", "union"}


@dataclass(frozen=True)
class Import:
    file: str
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} imports {self.module}"


def imports_of(path: Path) -> list[Import]:
    """Every absolute import in a file, at module level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(name, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(Import(name, node.lineno, node.module))
    return found


def broken_rules(package: str, files: list[Path]) -> list[str]:
    forbidden = NEVER[package]
    return [
        str(found)
        for path in files
        for found in imports_of(path)
        if found.module.split(".")[0] in forbidden
    ]


def sql_in(path: Path) -> list[str]:
    """SQL text in string constants, and SQLAlchemy query builders, in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL_TEXT.search(node.value):
                problems.append(f"{name}:{node.lineno} holds SQL text {node.value[:40]!r}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            builders = {a.name for a in node.names} & SQL_BUILDERS
            if builders:
                problems.append(f"{name}:{node.lineno} imports {sorted(builders)} from sqlalchemy")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "select"
        ):
            problems.append(f"{name}:{node.lineno} builds a query with select(")
    return problems


def _python_files(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    return files


@pytest.mark.parametrize("package", sorted(NEVER))
def test_no_package_imports_what_its_floor_never_may(package: str) -> None:
    assert broken_rules(package, _python_files(package)) == []


def test_qt_is_only_in_ui_and_main() -> None:
    app_files = [*Path(ROOT).glob("*.py"), *(p for d in NEVER for p in _python_files(d))]
    outside = [
        str(found)
        for path in app_files
        if path.name != "main.py" and path.relative_to(ROOT).parts[0] != "ui"
        for found in imports_of(path)
        if found.module.split(".")[0] in QT
    ]
    assert outside == []


def test_ui_holds_no_sql() -> None:
    """Queries and rules live in the domain; the screens keep columns, paging, printing."""
    assert [problem for path in _python_files("ui") for problem in sql_in(path)] == []


@pytest.mark.parametrize(
    ("package", "source", "broken"),
    [
        ("inventory", "from sterility.chair import use_unit\n", "sterility.chair"),
        ("sterility", "def f():\n    import reports.export\n", "reports.export"),
        ("reports", "from ui.fmt import mm\n", "ui.fmt"),
        ("ui", "from commands.context import default_actor\n", "commands.context"),
        ("commands", "from PySide6.QtWidgets import QLabel\n", "PySide6.QtWidgets"),
    ],
)
def test_the_check_names_the_import_that_broke_a_rule(
    tmp_path: Path, package: str, source: str, broken: str
) -> None:
    sample = tmp_path / "leak.py"
    sample.write_text(source)
    [problem] = broken_rules(package, [sample])
    assert problem.endswith(f"imports {broken}") and "leak.py:" in problem


def test_the_check_finds_sql_in_a_screen(tmp_path: Path) -> None:
    sample = tmp_path / "screen.py"
    sample.write_text(
        "from sqlalchemy import select\n"
        "q = select(1)\n"
        "raw = 'SELECT id FROM unit WHERE code = ?'\n"
        "label = 'Select a product'\n"
    )
    assert [p.split(" ", 1)[1] for p in sql_in(sample)] == [
        "imports ['select'] from sqlalchemy",
        "builds a query with select(",
        "holds SQL text 'SELECT id FROM unit WHERE code = ?'",
    ]
