"""The docs' examples, run exactly as written there.

An example is a ```python block right after a `<!-- example: NAME -->` line, in README.md,
ARCHITECTURE.md or any docs/*.md. Each is a complete test module: it is written to a file and
run by pytest with the events-mock plugin, as a client team would. Every other ```python block
of the docs must at least compile. Moving an example to another doc keeps it tested; dropping
one fails `test_every_known_example_is_still_there`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._support import PLUGIN_ARGS

ROOT = Path(__file__).resolve().parent.parent
MARKED = re.compile(r"^<!-- example: ([\w-]+) -->\n```python\n(.*?)^```", re.M | re.S)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)
KNOWN_EXAMPLES = {
    "readme-kit",
    "retry-503",
    "polling-clock",
    "expired-link",
    "collector-fault",
    "billing-scenario",
    "retry-503-httpx-async",
    "retry-503-aiohttp",
    "polling-clock-httpx-async",
    "expired-link-aiohttp",
    "unmocked-host",
}
"""Examples that must exist somewhere in the docs (more may be added freely)."""


@dataclass(frozen=True)
class Example:
    name: str
    doc: str
    code: str


def doc_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]


def examples() -> list[Example]:
    found = []
    for path in doc_files():
        if path.exists():
            for name, code in MARKED.findall(path.read_text()):
                found.append(Example(name, str(path.relative_to(ROOT)), code))
    return found


EXAMPLES = examples()


def test_every_known_example_is_still_there() -> None:
    missing = KNOWN_EXAMPLES - {example.name for example in EXAMPLES}
    assert not missing, f"examples gone from the docs: {sorted(missing)}"


def test_example_names_are_unique() -> None:
    names = [example.name for example in EXAMPLES]
    assert len(names) == len(set(names))


def test_every_example_is_a_test_module() -> None:
    for example in EXAMPLES:
        assert re.search(r"^def test_", example.code, re.M), f"{example.doc}: {example.name}"


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: path.name)
def test_every_snippet_is_valid_python(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")
    for block in PYTHON_BLOCK.findall(path.read_text()):
        compile(block, str(path), "exec")


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_doc_example(example: Example, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_example=example.code)
    result = pytester.runpytest_inprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", example.code, re.M)))


LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.M)


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a document's headings (outside code blocks)."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in HEADING.findall(prose)
    }


def leads_somewhere(linked: Path, anchor: str) -> bool:
    return not anchor or linked.suffix != ".md" or anchor in anchors(linked.read_text())


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: path.name)
def test_every_link_between_the_docs_resolves(path: Path) -> None:
    """The README is a map: every link in it, and between the docs, must lead somewhere."""
    if not path.exists():
        pytest.skip(f"{path.name} not written yet")
    broken = []
    for target in LINK.findall(path.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not (linked.exists() and leads_somewhere(linked, anchor)):
            broken.append(target)
    assert not broken, f"{path.name}: {broken}"
