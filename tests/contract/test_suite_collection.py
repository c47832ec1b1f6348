"""`pytest contract_tests` collects every test the suite's modules define, with no list kept.

The suite's modules are read with `ast` for the tests they define (top-level `test_*`
functions and `Test*` classes, `@built_from_run` builders included); collecting
`contract_tests/` must give every one of them, so a test added to a suite module runs under
plain pytest without being listed anywhere.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from events_mock.contract.plugin import SUITE_DIR

ROOT = Path(__file__).resolve().parents[2]


def defined_tests() -> set[tuple[str, str]]:
    """(suite module, test name) for every top-level test the suite's modules define."""
    found = set()
    for path in SUITE_DIR.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            is_def = isinstance(node, (ast.FunctionDef, ast.ClassDef))
            if is_def and node.name.lower().startswith("test"):
                found.add((path.stem, node.name))
    return found


class Collected:
    """Every item collected, before the run drops what its API does not take."""

    def __init__(self) -> None:
        self.tests: set[tuple[str, str]] = set()

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        node: pytest.Node = item
        while node.parent is not None and not isinstance(node.parent, pytest.Module):
            node = node.parent
        module = node.parent
        assert isinstance(module, pytest.Module)
        self.tests.add((module.path.stem, node.name.split("[", 1)[0]))


def test_contract_tests_collect_every_test_of_the_suite() -> None:
    collected = Collected()
    code = pytest.main(
        [
            str(ROOT / "contract_tests"),
            "--collect-only",
            "-q",
            "-c",
            os.devnull,
            "--rootdir",
            str(ROOT),
            "--disable-plugin-autoload",
            "-p",
            "schemathesis.pytest.plugin",
            "-p",
            "no:cacheprovider",
            # Barchart: the API whose suite takes every generic module (its spec has links).
            "--api",
            "barchart",
            "--max-examples",
            "1",
            "--seed",
            "1",
        ],
        plugins=[collected],
    )
    assert code == pytest.ExitCode.OK
    defined = defined_tests()
    assert {module for module, _ in defined} == {
        path.stem for path in SUITE_DIR.glob("*.py") if path.name != "__init__.py"
    }
    assert collected.tests == defined
