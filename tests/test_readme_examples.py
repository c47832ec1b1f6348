"""The README's control-plane examples, run exactly as written there.

Each ```python block of the section that defines tests is a complete test module: it is
written to a file and run by pytest with the events-mock plugin, as a client team would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests._support import PLUGIN_ARGS

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "## Control plane and client test kit"


def section_blocks() -> list[str]:
    text = README.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


EXAMPLES = [block for block in section_blocks() if re.search(r"^def test_", block, re.M)]


def test_the_section_has_the_five_examples() -> None:
    assert len(EXAMPLES) == 5


def test_every_snippet_is_valid_python() -> None:
    for block in section_blocks():
        compile(block, "README.md", "exec")


@pytest.mark.parametrize(
    "code",
    EXAMPLES,
    ids=["retry-503", "polling-clock", "expired-link", "collector-fault", "billing-scenario"],
)
def test_readme_example(code: str, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_example=code)
    result = pytester.runpytest_inprocess(*PLUGIN_ARGS, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", code, re.M)))
