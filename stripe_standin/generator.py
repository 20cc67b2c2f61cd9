"""Deterministic generator of realistic agencies' Stripe data (``random.Random(seed)``)."""

from __future__ import annotations

import random
import string

from .store import AccountData, Store, fast_token

DAY = 86400
MONTH = 30 * DAY

# The demo agency's clients in ClientPulse (name, email, domain). ClientPulse's own
# demo seeder duplicates these names: production code never imports the stand-in.
DEMO_CLIENTS = [
    ("Acme Rockets", "ops@acme-rockets.com", "acme-rockets.com"),
    ("Bluebird Bakery", "hello@bluebirdbakery.co.uk", "bluebirdbakery.co.uk"),
    ("Copperleaf Dental", "frontdesk@copperleafdental.com", "copperleafdental.com"),
    ("Driftwood Surf Co", "shop@driftwoodsurf.com", "driftwoodsurf.com"),
    ("Evergreen Legal", "admin@evergreenlegal.com", "evergreenlegal.com"),
    ("Foxglove Florists", "orders@foxglove-florists.com", "foxglove-florists.com"),
    ("Granite & Pine Builders", "office@graniteandpine.com", "graniteandpine.com"),
    ("Harbor Fitness", "team@harborfitness.io", "harborfitness.io"),
    ("Ironclad Security", "contact@ironclad-sec.com", "ironclad-sec.com"),
    ("Juniper Yoga", "namaste@juniperyoga.studio", "juniperyoga.studio"),
    ("Keystone Realty", "info@keystonerealty.com", "keystonerealty.com"),
    ("Lumen Optometry", "care@lumenoptometry.com", "lumenoptometry.com"),
]

# How each demo client shows up in Stripe: exact email, same domain, free mail, none...
# (name, email, website, kind, the demo client it really belongs to). The last two are ground truth that only the
# generator knows; each customer carries them in its metadata (standin_kind, standin_client), as an agency could.
DEMO_CUSTOMERS = [
    ("Acme Rockets", "ops@acme-rockets.com", None, "exact_email", "Acme Rockets"),
    ("Bluebird Bakery Ltd", "accounts@bluebirdbakery.co.uk", None, "domain", "Bluebird Bakery"),
    ("Driftwood Surf", "driftwoodsurf@gmail.com", None, "free_mail", "Driftwood Surf Co"),
    ("Harbor Fitness", None, None, "no_email", "Harbor Fitness"),
    ("Copperleaf Dental Group", "billing@copperleafdental.com", None, "domain", "Copperleaf Dental"),
    ("Acme Rockets (EU)", "ops@acme-rockets.com", None, "duplicate_email", "Acme Rockets"),
    ("Evergreen Legal LLP", "finance@evergreenlegal.com", None, "domain", "Evergreen Legal"),
    ("Foxglove Florists", "orders@foxglove-florists.com", None, "exact_email", "Foxglove Florists"),
    ("Granite and Pine", "jo@mail.graniteandpine.com", None, "subdomain", "Granite & Pine Builders"),
    ("Juniper Yoga Studio", "juniper.yoga@outlook.com", None, "free_mail", "Juniper Yoga"),
    ("Ironclad Security Inc", "ap@ironclad-sec.com", None, "domain", "Ironclad Security"),
    ("Keystone Realty", "keystone.realty@yahoo.com", "https://keystonerealty.com", "website", "Keystone Realty"),
    ("Lumen Optometry", "care@lumenoptometry.com", None, "exact_email", "Lumen Optometry"),
    ("Harbour Fitness Club", "billing@harbourfitness.co.uk", None, "near_miss", None),  # another business
]

FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "proton.me"]
_WORDS_A = ["Silver", "Blue", "Maple", "Atlas", "Nova", "Cedar", "Summit", "Orchid", "Pioneer", "Quartz",
            "Redwood", "Sparrow", "Tidal", "Urban", "Vertex", "Willow", "Zephyr", "Amber", "Beacon", "Coral"]
_WORDS_B = ["Analytics", "Bistro", "Clinic", "Design", "Energy", "Fitness", "Gallery", "Holdings", "Interiors",
            "Journeys", "Kitchens", "Labs", "Media", "Nursery", "Outfitters", "Partners", "Roofing", "Studio"]
_FIRST = ["alex", "sam", "jordan", "maria", "li", "noah", "olivia", "priya", "tom", "yusuf", "emma", "lucas"]
_LAST = ["smith", "garcia", "chen", "patel", "murphy", "kowalski", "nguyen", "okafor", "rossi", "berg"]

ACCOUNTS = [
    # id, name, email, country, currency, owner, owner name
    ("acct_1NorthwindDigital", "Northwind Digital", "billing@northwind.test", "US", "usd", "owner@demo.test",
     "Olivia Owner"),
    ("acct_1NorthwindLabsLtd", "Northwind Labs Ltd", "labs@northwind.test", "GB", "gbp", "owner@demo.test",
     "Olivia Owner"),
    ("acct_1ElsewhereTrading", "Elsewhere Trading Co", "ops@elsewhere.test", "US", "usd", "someone@elsewhere.test",
     "Sam Someone"),
]
PLANS = [  # nickname, interval, interval_count, weight, amount range (major units)
    ("Monthly retainer", "month", 1, 60, (400, 6000)),
    ("Quarterly retainer", "month", 3, 15, (1500, 15000)),
    ("Annual support", "year", 1, 10, (3000, 30000)),
    ("Weekly social media", "week", 1, 5, (150, 900)),
]
SCALES = {"small": (10, 3, 2), "demo": (40, 12, 6)}


def parse_scale(scale: str | int) -> tuple[int | None, int | None]:
    """Return (customers, invoice_target) for the primary account."""
    if isinstance(scale, int) or str(scale).split("-")[0].isdigit():
        return None, int(str(scale).split("-")[0])
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: use demo, small or a number of invoices")
    return SCALES[scale][0], None


class Generator:
    def __init__(self, store: Store, seed: int) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.now = store.now()
        self.inv_seq = 0

    # -- ids --------------------------------------------------------------------
    def id(self, prefix: str, length: int = 24) -> str:
        return prefix + "1" + fast_token(self.rng, length - 1)

    def add(self, acct: AccountData, coll: str, rec: dict) -> dict:
        return acct.collection(coll).add(rec, self.store.next_seq())

    # -- top level ----------------------------------------------------------------
    def run(self, scale: str | int = "demo") -> dict:
        customers, target = parse_scale(scale)
        extra = SCALES.get(str(scale), SCALES["demo"])
        made = {}
        for i, (aid, name, email, country, cur, owner, owner_name) in enumerate(ACCOUNTS):
            acct = self.store.add_account({
                "id": aid, "name": name, "email": email, "country": country, "currency": cur, "owner": owner,
                "owner_name": owner_name, "created": self.now - 3 * 365 * DAY, "url": f"https://{name.split()[0].lower()}.test",
            })
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
                    pr = self.add(acct, "prices", {
                        "id": self.id("price_"), "product": prod["id"], "currency": currency, "unit_amount": amount,
                        "interval": interval, "interval_count": count, "nickname": nickname, "created": created})
                    tiers.append(pr)
            prod["default_price"] = tiers[0]["id"]
            acct.catalog.append((weight, interval, count, tiers))  # type: ignore[attr-defined]
        for cid, name, pct, off in (("WELCOME20", "20% off", 20.0, None), ("LOYAL10", "10% off", 10.0, None),
                                    ("HALFOFF3", "50% off 3 months", 50.0, None), ("FLAT100", "100 off", None, 10000)):
            acct.coupons[cid] = {"id": cid, "name": name, "percent_off": pct, "amount_off": off,
                                 "currency": cur if off else None, "created": created,
                                 "duration": "repeating" if cid == "HALFOFF3" else "forever",
                                 "duration_in_months": 3 if cid == "HALFOFF3" else None}

    def fill(self, acct: AccountData, customers: int | None, invoice_target: int | None, demo_first: bool) -> None:
        i = 0
        while True:
            if customers is not None and i >= customers:
                break
            if invoice_target is not None and len(acct.invoices) >= invoice_target:
                break
            if demo_first and i < len(DEMO_CUSTOMERS):
                *profile, client = DEMO_CUSTOMERS[i]
            else:
                profile, client = self.random_profile(i), None
            self.make_customer_history(acct, *profile, index=i, client=client)
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
        r = self.rng.random()
        company = f"{self.rng.choice(_WORDS_A)} {self.rng.choice(_WORDS_B)}"
        person = f"{self.rng.choice(_FIRST)}.{self.rng.choice(_LAST)}"
        if r < 0.55:
            domain = company.lower().replace(" ", "") + self.rng.choice([".com", ".io", ".co.uk", ".net"])
            return company, f"{self.rng.choice(['billing', 'accounts', 'hello', 'finance', person])}@{domain}", None, "company"
        if r < 0.8:
            return person.replace(".", " ").title(), f"{person}{self.rng.randrange(100)}@{self.rng.choice(FREE_MAIL)}", None, "free_mail"
        if r < 0.9:
            return company, None, None, "no_email"
        return company, f"{person}@{company.lower().replace(' ', '-')}.com", None, "company"

    # -- one customer's 24 months ---------------------------------------------------
    def make_customer_history(self, acct: AccountData, name: str, email: str | None, website: str | None,
                              kind: str, index: int, client: str | None = None) -> dict:
        rng, now = self.rng, self.now
        base_cur = acct.account["currency"]
        r = rng.random()
        currency = base_cur if r < 0.8 else ("eur" if r < 0.9 else ("gbp" if base_cur != "gbp" else "usd"))
        created = now - rng.randrange(DAY, 24 * MONTH)
        if index < 3:
            created = now - 24 * MONTH + index * DAY  # a few long-standing clients
        cust = self.add(acct, "customers", {
            "id": self.id("cus_", 14), "created": created, "name": name, "email": email, "website": website,
            "currency": currency, "country": acct.account["country"],
            "invoice_prefix": "".join(rng.choices(string.ascii_uppercase + string.digits, k=8)),
            "description": f"{kind.replace('_', ' ')} customer", "metadata": {"standin_kind": kind, **({"standin_client": client} if client else {}),
                                                                   **({"website": website} if website else {})},
        })
        self.emit_if_recent(acct, "customer.created", "customers", cust, created)
        roll = rng.random()
        if roll < 0.12 and index >= 3:
            self.one_off_invoices(acct, cust, created)
        else:
            self.subscription_history(acct, cust, created, churn=roll > 0.75, reactivate=roll > 0.9)
            if rng.random() < 0.2:
                self.one_off_invoices(acct, cust, created, count=1)
        return cust

    def pick_plan(self, acct: AccountData, currency: str) -> tuple:
        weights = [c[0] for c in acct.catalog]  # type: ignore[attr-defined]
        _, interval, count, tiers = self.rng.choices(acct.catalog, weights=weights)[0]  # type: ignore[attr-defined]
        prices = [p for p in tiers if p["currency"] == currency]
        return interval, count, prices

    def period_len(self, interval: str, count: int) -> int:
        return {"week": 7 * DAY, "month": MONTH, "year": 365 * DAY}[interval] * count

    def subscription_history(self, acct: AccountData, cust: dict, start: int, churn: bool, reactivate: bool) -> None:
        rng, now = self.rng, self.now
        interval, count, prices = self.pick_plan(acct, cust["currency"])
        plen = self.period_len(interval, count)
        tier = rng.randrange(len(prices))
        trial = rng.random() < 0.15
        sub = {
            "id": self.id("sub_"), "customer": cust["id"], "created": start, "start_date": start,
            "billing_cycle_anchor": start, "currency": cust["currency"], "status": "active",
            "items": [{"id": self.id("si_", 14), "price": prices[tier]["id"], "quantity": rng.choice([1, 1, 1, 2, 3, 5]),
                       "created": start}],
            "trial_start": start if trial else None, "trial_end": start + 14 * DAY if trial else None,
            "current_period_start": start, "current_period_end": start + plen,
        }
        if rng.random() < 0.15:
            cpn = rng.choice(list(acct.coupons))
            sub["discount"] = {"id": self.id("di_"), "coupon": cpn, "customer": cust["id"], "subscription": sub["id"],
                               "start": start, "end": None}
        end = now
        if churn:
            end = start + rng.randrange(2, 12) * plen
            if end >= now:
                churn, end = False, now
        t = sub["trial_end"] or start
        if trial and sub["trial_end"] > now:
            sub["status"] = "trialing"
        periods = 0
        last_inv = None
        while t <= min(end, now):
            periods += 1
            if periods > 1 and rng.random() < 0.06:  # upgrade or downgrade
                new_tier = max(0, min(len(prices) - 1, tier + rng.choice([-1, 1])))
                if new_tier != tier:
                    tier = new_tier
                    sub["items"][0]["price"] = prices[tier]["id"]
            last_inv = self.subscription_invoice(acct, cust, sub, t, plen, prices[tier])
            t += plen
        sub["current_period_start"] = t - plen if periods else start
        sub["current_period_end"] = t if periods else start + plen
        sub["latest_invoice"] = last_inv["id"] if last_inv else None
        if churn:
            sub.update(status="canceled", canceled_at=end, ended_at=end, cancel_at=None,
                       current_period_end=end, cancel_feedback=rng.choice([None, "too_expensive", "switched_service"]))
        elif last_inv is not None and last_inv["status"] == "open" and (last_inv.get("due_date") or now) < now:
            sub["status"] = rng.choice(["past_due", "past_due", "unpaid"])
            cust["delinquent"] = True
        elif sub["status"] == "active" and rng.random() < 0.08:
            sub["cancel_at_period_end"] = True
            sub["cancel_at"] = sub["current_period_end"]
        self.add(acct, "subscriptions", sub)
        self.emit_if_recent(acct, "customer.subscription.created", "subscriptions", sub, start)
        if churn:
            self.emit_if_recent(acct, "customer.subscription.deleted", "subscriptions", sub, end)
            if reactivate and end + 2 * MONTH < now:
                self.subscription_history(acct, cust, end + rng.randrange(MONTH, 2 * MONTH), churn=False,
                                          reactivate=False)

    def subscription_invoice(self, acct, cust, sub, t, plen, price) -> dict:
        item = sub["items"][0]
        qty = item["quantity"]
        lines = [{"id": self.id("il_"), "amount": price["unit_amount"] * qty, "quantity": qty,
                  "description": f"{qty} × {price['nickname']} (at {price['unit_amount'] / 100:.2f} / {price['interval']})",
                  "period_start": t, "period_end": t + plen, "price": price["id"], "subscription_item": item["id"]}]
        if sub.get("trial_end") == t:
            pass
        if self.rng.random() < 0.1:
            extra = self.rng.randrange(1, 20) * 5000
            lines.append({"id": self.id("il_"), "amount": extra, "quantity": 1, "description": "Ad spend pass-through",
                          "period_start": t, "period_end": t + plen, "price": None, "subscription_item": None})
        reason = "subscription_create" if t == sub["start_date"] else "subscription_cycle"
        return self.build_invoice(acct, cust, t, lines, subscription=sub["id"], billing_reason=reason,
                                  discount=sub.get("discount"), period=(t, t + plen))

    def one_off_invoices(self, acct: AccountData, cust: dict, start: int, count: int | None = None) -> None:
        rng, now = self.rng, self.now
        for _ in range(count or rng.randrange(2, 8)):
            t = rng.randrange(start, now)
            n_lines = rng.choice([1, 2, 3, 4, 12, 15]) if count is None else rng.choice([1, 3, 11, 14])
            lines = [{"id": self.id("il_"), "amount": rng.randrange(2, 40) * 2500, "quantity": rng.randrange(1, 9),
                      "description": f"Project work: {rng.choice(['design', 'SEO audit', 'copywriting', 'dev', 'ads setup'])} #{k + 1}",
                      "period_start": t, "period_end": t, "price": None, "subscription_item": None}
                     for k in range(n_lines)]
            self.build_invoice(acct, cust, t, lines, subscription=None, billing_reason="manual",
                               collection="send_invoice", period=(t, t))

    # -- invoices, charges, refunds ----------------------------------------------------
    def build_invoice(self, acct: AccountData, cust: dict, t: int, lines: list[dict], *, subscription: str | None,
                      billing_reason: str, discount: dict | None = None, collection: str = "charge_automatically",
                      period: tuple[int, int] | None = None, status: str | None = None) -> dict:
        rng, now = self.rng, self.now
        subtotal = sum(line["amount"] for line in lines)
        disc_amount = 0
        if discount:
            cpn = acct.coupons[discount["coupon"]]
            disc_amount = (int(subtotal * cpn["percent_off"] / 100) if cpn["percent_off"]
                           else min(subtotal, cpn["amount_off"] or 0))
        tax = int((subtotal - disc_amount) * 0.2) if cust["currency"] in ("eur", "gbp") else 0
        total = subtotal - disc_amount + tax
        age = now - t
        if status is None:
            r = rng.random()
            if age < 10 * DAY and r < 0.5:
                status = "open"
            elif r < 0.88 or age < 20 * DAY:
                status = "paid"
            elif r < 0.93:
                status = "open"  # overdue: due date long gone
            elif r < 0.97:
                status = "void"
            else:
                status = "uncollectible"
        days_due = 30 if collection == "send_invoice" else None
        due = t + (days_due or 14) * DAY if (collection == "send_invoice" or status == "open") else None
        self.inv_seq += 1
        cust["next_invoice_sequence"] = cust.get("next_invoice_sequence", 1) + 1
        inv = {
            "id": self.id("in_"), "customer": cust["id"], "subscription": subscription, "created": t,
            "status": status, "currency": cust["currency"], "subtotal": subtotal, "discount_amount": disc_amount,
            "discount_id": discount["id"] if discount else None, "tax": tax, "total": total, "amount_due": total,
            "amount_paid": total if status == "paid" else 0,
            "amount_remaining": 0 if status in ("paid", "void") else total,
            "due_date": due, "period_start": period[0] if period else t, "period_end": period[1] if period else t,
            "finalized_at": t + 3600, "paid_at": None, "voided_at": None, "uncollectible_at": None,
            "number": f"{cust['invoice_prefix']}-{cust['next_invoice_sequence'] - 1:04d}",
            "customer_email": cust.get("email"), "customer_name": cust.get("name"), "lines": lines,
            "charge": None, "billing_reason": billing_reason, "collection_method": collection,
            "attempt_count": 1 if status != "draft" else 0,
        }
        if status == "paid":
            inv["paid_at"] = min(now, t + 3600 + rng.randrange(0, 10 * DAY if collection == "send_invoice" else 3600))
            if total > 0:
                self.make_charge(acct, cust, inv)
        elif status == "void":
            inv["voided_at"] = min(now, t + 5 * DAY)
            inv["amount_remaining"] = 0
        elif status == "uncollectible":
            inv["uncollectible_at"] = min(now, t + 45 * DAY)
        self.add(acct, "invoices", inv)
        for etype in ("invoice.created", "invoice.finalized"):
            self.emit_if_recent(acct, etype, "invoices", inv, t)
        if status == "paid":
            self.emit_if_recent(acct, "invoice.paid", "invoices", inv, inv["paid_at"])
        return inv

    def make_charge(self, acct: AccountData, cust: dict, inv: dict) -> dict:
        rng = self.rng
        ch = self.add(acct, "charges", {
            "id": self.id("ch_"), "customer": cust["id"], "invoice": inv["id"], "amount": inv["amount_paid"],
            "currency": inv["currency"], "created": inv["paid_at"], "amount_refunded": 0, "refunds": [],
            "email": cust.get("email"), "name": cust.get("name"), "description": f"Payment for Invoice {inv['number']}",
            "brand": rng.choice(["visa", "visa", "mastercard", "amex"]), "last4": rng.choice(["4242", "4444", "0005"]),
        })
        inv["charge"] = ch["id"]
        self.emit_if_recent(acct, "charge.succeeded", "charges", ch, ch["created"])
        r = rng.random()
        if r < 0.04:
            amount = ch["amount"] if r < 0.01 else ch["amount"] // rng.choice([2, 4, 5])
            self.make_refund(acct, ch, amount, min(self.now, ch["created"] + rng.randrange(DAY, 20 * DAY)))
        return ch

    def make_refund(self, acct: AccountData, ch: dict, amount: int, created: int) -> dict:
        ref = self.add(acct, "refunds", {
            "id": self.id("re_"), "charge": ch["id"], "amount": amount, "currency": ch["currency"],
            "created": created, "customer": ch.get("customer"),
            "reason": self.rng.choice(["requested_by_customer", None])})
        ch["refunds"].append(ref["id"])
        ch["amount_refunded"] += amount
        self.emit_if_recent(acct, "charge.refunded", "charges", ch, created)
        return ref

    def emit_if_recent(self, acct: AccountData, etype: str, coll: str, rec: dict, created: int) -> None:
        if self.now - created > 35 * DAY or created > self.now:
            return
        # Rendered lazily on read (a snapshot of the object's current state).
        evt = {"id": self.id("evt_"), "type": etype, "created": created, "object": None, "lazy": (coll, rec),
               "previous": None, "account": acct.account["id"]}
        self.add(acct, "events", evt)


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
