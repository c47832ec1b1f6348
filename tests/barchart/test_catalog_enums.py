"""The spec's code enums are exactly the catalog's codes, and the generator reproduces them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from events_mock.barchart.catalog import CATALOG_PATH, load_catalog

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "barchart-events.yaml"


def test_enums_match_catalog() -> None:
    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    catalog = load_catalog()
    assert schemas["CustomerCode"]["enum"] == list(catalog.customers)
    assert schemas["ProductCode"]["enum"] == list(catalog.products)
    assert schemas["EventTypeCode"]["enum"] == list(catalog.context_keys)
    assert "ENTITLEMENTS_AUTHORIZATION_FAILED" in schemas["EventTypeCode"]["enum"]
    assert len(schemas["EventTypeCode"]["enum"]) == 220


def test_generator_output_is_what_the_spec_holds(tmp_path: Path, monkeypatch) -> None:
    module_spec = importlib.util.spec_from_file_location(
        "generate_catalog_enums", ROOT / "scripts" / "generate_catalog_enums.py"
    )
    generator = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(generator)
    copy = tmp_path / "spec.yaml"
    copy.write_text(SPEC.read_text())
    monkeypatch.setattr(generator, "SPEC", copy)
    monkeypatch.setattr(generator, "CATALOG", CATALOG_PATH)
    generator.main()
    assert copy.read_text() == SPEC.read_text()
