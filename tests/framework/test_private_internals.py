"""No module outside `events_mock.framework` touches a private Connexion/Starlette/uvicorn name.

The check reads the source (ast), it does not run it. It is pragmatic rather than complete:
it flags what a change is likely to bring in, namely

- an import of a private module or name (`from connexion.x import _y`, `import uvicorn._x`);
- a private attribute reached from a framework name (`connexion.x._y`, `SomeClass._y`);
- the private members this project is known to use (`PRIVATE_MEMBERS`), on any object;
- in a class built on a framework class: defining or reading (`self._x`, `super()._x`) a
  private member that the framework class has;
- reaching the server's object behind a callable it passed (`send.__self__`, as
  `framework.connection` does with uvicorn's request-response cycle).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "events_mock"
FRAMEWORK = PACKAGE / "framework"
SCANNED = [PACKAGE, ROOT / "bench"]
FRAMEWORKS = ("connexion", "starlette", "uvicorn", "_pytest")
PRIVATE_MEMBERS = frozenset(
    {
        "_get_body_argument",
        "_get_val_from_param",
        "_infer_content_type",
        "_uri_parser_class",
        "_validator_map",
        "_resolve_func",
        "_get_verify_func",
        "_accepts_kwarg",
        "_middleware_app",
        "_parse",
        "_validate",
    }
)
"""Private members of Connexion that `events_mock.framework` uses (see its docstring)."""


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_framework(module: str) -> bool:
    return module.split(".", 1)[0] in FRAMEWORKS


def framework_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the framework module or object it was imported as."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_framework(alias.name):
                    local = alias.asname or alias.name.split(".", 1)[0]
                    names[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module and is_framework(node.module):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def resolve(qualified: str) -> object | None:
    """The framework object a dotted name stands for, or None if it cannot be imported."""
    module, _, attribute = qualified.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError, ValueError):
        try:
            return importlib.import_module(qualified)
        except ImportError:
            return None


@functools.cache
def private_members(cls: type) -> frozenset[str]:
    """The private names a framework class and its framework bases have, including instance
    attributes (`self._x = ...` in their source)."""
    names = {name for name in dir(cls) if is_private(name)}
    for klass in cls.__mro__:
        if not is_framework(klass.__module__):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and is_private(node.attr)
            ):
                names.add(node.attr)
    return frozenset(names)


def attribute_chain(node: ast.Attribute) -> tuple[ast.expr, list[str]]:
    """`a.b.c` -> (`a`, ["b", "c"])."""
    chain: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        chain.append(current.attr)
        current = current.value
    return current, chain[::-1]


def violations(source: str, where: str = "<source>") -> Iterator[str]:
    """Every private framework name `source` touches, as `where:line: what`."""
    tree = ast.parse(source)
    imported = framework_names(tree)
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_framework(alias.name) and any(map(is_private, alias.name.split("."))):
                    yield f"{line}: imports {alias.name}"
        elif isinstance(node, ast.ImportFrom) and node.module and is_framework(node.module):
            if any(map(is_private, node.module.split("."))):
                yield f"{line}: imports from {node.module}"
            for alias in node.names:
                if is_private(alias.name):
                    yield f"{line}: imports {alias.name} from {node.module}"
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name in PRIVATE_MEMBERS:
                yield f"{line}: defines {node.name}"
        elif isinstance(node, ast.Call) and _is_getattr_of(node, "__self__"):
            yield f"{line}: reaches the server object behind a callable (__self__)"
        elif isinstance(node, ast.Attribute):
            if node.attr == "__self__":
                yield f"{line}: reaches the server object behind a callable (__self__)"
                continue
            if node.attr in PRIVATE_MEMBERS:
                yield f"{line}: uses {node.attr}"
                continue
            root, chain = attribute_chain(node)
            if isinstance(root, ast.Name) and root.id in imported:
                private = [name for name in chain if is_private(name)]
                if private:
                    yield f"{line}: uses {root.id}.{'.'.join(chain)}"
        elif isinstance(node, ast.ClassDef):
            yield from _class_violations(node, imported, where)


def _is_getattr_of(call: ast.Call, name: str) -> bool:
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "getattr"
        and len(call.args) >= 2
        and isinstance(call.args[1], ast.Constant)
        and call.args[1].value == name
    )


def _class_violations(node: ast.ClassDef, imported: dict[str, str], where: str) -> Iterator[str]:
    bases: list[type] = []
    for base in node.bases:
        root, chain = attribute_chain(base) if isinstance(base, ast.Attribute) else (base, [])
        if isinstance(root, ast.Name) and root.id in imported:
            found = resolve(".".join([imported[root.id], *chain]))
            if isinstance(found, type):
                bases.append(found)
    if not bases:
        return

    def private_of_base(name: str) -> bool:
        return is_private(name) and any(name in private_members(base) for base in bases)

    for item in ast.walk(node):
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item in node.body:
            if private_of_base(item.name) and item.name not in PRIVATE_MEMBERS:
                yield f"{where}:{item.lineno}: {node.name} overrides {item.name}"
        elif isinstance(item, ast.Attribute) and private_of_base(item.attr):
            receiver = item.value
            is_self = isinstance(receiver, ast.Name) and receiver.id in ("self", "cls")
            is_super = (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Name)
                and receiver.func.id == "super"
            )
            if is_self or is_super:
                yield f"{where}:{item.lineno}: {node.name} uses {item.attr} of its framework base"


def modules_outside_the_framework() -> list[Path]:
    files = [path for folder in SCANNED for path in sorted(folder.rglob("*.py"))]
    return [path for path in files if FRAMEWORK not in path.parents]


def test_no_module_outside_the_framework_package_touches_framework_internals() -> None:
    found = [
        problem
        for path in modules_outside_the_framework()
        for problem in violations(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == [], "move these into events_mock/framework/:\n" + "\n".join(found)


def test_the_scan_covers_the_source_tree() -> None:
    scanned = {path.relative_to(ROOT).as_posix() for path in modules_outside_the_framework()}
    package = "src/events_mock/"
    expected = {"app.py", "cli.py", "control/api.py", "control/middleware.py", "testing/kit.py"}
    assert {package + name for name in expected} | {"bench/offline.py"} <= scanned
    assert not any(name.startswith(package + "framework/") for name in scanned)


@pytest.mark.parametrize(
    "source",
    [
        "from connexion.decorators.parameter import _get_val_from_param",
        "import uvicorn._types",
        "from starlette._utils import is_async_callable",
        "import connexion\nconnexion.decorators.parameter._get_body_argument",
        "from connexion.decorators.response import AsyncResponseDecorator as R\n"
        "R._infer_content_type(None, {})",
        "def f(operation):\n    return operation._uri_parser_class",
        "from connexion.security import BearerSecurityHandler\n"
        "class C(BearerSecurityHandler):\n"
        "    def _resolve_func(self, scheme):\n        return None",
        "from connexion.security import BasicSecurityHandler\n"
        "class C(BasicSecurityHandler):\n"
        "    def check(self, request):\n        return self._get_verify_func(None)",
        "from connexion.middleware import request_validation\n"
        "class C(request_validation.RequestValidationOperation):\n"
        "    def go(self):\n        return self._operation",
        "cycle = getattr(send, '__self__', None)",
        "send.__self__.transport.close()",
        "class Checked(base):\n    def _get_verify_func(self, check):\n        return check",
        "from connexion.validators import JSONRequestBodyValidator\n"
        "class C(JSONRequestBodyValidator):\n"
        "    def check(self, body):\n        return super()._validate(body)",
    ],
)
def test_the_scan_finds_private_uses(source: str) -> None:
    assert list(violations(source)), source


@pytest.mark.parametrize(
    "source",
    [
        "from connexion.lifecycle import ConnexionResponse\nConnexionResponse(status_code=204)",
        "class Mine:\n    def _helper(self):\n        return self._state",
        "from connexion.security import BearerSecurityHandler\n"
        "class C(BearerSecurityHandler):\n"
        "    def __init__(self):\n        self._mine = 1",
        "from starlette.responses import Response\nResponse(b'').status_code",
    ],
)
def test_the_scan_leaves_public_uses_alone(source: str) -> None:
    assert list(violations(source)) == [], source


def test_the_framework_package_itself_is_what_the_scan_would_flag() -> None:
    """The check would notice were these modules outside the package (so it can notice)."""
    flagged = {
        path.name
        for path in sorted(FRAMEWORK.glob("*.py"))
        if list(violations(path.read_text(), path.name))
    }
    assert {"operations.py", "validation.py", "security.py", "connection.py"} <= flagged
