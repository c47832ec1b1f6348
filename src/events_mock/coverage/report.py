"""Both sides of one spec on one page: `events-mock coverage client.json verify.json --html F`.

Each documented response is one row: did the client's tests drive it on the mock, was it
verified on the target, or neither. A gap is a row one side (or both) never saw: a client that
never met a 409 has untested error handling, a target never seen giving it has an unproven
promise. The page is one static file (its style inline, no script, nothing fetched), so CI can
keep it as an artifact and anyone can open it; the same comparison is printed as text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from events_mock.coverage.document import CoverageError, merge_documents

__all__ = ["Row", "compare", "render_html", "split_sides", "text_summary"]

DRIVEN, NEVER = "driven", "never"
VERIFIED, FAILED, SEEN = "verified", "failed", "seen"


@dataclass(frozen=True)
class Row:
    api: str
    item: Mapping[str, Any]
    """The documented response (from whichever document lists it)."""
    client: str | None
    """DRIVEN or NEVER; None without a client document."""
    client_count: int
    client_via: Mapping[str, int]
    verify: str | None
    """VERIFIED (seen, every check passed), FAILED (a check failed on it), SEEN (seen, no
    check judged it), NEVER; None without a verify document."""
    verify_count: int
    passed: Mapping[str, int]
    failed: Mapping[str, int]

    @property
    def gap(self) -> bool:
        return self.client == NEVER or self.verify in (NEVER, FAILED)


def split_sides(
    documents: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the mock side's documents merged, the verify side's merged); None for a side absent."""
    client = [document for document in documents if document.get("side") == "mock"]
    proven = [document for document in documents if document.get("side") == "verify"]
    if not client and not proven:
        raise CoverageError("no coverage document given")
    return (
        merge_documents(client, "mock") if client else None,
        merge_documents(proven, "verify") if proven else None,
    )


def compare(client: Mapping[str, Any] | None, proven: Mapping[str, Any] | None) -> list[Row]:
    """One row per documented response of every API either document lists, in spec order."""
    rows: list[Row] = []
    names = sorted({*_called(client), *_called(proven)})
    for name in names:
        mine = _items(client, name)
        theirs = _items(proven, name)
        order = list(mine) + [item_id for item_id in theirs if item_id not in mine]
        for item_id in order:
            seen = mine.get(item_id)
            judged = theirs.get(item_id)
            item = seen or judged
            assert item is not None
            rows.append(_row(name, item, seen, judged, client is not None, proven is not None))
    return rows


def _called(document: Mapping[str, Any] | None) -> list[str]:
    """The APIs a document saw any request of: an API nobody called is no one's gap."""
    apis = (document or {}).get("apis", {})
    return [name for name, api in apis.items() if api.get("requests")]


def _items(document: Mapping[str, Any] | None, api: str) -> dict[str, Mapping[str, Any]]:
    if document is None or api not in document.get("apis", {}):
        return {}
    return {item["id"]: item for item in document["apis"][api]["responses"]}


def _row(
    api: str,
    item: Mapping[str, Any],
    seen: Mapping[str, Any] | None,
    judged: Mapping[str, Any] | None,
    has_client: bool,
    has_verify: bool,
) -> Row:
    client_count = seen["count"] if seen else 0
    verify_count = judged["count"] if judged else 0
    checks = (judged or {}).get("checks") or {"passed": {}, "failed": {}}
    passed, failed = checks.get("passed", {}), checks.get("failed", {})
    if not has_verify:
        verify = None
    elif not verify_count:
        verify = NEVER
    elif failed:
        verify = FAILED
    else:
        verify = VERIFIED if passed else SEEN
    return Row(
        api=api,
        item=item,
        client=(DRIVEN if client_count else NEVER) if has_client else None,
        client_count=client_count,
        client_via=(seen or {}).get("via", {}),
        verify=verify,
        verify_count=verify_count,
        passed=passed,
        failed=failed,
    )


def _name(row: Row) -> str:
    item = row.item
    if item["kind"] == "value":
        return str(item["label"])
    return f"{item['operation']} {item['label']}"


def text_summary(rows: list[Row]) -> list[str]:
    """Per API: how many rows each side saw, then the gaps by name."""
    lines: list[str] = []
    for api in dict.fromkeys(row.api for row in rows):
        mine = [row for row in rows if row.api == api]
        counts = [f"{api}: {len(mine)} documented responses"]
        if mine[0].client is not None:
            counts.append(f"client tests drove {sum(row.client == DRIVEN for row in mine)}")
        if mine[0].verify is not None:
            counts.append(f"verified on target {sum(row.verify == VERIFIED for row in mine)}")
            failed = sum(row.verify == FAILED for row in mine)
            if failed:
                counts.append(f"failed on target {failed}")
        lines.append(", ".join(counts))
        unproven = (NEVER, FAILED)
        groups = {
            "neither": [r for r in mine if r.client == NEVER and r.verify == NEVER],
            "not driven by client tests": [
                r for r in mine if r.client == NEVER and r.verify not in unproven
            ],
            "not verified on target": [r for r in mine if r.client == DRIVEN and r.verify == NEVER],
            "failed on target": [r for r in mine if r.verify == FAILED],
        }
        if mine[0].client is None or mine[0].verify is None:
            groups = {"never": [r for r in mine if r.client == NEVER or r.verify == NEVER]}
        for title, group in groups.items():
            if group:
                lines.append(f"  {title}: " + ", ".join(_name(row) for row in group))
    return lines


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #1d2327; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #dde1e4;
  vertical-align: top; }
td code { color: #50575e; }
.totals { margin: 0.3em 0 0.8em; } .totals span { margin-right: 1.5em; }
th { background: #f3f5f6; position: sticky; top: 0; }
td.state { white-space: nowrap; font-weight: 600; }
.driven, .verified { color: #0a6b2d; } .never { color: #9a3412; }
.failed { color: #b91c1c; } .seen { color: #8a6d00; }
tr.gap { background: #fff4e5; } tr.gap.both { background: #fde2e1; }
.marker { display: inline-block; min-width: 1.2em; font-weight: 700; color: #b45309; }
.checks { color: #50575e; font-size: 0.9em; white-space: nowrap; } code { font-size: 0.95em; }
.legend span { margin-right: 1.5em; }
"""

_CLIENT_TEXT = {DRIVEN: "client tests drove it", NEVER: "never driven"}
_VERIFY_TEXT = {
    VERIFIED: "verified on target",
    FAILED: "failed on target",
    SEEN: "seen, not checked",
    NEVER: "never seen on target",
}


def render_html(rows: list[Row], title: str = "events-mock coverage") -> str:
    """The whole page: a table per API, gaps marked `class="gap"` and with a `!`."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<p class="legend"><span><span class="marker">!</span>a gap: one side never saw it'
        "</span><span>client: what the client's tests drove on the mock</span>"
        "<span>target: what <code>events-mock verify</code> proved on the target</span></p>",
    ]
    for api in dict.fromkeys(row.api for row in rows):
        mine = [row for row in rows if row.api == api]
        gaps = sum(row.gap for row in mine)
        parts.append(
            f'<h2 id="api-{html.escape(api)}">{html.escape(api)}: {len(mine)} documented '
            f"responses, {gaps} gap{'s' if gaps != 1 else ''}</h2>"
        )
        parts.append(
            '<p class="totals">'
            + "".join(f"<span>{html.escape(text)}</span>" for text in _totals(mine))
            + "</p>"
        )
        parts.append(
            f'<table data-api="{html.escape(api)}"><thead><tr><th></th><th>operation</th>'
            "<th>response</th><th>client tests</th><th>target</th><th>checks</th></tr>"
            "</thead><tbody>"
        )
        parts.extend(_html_row(row) for row in mine)
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _totals(rows: list[Row]) -> list[str]:
    texts = []
    if rows[0].client is not None:
        texts.append(f"client tests drove {sum(row.client == DRIVEN for row in rows)}")
    if rows[0].verify is not None:
        texts.append(f"verified on target {sum(row.verify == VERIFIED for row in rows)}")
        failed = sum(row.verify == FAILED for row in rows)
        if failed:
            texts.append(f"failed on target {failed}")
    if rows[0].client is not None and rows[0].verify is not None:
        both = sum(row.client == DRIVEN and row.verify == VERIFIED for row in rows)
        neither = sum(row.client == NEVER and row.verify == NEVER for row in rows)
        texts += [f"both {both}", f"neither {neither}"]
    return texts


def _html_row(row: Row) -> str:
    item = row.item
    both = row.client == NEVER and row.verify in (NEVER, FAILED)
    classes = "gap both" if both else "gap" if row.gap else "covered"
    operation = (
        "any operation"
        if item["kind"] == "value"
        else f"{html.escape(str(item['operation']))} <code>{html.escape(str(item['method']))} "
        f"{html.escape(str(item['path']))}</code>"
    )
    client = _cell(row.client, _CLIENT_TEXT, row.client_count, row.client_via)
    verify = _cell(row.verify, _VERIFY_TEXT, row.verify_count, {})
    checks = ""
    if row.passed:
        names = ", ".join(sorted(row.passed))
        checks = f'<span title="{html.escape(names)}">{len(row.passed)} checks passed</span>'
    if row.failed:
        failed = ", ".join(html.escape(name) for name in sorted(row.failed))
        checks += ("; " if checks else "") + f'<b class="failed">failed: {failed}</b>'
    return (
        f'<tr class="{classes}" data-id="{html.escape(str(item["id"]))}" '
        f'data-client="{row.client or ""}" data-verify="{row.verify or ""}">'
        f'<td class="marker">{"!" if row.gap else ""}</td><td>{operation}</td>'
        f"<td>{html.escape(str(item['label']))}</td>{client}{verify}"
        f'<td class="checks">{checks}</td></tr>'
    )


def _cell(state: str | None, texts: Mapping[str, str], count: int, via: Mapping[str, int]) -> str:
    if state is None:
        return '<td class="state">-</td>'
    text = texts[state]
    if count:
        shaped = [f"{n} by {how}" for how, n in via.items() if n and how != "api"]
        text += f" ({count}" + (f"; {', '.join(shaped)}" if shaped else "") + ")"
    return f'<td class="state {state}">{html.escape(text)}</td>'
