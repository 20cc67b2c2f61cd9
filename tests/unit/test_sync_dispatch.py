"""The dispatcher against a fake Stripe with no budget to slow it: every object once, every request once."""

import asyncio
import itertools

from app.stripe_data.fetcher import Fetched, Fetcher, LinesFetched, Plan

NOW = 1_800_000_000
DAY = 86_400


class Unlimited:
    def try_acquire(self, account_id: str, endpoint: str) -> float:
        return 0.0


class FakeStripe:
    """Lists objects newest first, honouring created[gte|lt], starting_after and limit, like Stripe's lists."""

    account_id = "acct_a"
    budget = Unlimited()

    def __init__(self, lists: dict[str, list[dict]], lines: dict[str, list[dict]]) -> None:
        self.lists = {path: sorted(objs, key=lambda o: (-o["created"], o["id"])) for path, objs in lists.items()}
        self.lines = lines
        self.requests: list[tuple[str, dict]] = []

    def get(self, path: str, *, budget_taken: bool = False, **params) -> dict:
        self.requests.append((path, params))
        if path.endswith("/lines"):
            items = self.lines[path.split("/")[3]]
        else:
            created = params.get("created", {})
            items = [
                o
                for o in self.lists.get(path, [])
                if created.get("gte", -1) <= o["created"] and o["created"] < created.get("lt", 2**40)
            ]
        if params.get("starting_after"):
            items = items[[o["id"] for o in items].index(params["starting_after"]) + 1 :]
        limit = params["limit"]
        return {"object": "list", "data": items[:limit], "has_more": len(items) > limit}


def _objects(kind: str, prefix: str, count: int, span_days: int) -> list[dict]:
    return [
        {"id": f"{prefix}_{i}", "object": kind, "created": NOW - i * span_days * DAY // count} for i in range(count)
    ]


def test_with_no_budget_to_pace_it_every_object_is_delivered_once_and_no_request_is_repeated():
    invoices = _objects("invoice", "in", 2_500, 700)
    for invoice in invoices[:30]:
        invoice["lines"] = {"data": [{"id": f"il_{invoice['id']}_0"}], "has_more": True}
    stripe = FakeStripe(
        {"/v1/customers": _objects("customer", "cus", 150, 720), "/v1/invoices": invoices},
        {inv["id"]: [{"id": f"il_{inv['id']}_{n}"} for n in range(130)] for inv in invoices[:30]},
    )
    delivered: list[str] = []
    lines: dict[str, int] = {}

    async def deliver(item: Fetched | LinesFetched) -> None:
        if isinstance(item, Fetched):
            delivered.extend(o["id"] for o in item.objects)
            item.window.cursor, item.window.done = item.cursor, item.exhausted
        else:
            lines[item.invoice_id] = len(item.read.lines)

    plan = Plan.load({}, NOW)
    asyncio.run(Fetcher(plan, stripe, deliver, per_second=100, per_endpoint=25).run())

    assert sorted(delivered) == sorted(o["id"] for o in [*invoices, *stripe.lists["/v1/customers"]])
    assert lines == dict.fromkeys((inv["id"] for inv in invoices[:30]), 129), "lines past the first page too"
    asked = sorted(f"{path} {sorted(params.items())}" for path, params in stripe.requests)
    repeated = [request for request, n in itertools.groupby(asked) if len(list(n)) > 1]
    assert repeated == []
    assert len(plan.windows["invoices"]) > 2, "a large list is split into more windows"


class OneAtATime(Unlimited):
    """Admits a request only once the last one is done with, so the requests show the dispatcher's order."""

    fetcher: Fetcher | None = None

    def try_acquire(self, account_id: str, endpoint: str) -> float:
        return 0.0 if self.fetcher.in_flight == 0 else 0.001


def test_customers_come_first_then_every_recent_page_before_any_older_one():
    invoices = _objects("invoice", "in", 1_500, 700)
    stripe = FakeStripe(
        {
            "/v1/customers": _objects("customer", "cus", 250, 720),
            "/v1/invoices": invoices,
            "/v1/charges": _objects("charge", "ch", 1_500, 700),
        },
        {},
    )

    async def deliver(item: Fetched | LinesFetched) -> None:
        item.window.cursor, item.window.done = item.cursor, item.exhausted

    plan = Plan.load({}, NOW)
    stripe.budget = budget = OneAtATime()
    budget.fetcher = Fetcher(plan, stripe, deliver, per_second=25, per_endpoint=10)
    asyncio.run(budget.fetcher.run())

    customers = [i for i, (path, _) in enumerate(stripe.requests) if path == "/v1/customers"]
    others = [i for i, (path, _) in enumerate(stripe.requests) if path != "/v1/customers"]
    assert max(customers) < min(others), "matching needs every customer first"
    floors = [(stripe.requests[i][1].get("created") or {}).get("gte") for i in others]
    recent = [i for i, floor in zip(others, floors, strict=True) if floor is not None and floor >= plan.recent_start]
    older = [i for i in others if i not in recent]
    assert recent and older
    assert max(recent) < min(older), "the last 90 days of every list before older history"
