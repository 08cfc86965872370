"""One home for Cypher: outside ``cypher/`` (and the tests), no Python string holds a Cypher statement.

Analysts' queries are ``cypher/*.cypher``; internal statements are named constants in
``cypher/internal/*.py``. This scans the string constants (f-string parts included, docstrings
excluded) of every other ``.py`` file of the repository with ``ast`` and fails naming file:line.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Top-level folders that may hold Cypher, and folders that are not the project's code.
ALLOWED = {"cypher", "tests"}
SKIPPED = {".git", ".venv", "venv", "build", "dist", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}

# Clauses that only a Cypher statement contains (upper case, with the syntax that follows them).
CYPHER = re.compile(
    r"\bMATCH\s*\("
    r"|\bMATCH\s+\w+\s*=\s*\("
    r"|\bOPTIONAL\s+MATCH\b"
    r"|\bMERGE\s*\("
    r"|\bUNWIND\s+[\[$\w]"
    r"|\bCALL\s+(db|dbms|apoc|gds)\.\w"
    r"|\bCALL\s*\(\w*\)\s*\{"
    r"|\bCREATE\s+(CONSTRAINT|(VECTOR\s+|TEXT\s+|FULLTEXT\s+|RANGE\s+|POINT\s+)?INDEX)\b"
    r"|\bDETACH\s+DELETE\b"
    r"|\bSHOW\s+(INDEXES|CONSTRAINTS)\b"
    r"|\bRETURN\s+[\w.()*]+\s+AS\s+\w"
)


def python_files() -> Iterator[Path]:
    """Every .py file of the repository outside ``cypher/`` and ``tests/``; symlinked folders not followed
    (``shopgraph/graphstore`` and friends link to the top-level folders, which are scanned themselves)."""
    for folder, dirs, files in os.walk(ROOT, followlinks=False):
        here = Path(folder)
        top = here.relative_to(ROOT).parts[:1]
        dirs[:] = [
            d
            for d in dirs
            if d not in SKIPPED
            and not d.endswith(".egg-info")
            and not (here / d).is_symlink()
            and not (here == ROOT and d in ALLOWED)
        ]
        if top and top[0] in ALLOWED:
            continue
        yield from (here / f for f in files if f.endswith(".py"))


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def cypher_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string constant or f-string in ``source`` that holds Cypher (docstrings excluded)."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings or id(node) in inside_fstrings:
                continue
            text = node.value
        else:
            continue
        if CYPHER.search(text):
            hits.append((node.lineno, " ".join(text.split())[:80]))
    return hits


def test_the_scan_finds_statements_and_passes_prose() -> None:
    source = '''
"""Module docstring: MATCH (p:Product) RETURN p.id AS id is an example here."""
WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
label = "Product"
COUNT = f"MATCH (n:{label}) RETURN count(n) AS n"
PATH = f"MATCH path = (:Product {{id: {label}}})-[]->() RETURN path"
INDEX = "CREATE VECTOR INDEX x IF NOT EXISTS FOR (n:Image) ON n.embedding"
AWAIT = "CALL db.awaitIndexes(300)"
message = "writing rows failed; re-running the same input is safe (every write is a MERGE)"
frame = "MATCH path"
def f():
    """UNWIND $rows AS row MERGE (n:X {id: row.id})"""
    return "the match between a photo and a product"
'''
    assert [line for line, _ in cypher_strings(source)] == [3, 5, 6, 7, 8]


def test_no_python_file_outside_cypher_holds_a_cypher_statement() -> None:
    files = list(python_files())
    scanned = {p.relative_to(ROOT).parts[0] for p in files}
    assert {"graphstore", "vision", "relational", "assistant", "cli", "bench", "shopgraph"} <= scanned
    assert not any(p.relative_to(ROOT).parts[0] in ALLOWED for p in files)
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in files
        for line, text in cypher_strings(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "Cypher outside cypher/ (move it to cypher/internal/ as a named constant):\n" + "\n".join(found)
