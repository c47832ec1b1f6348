"""Generates BRM-like events from a seed, for `dataset.generate`.

The records should look like a real installation to a client (accounts with bill units and
monthly bills, services, items, a realistic mix of event types over half a year, billing-run
fees and taxes on the bill day) and be identical on every run with the same seed, so that
tests written against the data keep passing. Everything is drawn from one
`random.Random(seed)`; nothing reads the clock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]

WINDOW_START_MS = 1_746_057_600_000
"""2025-05-01T00:00:00Z."""
WINDOW_END_MS = 1_762_473_600_000
"""2025-11-07T00:00:00Z, the day after the "Get Events" example's records were created."""

DATABASE = "0.0.0.1"
FREE_MINUTES = 1000095
"""BRM's usual resource id for free minutes, a non-currency balance."""


def poid(type_path: str, number: int) -> str:
    """'/event/billing/payment/cc', 42 -> '0.0.0.1+-event-billing-payment-cc+42' (REST id form)."""
    return f"{DATABASE}+{type_path.replace('/', '-')}+{number}"


def ref(resource_id: str) -> dict[str, Any]:
    return {"id": resource_id, "uri": None}


@dataclass(frozen=True)
class Kind:
    """One event type and how the generator fills in an event of that type."""

    event_type: str
    weight: int
    type_id: int
    """The newsfeed category (see the spec's `typeId`)."""
    item_type: str
    service: str | None
    """Service type the event needs ('any' for any of the account's services), None if none."""
    external_user: str
    gl_id: int
    message: str
    shared_item: bool = True
    """Usage and fees accumulate in one item per bill; AR actions get an item each."""


GSM = "/service/telco/gsm"
GPRS = "/service/telco/gprs"

# fmt: off
# event type, weight, typeId, item type, service, externalUser, glId, message, shared item
CYCLE_FEE = Kind("/event/billing/product/fee/cycle/cycle_forward_monthly", 0, 7,
                 "/item/cycle_forward", "any", "pin_bill_accts", 101, "Monthly fee")
CYCLE_TAX = Kind("/event/billing/cycle/tax", 0, 8,
                 "/item/cycle_tax", None, "pin_bill_accts", 401, "Cycle tax")
RANDOM_KINDS = (
    Kind("/event/delayed/session/telco/gsm", 40, 6,
         "/item/usage", GSM, "pin_rel", 102, "Voice call"),
    Kind("/event/delayed/session/telco/gprs", 16, 6,
         "/item/usage", GPRS, "pin_rel", 102, "Data session"),
    Kind("/event/billing/product/fee/purchase", 4, 9,
         "/item/purchase", "any", "weblogic", 103, "Purchase fee"),
    Kind("/event/billing/payment/cc", 9, 1,
         "/item/payment", None, "pin_collect", 201, "Credit card payment", False),
    Kind("/event/billing/payment/cash", 3, 1,
         "/item/payment", None, "weblogic", 201, "Cash payment", False),
    Kind("/event/billing/charge/cc", 3, 5,
         "/item/payment", None, "pin_collect", 202, "Credit card charge", False),
    Kind("/event/billing/adjustment/account", 5, 2,
         "/item/adjustment", None, "weblogic", 301, "Account adjustment", False),
    Kind("/event/billing/adjustment/event", 2, 2,
         "/item/adjustment", None, "weblogic", 301, "Event adjustment", False),
    Kind("/event/billing/dispute/event", 3, 3,
         "/item/dispute", None, "weblogic", 104, "", False),
    Kind("/event/billing/settlement/event", 2, 4,
         "/item/settlement", None, "weblogic", 105, "", False),
)
# fmt: on
EVENT_TYPES = tuple(k.event_type for k in (*RANDOM_KINDS, CYCLE_FEE, CYCLE_TAX))
CYCLE_SHARE = 0.3
"""At most this share of the events are billing-run events (monthly fees, cycle taxes)."""
MINUTE_MS = 60_000
DAY_MS = 86_400_000


@dataclass
class BillUnit:
    number: int
    dom: int
    """Billing day of month: every cycle starts on this day at 00:00 UTC."""
    balance_group: int


@dataclass
class Service:
    number: int
    type: str
    bill_unit: BillUnit
    fee: float


@dataclass
class Account:
    number: int
    currency: int
    bill_units: list[BillUnit]
    services: list[Service] = field(default_factory=list)
    parent: Account | None = None
    """The sharing-group owner whose monitor balance this account's usage also impacts."""


@dataclass
class Draft:
    """An event before it gets its ids: ids follow creation order, as BRM's do."""

    kind: Kind
    account: Account
    bill_unit: BillUnit
    service: Service | None
    created: int
    start: int
    end: int
    effective: int
    bill_time: int
    """Which cycle's bill the event lands on."""

    @property
    def needed_service(self) -> Service:
        """The service of an event whose kind needs one (usage, cycle fees): always set."""
        assert self.service is not None, f"a {self.kind.event_type} event has a service"
        return self.service


def generate_records(seed: int, count: int) -> list[Record]:
    """`count` events for about count/50 accounts, spread over WINDOW_START_MS..WINDOW_END_MS."""
    if count < 0:
        raise ValueError("count must be >= 0")
    return _Generator(random.Random(seed)).events(count)


class _Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.numbers = rng.randint(300_000, 400_000)
        self.big_numbers = 358_845_410_934_000_000 + rng.randint(0, 999_999)
        self.bills: dict[tuple[int, int], int] = {}
        self.items: dict[tuple[int, str, int | None], int] = {}

    def next_number(self) -> int:
        self.numbers += self.rng.randint(1, 256)
        return self.numbers

    def next_big_number(self) -> int:
        self.big_numbers += self.rng.randint(1, 4096)
        return self.big_numbers

    def events(self, count: int) -> list[Record]:
        accounts = self.accounts(max(3, count // 50))
        cycle = self.cycle_drafts(accounts)
        cap = int(count * CYCLE_SHARE)
        if len(cycle) > cap:
            cycle = self.rng.sample(cycle, cap)
        drafts = cycle + [self.random_draft(accounts) for _ in range(count - len(cycle))]
        drafts.sort(key=lambda d: d.created)
        return [self.record(d) for d in drafts]

    # entities

    def accounts(self, n: int) -> list[Account]:
        rng = self.rng
        accounts = []
        for _ in range(n):
            units = [
                BillUnit(self.next_number(), rng.randint(1, 28), self.next_number())
                for _ in range(1 if rng.random() < 0.8 else 2)
            ]
            account = Account(self.next_number(), rng.choices((840, 978), (6, 4))[0], units)
            types = [GSM] + ([GPRS] if rng.random() < 0.5 else [])
            for service_type in types:
                fee = rng.choice((9.99, 19.99, 29.99, 49.99))
                account.services.append(
                    Service(self.next_number(), service_type, rng.choice(units), fee)
                )
            accounts.append(account)
        for account in accounts[1:]:
            if rng.random() < 0.15:
                account.parent = accounts[0]
        return accounts

    # drafts

    def cycle_drafts(self, accounts: Sequence[Account]) -> list[Draft]:
        """One monthly fee per service per cycle and one tax event per bill unit per cycle."""
        drafts = []
        for account in accounts:
            for unit in account.bill_units:
                for start, end in cycles(unit.dom):
                    created = start + self.rng.randint(60, 3 * 3600) * 1000
                    for service in account.services:
                        if service.bill_unit is unit:
                            fee = Draft(
                                CYCLE_FEE,
                                account,
                                unit,
                                service,
                                created,
                                start,
                                end,
                                effective=start,
                                bill_time=start,
                            )
                            drafts.append(fee)
                    # The tax for the cycle that just closed lands on that cycle's bill.
                    tax = Draft(
                        CYCLE_TAX,
                        account,
                        unit,
                        None,
                        created + MINUTE_MS,
                        previous_cycle_start(start, unit.dom),
                        start,
                        effective=start,
                        bill_time=start - 1,
                    )
                    drafts.append(tax)
        return drafts

    def random_draft(self, accounts: Sequence[Account]) -> Draft:
        rng = self.rng
        kind = rng.choices(RANDOM_KINDS, [k.weight for k in RANDOM_KINDS])[0]
        account = rng.choice(accounts)
        service = None
        if kind.service is not None:
            fitting = [s for s in account.services if kind.service in ("any", s.type)]
            if not fitting:  # no data service: this account only makes calls
                kind = RANDOM_KINDS[0]
                fitting = [s for s in account.services if s.type == GSM]
            service = rng.choice(fitting)
        unit = service.bill_unit if service else rng.choice(account.bill_units)
        # BRM keeps times to the second, as the "Get Events" example's `created` values show.
        t = rng.randrange(WINDOW_START_MS // 1000, WINDOW_END_MS // 1000) * 1000
        if kind.item_type == "/item/usage":
            assert service is not None, "a usage kind needs a service"
            seconds = rng.randint(5, 3600) if service.type == GSM else rng.randint(60, 7200)
            end = t + seconds * 1000
            created = end + rng.randint(5 * 60, 6 * 3600) * 1000
            return Draft(kind, account, unit, service, created, t, end, end, end)
        effective = t
        if kind.event_type.startswith("/event/billing/adjustment") and rng.random() < 0.3:
            effective = t - rng.randint(1, 30) * DAY_MS  # backdated adjustment
        return Draft(kind, account, unit, service, t, t, t, effective, effective)

    # records

    def record(self, d: Draft) -> Record:
        event_id = poid(d.kind.event_type, self.next_big_number())
        item_id = poid(d.kind.item_type, self.item_number(d))
        impacts, extras = self.impacts(d, item_id)
        currency = d.account.currency
        amount = round(sum(i["amount"] for i in impacts if i["resourceId"] == currency), 6)
        reason_domain, reason, type_str, message = self.reason(d, amount)
        return {
            "extension": None,
            "id": ref(event_id),
            "created": d.created,
            "accountRef": ref(poid("/account", d.account.number)),
            "amount": amount,
            "billInfoRef": ref(poid("/billinfo", d.bill_unit.number)),
            "billRef": ref(poid("/bill", self.bill_number(d))),
            "eventRef": ref(event_id),
            "eventType": d.kind.event_type,
            "externalUser": d.kind.external_user,
            "message": message,
            "objectRef": ref(item_id),
            "itemRef": ref(item_id),
            "serviceRef": ref(poid(d.service.type, d.service.number)) if d.service else None,
            "reasonDomainId": reason_domain,
            "reasonId": reason,
            "resourceId": d.account.currency,
            "typeId": d.kind.type_id,
            "typeStr": type_str,
            "archiveStatus": 0,
            "batchId": self.batch_id(d),
            "currency": d.account.currency,
            "startTime": d.start,
            "endTime": d.end,
            "effectiveT": d.effective,
            "earnedStartTime": d.start if d.kind is CYCLE_FEE else d.effective,
            "earnedEndTime": d.end if d.kind is CYCLE_FEE else d.effective,
            "earnedType": 1 if d.kind is CYCLE_FEE else 0,
            "balanceImpacts": impacts,
            **extras,
        }

    def bill_number(self, d: Draft) -> int:
        key = (d.bill_unit.number, cycle_start(d.bill_time, d.bill_unit.dom))
        if key not in self.bills:
            self.bills[key] = self.next_number()
        return self.bills[key]

    def item_number(self, d: Draft) -> int:
        if not d.kind.shared_item:
            return self.next_big_number()
        key = (self.bill_number(d), d.kind.item_type, d.service.number if d.service else None)
        if key not in self.items:
            self.items[key] = self.next_number()
        return self.items[key]

    def impacts(self, d: Draft, item_id: str) -> tuple[list[dict], dict[str, list]]:
        """Balance impacts plus the event's other arrays (rumMap, sub-balances, taxes...)."""
        rng, kind, currency = self.rng, d.kind, d.account.currency
        extras: dict[str, list] = {
            "monitorImpacts": [],
            "subBalanceImpacts": [],
            "rumMap": [],
            "taxJurisdictions": [],
        }
        rate_tag, tax_code, quantity = "", "", 0.0
        if kind.item_type == "/item/usage":
            seconds = (d.end - d.start) // 1000
            if d.needed_service.type == GSM:
                rate_tag, tax_code, quantity = "GSM Voice", "USAGE", float(seconds)
                extras["rumMap"] = [
                    {
                        "rumName": "Duration",
                        "netQuantity": seconds,
                        "unratedQuantity": 0,
                        "extension": None,
                    }
                ]
                charge = round(seconds / 60 * rng.choice((0.01, 0.02, 0.05)), 4)
            else:
                megabytes = rng.randint(1, 2000)
                rate_tag, tax_code, quantity = "GPRS Data", "USAGE", float(megabytes)
                extras["rumMap"] = [
                    {
                        "rumName": "Volume",
                        "netQuantity": megabytes,
                        "unratedQuantity": 0,
                        "extension": None,
                    }
                ]
                charge = round(megabytes * 0.002, 4)
        elif kind is CYCLE_FEE:
            rate_tag, tax_code, charge = "Monthly fee", "MSRVC", d.needed_service.fee
        elif kind is CYCLE_TAX:
            charge = self.taxes(d, extras)
        elif kind.event_type.endswith("/purchase"):
            rate_tag, tax_code, charge = "Purchase fee", "MSRVC", rng.choice((4.99, 14.99, 99.0))
        elif kind.event_type.startswith("/event/billing/payment"):
            charge = -float(rng.randint(10, 200))
        elif kind.event_type == "/event/billing/charge/cc":
            charge = 0.0
        elif kind.event_type.startswith("/event/billing/adjustment"):
            charge = -round(rng.uniform(1, 50), 2)
        elif kind.event_type.startswith("/event/billing/dispute"):
            charge = -round(rng.uniform(0.001, 20), 3)
        else:  # settlement
            charge = rng.choice((0.0, round(rng.uniform(0.001, 10), 3)))
        impacts = [self.impact(currency, charge, quantity, kind, rate_tag, tax_code, item_id)]
        if (
            d.service is not None
            and d.service.type == GSM
            and kind.item_type == "/item/usage"
            and rng.random() < 0.3
        ):
            impacts = self.free_minutes(d, quantity, kind, rate_tag, item_id, extras)
        if d.account.parent is not None and kind.item_type == "/item/usage":
            extras["monitorImpacts"] = [
                {
                    "accountRef": ref(poid("/account", d.account.parent.number)),
                    "balanceGroupRef": ref(
                        poid("/balance_group", d.account.parent.bill_units[0].balance_group)
                    ),
                    "resourceId": currency,
                    "amount": impacts[0]["amount"],
                    "extension": None,
                }
            ]
        return impacts, extras

    def impact(
        self,
        resource: int,
        amount: float,
        quantity: float,
        kind: Kind,
        rate_tag: str,
        tax_code: str,
        item_id: str,
    ) -> dict[str, Any]:
        return {
            "resourceId": resource,
            "amount": amount,
            "quantity": quantity,
            "glId": kind.gl_id,
            "impactType": 1,
            "impactCategory": "default",
            "rateTag": rate_tag,
            "taxCode": tax_code,
            "itemRef": ref(item_id),
            "extension": None,
        }

    def free_minutes(
        self,
        d: Draft,
        seconds: float,
        kind: Kind,
        rate_tag: str,
        item_id: str,
        extras: dict[str, list],
    ) -> list[dict]:
        """The call was paid from free minutes: no currency charge, a non-currency impact."""
        minutes = round(seconds / 60, 2)
        start = cycle_start(d.effective, d.bill_unit.dom)
        extras["subBalanceImpacts"] = [
            {
                "balanceGroupRef": ref(poid("/balance_group", d.bill_unit.balance_group)),
                "resourceId": FREE_MINUTES,
                "subBalances": [
                    {
                        "amount": minutes,
                        "validFrom": start,
                        "validTo": next_cycle_start(start, d.bill_unit.dom),
                        "extension": None,
                    }
                ],
                "extension": None,
            }
        ]
        currency = d.account.currency
        return [
            self.impact(currency, 0.0, seconds, kind, rate_tag, "USAGE", item_id),
            self.impact(FREE_MINUTES, minutes, seconds, kind, rate_tag, "", item_id),
        ]

    def taxes(self, d: Draft, extras: dict[str, list]) -> float:
        base = round(self.rng.uniform(10, 150), 2)
        if d.account.currency == 978:
            rates = [("VAT", 0.19)]
        else:
            rates = [("CA", 0.0725), ("Alameda", 0.01)]
        jurisdictions: list[dict[str, Any]] = [
            {
                "name": name,
                "type": level,
                "percent": round(rate * 100, 4),
                "amountTaxed": base,
                "amount": round(base * rate, 2),
                "extension": None,
            }
            for level, (name, rate) in enumerate(rates)
        ]
        extras["taxJurisdictions"] = jurisdictions
        return round(sum(j["amount"] for j in jurisdictions), 2)

    def reason(self, d: Draft, amount: float) -> tuple[int, int, str, str]:
        """(reasonDomainId, reasonId, typeStr, message), like the "Get Events" example's."""
        rng, event_type = self.rng, d.kind.event_type
        if event_type.startswith("/event/billing/dispute"):
            reason = rng.randint(100, 110)
            return 60, reason, f"D1-{rng.randint(100, 199)}", str(rng.randint(100, 130))
        if event_type.startswith("/event/billing/settlement"):
            code = f"D1-{rng.randint(100, 199)}"
            first, second = rng.randint(100, 130), rng.randint(100, 130)
            message = f"{first};;{second};;999|~|{abs(amount)};;999|~|{code}"
            return 60, rng.randint(100, 110), "", message
        if event_type.startswith("/event/billing/adjustment"):
            return 1, rng.randint(1, 20), f"A1-{rng.randint(100, 199)}", d.kind.message
        return 0, 0, "", d.kind.message

    def batch_id(self, d: Draft) -> str:
        day = datetime.fromtimestamp(d.created / 1000, tz=UTC).strftime("%Y%m%d")
        if d.kind.external_user == "pin_rel":
            return f"REL-{day}-{self.rng.randint(1, 40):04d}"
        if d.kind.external_user == "pin_bill_accts":
            return f"BILL-{day}"
        if d.kind.external_user == "pin_collect":
            return f"COLLECT-{day}"
        return ""


# --- billing cycles -------------------------------------------------------------------


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _month_start(year: int, month: int, dom: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, dom, tzinfo=UTC)


def cycle_start(ms: int, dom: int) -> int:
    """Start of the monthly cycle (starting on day `dom`) that contains `ms`."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    start = _month_start(moment.year, moment.month, dom)
    if _ms(start) > ms:
        start = _month_start(moment.year, moment.month - 1, dom)
    return _ms(start)


def next_cycle_start(start_ms: int, dom: int) -> int:
    moment = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    return _ms(_month_start(moment.year, moment.month + 1, dom))


def previous_cycle_start(start_ms: int, dom: int) -> int:
    moment = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    return _ms(_month_start(moment.year, moment.month - 1, dom))


def cycles(dom: int) -> list[tuple[int, int]]:
    """(start, end) of every cycle that starts inside the window."""
    result = []
    start = cycle_start(WINDOW_START_MS, dom)
    if start < WINDOW_START_MS:
        start = next_cycle_start(start, dom)
    while start < WINDOW_END_MS:
        end = next_cycle_start(start, dom)
        result.append((start, end))
        start = end
    return result
