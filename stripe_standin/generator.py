"""Deterministic generator of realistic agencies' Stripe data (``random.Random(seed)``)."""

from __future__ import annotations

import random
import string

from . import coupons
from .coupons import MONTH
from .generator_data import (
    ACCOUNTS,
    CUSTOMERS_SCALE_HISTORY_MONTHS,
    DEMO_CUSTOMERS,
    DEMO_STORIES,
    FIRST,
    FREE_MAIL,
    HISTORY_MONTHS,
    LAST,
    METERED,
    METERED_SHARE,
    PLANS,
    PROJECT_WORK,
    SCALES,
    WORDS_A,
    WORDS_B,
)
from .invoicing import DAY, Invoicing
from .store import AccountData, Store, fast_token


def parse_scale(scale: str | int) -> tuple[int | None, int | None]:
    """Return (customers, invoice_target) for the primary account."""
    text = str(scale)
    head = text.split("-")[0]
    if head.isdigit():
        return (int(head), None) if text.endswith("-customers") else (None, int(head))
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use demo, small, N-customers or a number of invoices")
    return SCALES[scale][0], None


class Generator(Invoicing):
    def __init__(self, store: Store, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.usage_rng = random.Random(f"usage-{seed}")
        self.now = store.now()
        self.history = HISTORY_MONTHS * MONTH
        self.record_events = True  # actions emit their own events, rendered as they happen
        self.wanted: dict[str, dict[str, list[str]]] = {}

    # -- ids --------------------------------------------------------------------
    def id(self, prefix: str, length: int = 24) -> str:
        return prefix + "1" + fast_token(self.rng, length - 1)

    def add(self, acct: AccountData, coll: str, rec: dict) -> dict:
        return acct.collection(coll).add(rec, self.store.next_seq())

    # -- top level ----------------------------------------------------------------
    def run(self, scale: str | int = "demo") -> dict:
        customers, target = parse_scale(scale)
        if str(scale).endswith("-customers"):
            self.history = CUSTOMERS_SCALE_HISTORY_MONTHS * MONTH
        extra = SCALES.get(str(scale), SCALES["demo"])
        made = {}
        for i, (aid, name, email, country, cur, owner, owner_name) in enumerate(ACCOUNTS):
            acct = self.store.add_account(
                {
                    "id": aid,
                    "name": name,
                    "email": email,
                    "country": country,
                    "currency": cur,
                    "owner": owner,
                    "owner_name": owner_name,
                    "created": self.now - 3 * 365 * DAY,
                    "url": f"https://{name.split()[0].lower()}.test",
                }
            )
            self.make_catalog(acct)
            if i == 0:
                self.fill(acct, customers=customers, invoice_target=target, demo_first=True)
            else:
                self.fill(acct, customers=extra[i], invoice_target=None, demo_first=False)
            made[aid] = self.store.counts(acct)
        return made

    def make_catalog(self, acct: AccountData) -> None:
        cur = acct.account["currency"]
        created = self.now - 25 * MONTH
        acct.catalog = []  # type: ignore[attr-defined]
        for nickname, interval, count, weight, (lo, hi) in PLANS:
            prod = self.add(acct, "products", {"id": self.id("prod_", 14), "name": nickname, "created": created})
            tiers = []
            for currency in sorted({cur, "usd", "eur", "gbp"}):
                for _ in range(3):
                    amount = self.rng.randrange(lo, hi, 50) * 100
                    pr = self.add(
                        acct,
                        "prices",
                        {
                            "id": self.id("price_"),
                            "product": prod["id"],
                            "currency": currency,
                            "unit_amount": amount,
                            "interval": interval,
                            "interval_count": count,
                            "nickname": nickname,
                            "created": created,
                        },
                    )
                    tiers.append(pr)
            prod["default_price"] = tiers[0]["id"]
            acct.catalog.append((weight, interval, count, tiers))  # type: ignore[attr-defined]
        self.make_metered_prices(acct, created)
        acct.coupons.update(coupons.make_coupons({cur, "usd", "eur", "gbp"}, created))
        self.wanted[acct.account["id"]] = {key: list(ids) for key, ids in coupons.WANTED.items()}

    def make_metered_prices(self, acct: AccountData, created: int) -> None:
        """One metered monthly price per currency (usage billed at the end of each month)."""
        nickname, per_unit = METERED
        usage_id = lambda prefix, n=24: prefix + "1" + fast_token(self.usage_rng, n - 1)  # noqa: E731
        prod = self.add(acct, "products", {"id": usage_id("prod_", 14), "name": nickname, "created": created})
        acct.metered = {}  # type: ignore[attr-defined]
        for currency in sorted({acct.account["currency"], "usd", "eur", "gbp"}):
            acct.metered[currency] = self.add(  # type: ignore[attr-defined]
                acct,
                "prices",
                {
                    "id": usage_id("price_"),
                    "product": prod["id"],
                    "currency": currency,
                    "unit_amount": per_unit,
                    "interval": "month",
                    "interval_count": 1,
                    "usage_type": "metered",
                    "nickname": nickname,
                    "created": created,
                },
            )
        prod["default_price"] = acct.metered[acct.account["currency"]]["id"]  # type: ignore[attr-defined]

    def fill(self, acct: AccountData, customers: int | None, invoice_target: int | None, demo_first: bool) -> None:
        i = 0
        while True:
            if customers is not None and i >= customers:
                break
            if invoice_target is not None and len(acct.invoices) >= invoice_target:
                break
            story = None
            if demo_first and i < len(DEMO_CUSTOMERS):
                *profile, client = DEMO_CUSTOMERS[i]
                story = DEMO_STORIES.get(profile[0])
            else:
                profile, client = self.random_profile(i), None
            self.make_customer_history(acct, *profile, index=i, client=client, story=story)
            i += 1
        self.ensure_one_cancelling(acct)

    @staticmethod
    def ensure_one_cancelling(acct: AccountData) -> None:
        """Every account shows a client quietly cancelling (cancel at period end), whatever the dice said.

        Picked without the random generator, so the rest of a seed's data stays exactly as it was.
        """
        active = [sub for sub in acct.collection("subscriptions").by_id.values() if sub["status"] == "active"]
        if active and not any(sub.get("cancel_at_period_end") for sub in active):
            chosen = min(active, key=lambda sub: sub["id"])
            chosen["cancel_at_period_end"] = True
            chosen["cancel_at"] = chosen["current_period_end"]

    def random_profile(self, i: int) -> tuple:
        rng = self.rng
        r = rng.random()
        company = f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)}"
        person = f"{rng.choice(FIRST)}.{rng.choice(LAST)}"
        slug = company.lower().replace(" ", "")
        if r < 0.55:
            domain = slug + rng.choice([".com", ".io", ".co.uk", ".net"])
            website = f"https://{domain}" if rng.random() < 0.3 else None
            mailbox = rng.choice(["billing", "accounts", "hello", "finance", person])
            return company, f"{mailbox}@{domain}", website, "company"
        if r < 0.8:
            email = f"{person}{rng.randrange(100)}@{rng.choice(FREE_MAIL)}"
            return person.replace(".", " ").title(), email, None, "free_mail"
        if r < 0.9:
            return company, None, (f"https://www.{slug}.com" if rng.random() < 0.3 else None), "no_email"
        return company, f"{person}@{company.lower().replace(' ', '-')}.com", None, "company"

    # -- one customer's history -------------------------------------------------------
    def make_customer_history(
        self,
        acct: AccountData,
        name: str,
        email: str | None,
        website: str | None,
        kind: str,
        index: int,
        client: str | None = None,
        story: tuple | None = None,
    ) -> dict:
        rng, now = self.rng, self.now
        base_cur = acct.account["currency"]
        r = rng.random()
        currency = base_cur if r < 0.8 else ("eur" if r < 0.9 else ("gbp" if base_cur != "gbp" else "usd"))
        created = now - rng.randrange(DAY, self.history)
        if index < 3:
            created = now - self.history + index * DAY  # a few long-standing clients
        if story:
            created = self.story_start(acct, story, currency)
        metadata = {
            "standin_kind": kind,
            **({"standin_client": client} if client else {}),
            **({"website": website} if website else {}),
        }
        cust = self.add(
            acct,
            "customers",
            {
                "id": self.id("cus_", 14),
                "created": created,
                "name": name,
                "email": email,
                "currency": currency,
                "country": acct.account["country"],
                "invoice_prefix": "".join(rng.choices(string.ascii_uppercase + string.digits, k=8)),
                "description": f"{kind.replace('_', ' ')} customer",
                "metadata": metadata,
            },
        )
        self.emit_if_recent(acct, "customer.created", "customers", cust, created)
        roll = rng.random()
        if story and story[0] is None:
            self.one_off_invoices(acct, cust, created, story=story)
        elif story:
            back = story[4] == "churned_and_back"
            self.subscription_history(acct, cust, created, churn=back, reactivate=back, story=story)
        elif roll < 0.12 and index >= 3:
            self.one_off_invoices(acct, cust, created)
        else:
            self.subscription_history(acct, cust, created, churn=roll > 0.75, reactivate=roll > 0.9)
            if rng.random() < 0.2:
                self.one_off_invoices(acct, cust, created, count=1)
        return cust

    def story_start(self, acct: AccountData, story: tuple, currency: str) -> int:
        plan, periods, days_since_latest, _, _ = story
        if plan is None:
            return self.now - days_since_latest * DAY - 90 * DAY
        interval, count, _, _ = self.plan_named(acct, plan, currency)
        return self.now - days_since_latest * DAY - (periods - 1) * self.period_len(interval, count)

    def pick_plan(self, acct: AccountData, currency: str) -> tuple:
        weights = [c[0] for c in acct.catalog]  # type: ignore[attr-defined]
        _, interval, count, tiers = self.rng.choices(acct.catalog, weights=weights)[0]  # type: ignore[attr-defined]
        prices = [p for p in tiers if p["currency"] == currency]
        return interval, count, prices

    @staticmethod
    def plan_named(acct: AccountData, nickname: str, currency: str) -> tuple:
        for weight, interval, count, tiers in acct.catalog:  # type: ignore[attr-defined]
            if tiers[0]["nickname"] == nickname:
                return interval, count, [p for p in tiers if p["currency"] == currency], weight
        raise KeyError(nickname)

    def period_len(self, interval: str, count: int) -> int:
        return {"week": 7 * DAY, "month": MONTH, "year": 365 * DAY}[interval] * count

    def subscription_history(
        self, acct: AccountData, cust: dict, start: int, churn: bool, reactivate: bool, story: tuple | None = None
    ) -> None:
        rng, now = self.rng, self.now
        if story:
            interval, count, prices, _ = self.plan_named(acct, story[0], cust["currency"])
            collection, trial = story[3], False
        else:
            interval, count, prices = self.pick_plan(acct, cust["currency"])
            collection = "send_invoice" if rng.random() < 0.2 else "charge_automatically"
            trial = rng.random() < 0.15
        plen = self.period_len(interval, count)
        tier = rng.randrange(len(prices))
        sub = {
            "id": self.id("sub_"),
            "customer": cust["id"],
            "created": start,
            "start_date": start,
            "billing_cycle_anchor": start,
            "currency": cust["currency"],
            "status": "active",
            "collection_method": collection,
            "days_until_due": (14 if story else rng.choice([14, 30])) if collection == "send_invoice" else None,
            "items": [
                {
                    "id": self.id("si_", 14),
                    "price": prices[tier]["id"],
                    "quantity": rng.choice([1, 1, 1, 2, 3, 5]),
                    "created": start,
                }
            ],
            "trial_start": start if trial else None,
            "trial_end": start + 14 * DAY if trial else None,
            "current_period_start": start,
            "current_period_end": start + plen,
            "latest_invoice": None,
        }
        if trial and sub["trial_end"] > now:
            sub["status"] = "trialing"
        if not story and (interval, count) == ("month", 1) and self.usage_rng.random() < METERED_SHARE:
            usage_price = acct.metered[cust["currency"]]  # type: ignore[attr-defined]
            item_id = "si_1" + fast_token(self.usage_rng, 13)
            sub["items"].append({"id": item_id, "price": usage_price["id"], "quantity": None, "created": start})
        end = now
        if churn:
            end = start + rng.randrange(2, 12) * plen
            if end >= now:
                churn, end = False, now
        times = list(range(sub["trial_end"] or start, min(end, now) + 1, plen))
        disc = self.plan_discount(acct, sub, times, interval, count, live=not churn)
        cpn = acct.coupons[disc["coupon"]] if disc else None
        self.add(acct, "subscriptions", sub)
        self.emit_if_recent(acct, "customer.subscription.created", "subscriptions", sub, start)
        last_inv = None
        for i, t in enumerate(times):
            if i and rng.random() < 0.06:  # upgrade or downgrade
                tier = max(0, min(len(prices) - 1, tier + rng.choice([-1, 1])))
                sub["items"][0]["price"] = prices[tier]["id"]
            sub["current_period_start"], sub["current_period_end"] = t, t + plen
            outcome = story[4] if story and not churn and i == len(times) - 1 else None
            last_inv = self.subscription_invoice(
                acct, cust, sub, t, plen, prices[tier], disc if coupons.applies(disc, cpn, t) else None, outcome
            )
            sub["latest_invoice"] = last_inv["id"]
        if disc and coupons.still_attached(disc, cpn, now):
            sub["discount"] = disc
        if churn:
            sub.update(
                status="canceled",
                canceled_at=end,
                ended_at=end,
                cancel_at=None,
                current_period_end=end,
                cancel_feedback=rng.choice([None, "too_expensive", "switched_service"]),
            )
            self.emit_if_recent(acct, "customer.subscription.deleted", "subscriptions", sub, end)
            if reactivate and end + 2 * MONTH < now:
                self.subscription_history(
                    acct, cust, end + rng.randrange(MONTH, 2 * MONTH), churn=False, reactivate=False
                )
        elif last_inv is not None and (since := self.unpaid_since(last_inv)) is not None:
            exhausted = last_inv["collection_method"] == "charge_automatically" and not last_inv["next_payment_attempt"]
            previous = {"status": sub["status"]}
            sub["status"] = rng.choice(["past_due", "unpaid"]) if exhausted else "past_due"
            cust["delinquent"] = True
            self.emit_if_recent(acct, "customer.subscription.updated", "subscriptions", sub, since, previous)
        elif sub["status"] == "active" and rng.random() < 0.08:
            sub["cancel_at_period_end"] = True
            sub["cancel_at"] = sub["current_period_end"]

    def unpaid_since(self, inv: dict) -> int | None:
        """When an open invoice made its subscription past due (a failed payment, or its due date), if it did."""
        if inv["status"] != "open":
            return None
        if inv["collection_method"] == "send_invoice":
            return inv["due_date"] if inv["due_date"] < self.now else None
        return inv["finalized_at"] if inv["attempt_count"] else None

    def plan_discount(
        self, acct: AccountData, sub: dict, times: list[int], interval: str, count: int, live: bool
    ) -> dict | None:
        """A discount for ``sub``: the kinds still missing on its billing cycle first (applied so that it still
        shows on the subscription), else now and then one at random from the subscription's start."""
        rng, now = self.rng, self.now
        cycle = "year" if interval == "year" else "month" if (interval, count) == ("month", 1) else None
        wanted = self.wanted[acct.account["id"]].get(cycle or "") if live else None
        if wanted:
            base = wanted.pop(0)
        elif rng.random() < 0.12:
            base, wanted = rng.choice(coupons.COUPONS)[0], None
        else:
            return None
        cpn = acct.coupons[coupons.coupon_id(acct.coupons, base, sub["currency"])]
        start = sub["start_date"]
        if wanted is not None and times:
            if cpn["duration"] == "once":  # added after the latest invoice: the next one takes it
                start = times[-1] + max(1, (now - times[-1]) // 2)
            elif cpn["duration"] == "repeating":
                start = max(start, now - rng.randrange(DAY, cpn["duration_in_months"] * MONTH))
        disc = coupons.new_discount(self.id("di_"), cpn, sub["customer"], sub["id"], start)
        acct.discounts[disc["id"]] = disc
        return disc

    def usage_line(self, acct: AccountData, sub: dict, t: int, plen: int) -> dict | None:
        """The metered item's usage of the period that ends at ``t``, billed on the invoice made at ``t``."""
        metered = [item for item in sub["items"][1:] if acct.prices.get(item["price"]).get("usage_type") == "metered"]
        if not metered or t - plen < sub["start_date"]:
            return None
        price = acct.prices.get(metered[0]["price"])
        clicks = self.usage_rng.randrange(200, 6000)
        return {
            "id": "il_1" + fast_token(self.usage_rng, 23),
            "amount": price["unit_amount"] * clicks,
            "quantity": clicks,
            "description": f"{clicks} × {price['nickname']} (at {price['unit_amount'] / 100:.2f} / click)",
            "period_start": t - plen,
            "period_end": t,
            "price": price["id"],
            "subscription_item": metered[0]["id"],
        }

    def subscription_invoice(self, acct, cust, sub, t, plen, price, discount, outcome) -> dict:
        item = sub["items"][0]
        qty = item["quantity"]
        lines = [
            {
                "id": self.id("il_"),
                "amount": price["unit_amount"] * qty,
                "quantity": qty,
                "description": (
                    f"{qty} × {price['nickname']} (at {price['unit_amount'] / 100:.2f} / {price['interval']})"
                ),
                "period_start": t,
                "period_end": t + plen,
                "price": price["id"],
                "subscription_item": item["id"],
            }
        ]
        if self.rng.random() < 0.1:
            extra = self.rng.randrange(1, 20) * 5000
            lines.append(
                {
                    "id": self.id("il_"),
                    "amount": extra,
                    "quantity": 1,
                    "description": "Ad spend pass-through",
                    "period_start": t,
                    "period_end": t + plen,
                    "price": None,
                    "subscription_item": None,
                }
            )
        usage = self.usage_line(acct, sub, t, plen)
        if usage:
            lines.append(usage)
        reason = "subscription_create" if t == sub["start_date"] else "subscription_cycle"
        return self.build_invoice(
            acct,
            cust,
            t,
            lines,
            subscription=sub["id"],
            billing_reason=reason,
            discount=discount,
            period=(t, t + plen),
            collection=sub["collection_method"],
            days_until_due=sub["days_until_due"] or 30,
            outcome=outcome,
        )

    def one_off_invoices(
        self, acct: AccountData, cust: dict, start: int, count: int | None = None, story: tuple | None = None
    ) -> None:
        """Project work billed by invoice (send_invoice), each due 14 or 30 days after it is finalized."""
        rng, now = self.rng, self.now
        times = sorted(rng.randrange(start, now) for _ in range(count or rng.randrange(2, 8)))
        if story:
            times = [t for t in times if t < now - story[2] * DAY] + [now - story[2] * DAY]
        for i, t in enumerate(times):
            n_lines = rng.choice([1, 2, 3, 4, 12, 15]) if count is None else rng.choice([1, 3, 11, 14])
            lines = [
                {
                    "id": self.id("il_"),
                    "amount": rng.randrange(2, 40) * 2500,
                    "quantity": rng.randrange(1, 9),
                    "description": f"Project work: {rng.choice(PROJECT_WORK)} #{k + 1}",
                    "period_start": t,
                    "period_end": t,
                    "price": None,
                    "subscription_item": None,
                }
                for k in range(n_lines)
            ]
            last = story is not None and i == len(times) - 1
            inv = self.build_invoice(
                acct,
                cust,
                t,
                lines,
                subscription=None,
                billing_reason="manual",
                collection="send_invoice",
                period=(t, t),
                days_until_due=30 if last else rng.choice([14, 30, 30]),
                outcome=story[4] if last else None,
            )
            if self.unpaid_since(inv) is not None:
                cust["delinquent"] = True


def seed_store(store: Store, seed: int = 42, scale: str | int = "demo") -> dict:
    """Reset ``store`` and fill it deterministically."""
    store.reset(seed)
    counts = Generator(store, seed).run(scale)
    for acct in store.accounts.values():  # sort now, not on the first request
        for name in ("customers", "products", "prices", "subscriptions", "invoices", "charges", "refunds", "events"):
            coll = acct.collection(name)
            coll.all.ensure()
            for index in coll.by_customer.values():
                index.ensure()
    store.seed_info = {"seed": seed, "scale": scale, "now": store.now(), "accounts": counts}
    return store.seed_info
