"""XML rendering and content negotiation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from events_mock.billing.dataset import BillingDataset
from events_mock.billing.render import JSON, XML, choose_media_type, events_to_xml


def test_xml_has_one_event_per_record(small_data: BillingDataset) -> None:
    records = list(small_data.records[:25])
    text = events_to_xml(records)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><events>')
    root = ET.fromstring(text)
    assert root.tag == "events"
    events = root.findall("event")
    assert [e.findtext("id/id") for e in events] == [r["id"]["id"] for r in records]
    assert [int(e.findtext("created")) for e in events] == [r["created"] for r in records]


def test_xml_fields_lists_and_nulls(data: BillingDataset) -> None:
    record = next(r for r in data if r["taxJurisdictions"] and r["serviceRef"] is None)
    event = ET.fromstring(events_to_xml([record])).find("event")
    assert event.find("serviceRef") is None and event.find("extension") is None
    assert event.find("id/uri") is None
    assert event.findtext("eventType") == record["eventType"]
    assert float(event.findtext("amount")) == pytest.approx(record["amount"])
    assert len(event.findall("taxJurisdictions")) == len(record["taxJurisdictions"])
    assert [j.findtext("name") for j in event.findall("taxJurisdictions")] == [
        j["name"] for j in record["taxJurisdictions"]
    ]
    assert event.find("rumMap") is None  # an empty list is no element, as in JAXB
    assert len(event.findall("balanceImpacts")) == len(record["balanceImpacts"])


def test_empty_result_is_an_empty_root() -> None:
    assert ET.fromstring(events_to_xml([])).tag == "events"
    assert list(ET.fromstring(events_to_xml([]))) == []


def test_awkward_values_still_make_well_formed_xml() -> None:
    record = {
        "message": "a<b & \x00c",
        "flag": True,
        "extension": {"1st key": "v", "ok": {"deep": [1, 2]}},
    }
    event = ET.fromstring(events_to_xml([record])).find("event")
    assert event.findtext("message") == "a<b & \ufffdc"
    assert event.findtext("flag") == "true"
    assert event.find("extension/entry").get("key") == "1st key"
    assert [d.text for d in event.findall("extension/ok/deep")] == ["1", "2"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/xml", XML),
        ("application/*", JSON),
        ("text/html, application/xml;q=0.9, */*;q=0.1", XML),
        ("application/json;q=0.5, application/xml", XML),
        ("application/xml;q=0.5, application/json;q=0.5", JSON),
        ("*/*;q=0.2, application/json;q=0", XML),
        ("APPLICATION/XML", XML),
        ("text/csv", None),
        ("application/json;q=0", None),
        ("application/xml;q=abc", None),
        ("nonsense", None),
        ("text/*", None),
    ],
)
def test_choose_media_type(accept: str | None, chosen: str | None) -> None:
    assert choose_media_type(accept) == chosen
