"""The two representations of a result list, and picking one from an `Accept` header.

JSON is the records as they are. XML follows what a JAXB binding (what the real service is
built on) writes, so an XML client sees familiar documents: root `<events>`, one `<event>`
per record, one element per field, list fields as repeated elements named after the field,
null fields left out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

JSON = "application/json"
XML = "application/xml"

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_NAME = re.compile(r"[A-Za-z_][\w.-]*\Z")


def events_to_xml(records: Iterable[Mapping[str, Any]]) -> str:
    root = ET.Element("events")
    for record in records:
        _append(root, "event", record)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode")


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, list):
        for item in value:
            _append(parent, tag, item)
        return
    if _XML_NAME.match(tag) and not tag.lower().startswith("xml"):
        element = ET.SubElement(parent, tag)
    else:  # a key from an `extension` map that is no XML name: keep it as an attribute
        element = ET.SubElement(parent, "entry", key=_text(tag))
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, str(key), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _text(str(value))


def _text(text: str) -> str:
    """XML 1.0 cannot carry some control characters at all, even escaped: replace them."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


def choose_media_type(accept: str | None, offered: Sequence[str] = (JSON, XML)) -> str | None:
    """The offered type the client prefers most (RFC 9110 q-values), None if it accepts none.

    A missing or empty header accepts anything. Each offered type takes the q-value of the
    most specific range that covers it; ties go to the order of `offered` (JSON first).
    """
    if accept is None or not accept.strip():
        return offered[0] if offered else None
    ranges = [parsed for part in accept.split(",") if (parsed := _parse_range(part))]
    best, best_q = None, 0.0
    for media_type in offered:
        q = _quality(media_type, ranges)
        if q > best_q:
            best, best_q = media_type, q
    return best


def _parse_range(part: str) -> tuple[str, str, float] | None:
    pieces = [piece.strip() for piece in part.split(";")]
    full_type, params = pieces[0].lower(), pieces[1:]
    if full_type.count("/") != 1:
        return None
    main, sub = full_type.split("/")
    q = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                q = 0.0
    return main, sub, q


def _quality(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    main, sub = media_type.split("/")
    best_specificity, q = -1, 0.0
    for range_main, range_sub, range_q in ranges:
        if range_main == main and range_sub == sub:
            specificity = 2
        elif range_main == main and range_sub == "*":
            specificity = 1
        elif range_main == "*" and range_sub == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, q = specificity, range_q
    return q
