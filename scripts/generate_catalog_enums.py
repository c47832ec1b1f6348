"""Regenerate the code enums in spec/barchart-events.yaml from the Barchart catalog.

The real service accepts only the codes its catalog lists, so the spec's enums must match the
catalog exactly. Run after editing `src/events_mock/data/barchart-catalog.json`:

    python scripts/generate_catalog_enums.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "src" / "events_mock" / "data" / "barchart-catalog.json"
SPEC = ROOT / "spec" / "barchart-events.yaml"
BLOCK = re.compile(
    r"(    # BEGIN GENERATED catalog enums.*?\n)(.*?)(    # END GENERATED catalog enums)", re.S
)


def enum_schema(name: str, description: str, codes: list[str]) -> str:
    lines = [
        f"    {name}:",
        f"      title: {name}",
        "      type: string",
        f"      description: {description}",
        "      enum:",
    ]
    lines += [f"        - {code}" for code in codes]
    return "\n".join(lines) + "\n"


def generated_block(catalog: dict) -> str:
    return (
        enum_schema(
            "CustomerCode", "Code of the customer using the software.", catalog["customers"]
        )
        + enum_schema("ProductCode", "Code of the software system.", catalog["products"])
        + enum_schema(
            "EventTypeCode",
            "Code of the event type.",
            [event_type["code"] for event_type in catalog["eventTypes"]],
        )
    )


def main() -> None:
    catalog = json.loads(CATALOG.read_text())
    spec = SPEC.read_text()
    if not BLOCK.search(spec):
        raise SystemExit(f"no generated-enums block found in {SPEC}")
    SPEC.write_text(BLOCK.sub(lambda m: m[1] + generated_block(catalog) + m[3], spec))


if __name__ == "__main__":
    main()
