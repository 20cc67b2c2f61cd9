"""The generator's fixed material: the demo agency, its clients and stories, the accounts, plans and scales,
and the words names are made of."""

from __future__ import annotations

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
# A website, like any Stripe customer's, lives in metadata (`metadata.website`): customers have no website field.
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
PROJECT_WORK = ["design", "SEO audit", "copywriting", "dev", "ads setup"]
WORDS_A = [
    "Silver",
    "Blue",
    "Maple",
    "Atlas",
    "Nova",
    "Cedar",
    "Summit",
    "Orchid",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Sparrow",
    "Tidal",
    "Urban",
    "Vertex",
    "Willow",
    "Zephyr",
    "Amber",
    "Beacon",
    "Coral",
]
WORDS_B = [
    "Analytics",
    "Bistro",
    "Clinic",
    "Design",
    "Energy",
    "Fitness",
    "Gallery",
    "Holdings",
    "Interiors",
    "Journeys",
    "Kitchens",
    "Labs",
    "Media",
    "Nursery",
    "Outfitters",
    "Partners",
    "Roofing",
    "Studio",
]
FIRST = ["alex", "sam", "jordan", "maria", "li", "noah", "olivia", "priya", "tom", "yusuf", "emma", "lucas"]
LAST = ["smith", "garcia", "chen", "patel", "murphy", "kowalski", "nguyen", "okafor", "rossi", "berg"]

ACCOUNTS = [
    # id, name, email, country, currency, owner, owner name
    (
        "acct_1NorthwindDigital",
        "Northwind Digital",
        "billing@northwind.test",
        "US",
        "usd",
        "owner@demo.test",
        "Olivia Owner",
    ),
    (
        "acct_1NorthwindLabsLtd",
        "Northwind Labs Ltd",
        "labs@northwind.test",
        "GB",
        "gbp",
        "owner@demo.test",
        "Olivia Owner",
    ),
    (
        "acct_1ElsewhereTrading",
        "Elsewhere Trading Co",
        "ops@elsewhere.test",
        "US",
        "usd",
        "someone@elsewhere.test",
        "Sam Someone",
    ),
]
PLANS = [  # nickname, interval, interval_count, weight, amount range (major units)
    ("Monthly retainer", "month", 1, 60, (400, 6000)),
    ("Quarterly retainer", "month", 3, 15, (1500, 15000)),
    ("Annual support", "year", 1, 10, (3000, 30000)),
    ("Weekly social media", "week", 1, 5, (150, 900)),
]
SCALES = {"small": (10, 3, 2), "demo": (40, 12, 6)}
# How the demo agency's story plays out for some of its clients, whatever the dice say:
# name -> (plan, periods billed, days since the latest invoice, collection method, how the latest invoice ends).
DEMO_STORIES = {
    "Copperleaf Dental Group": ("Monthly retainer", 23, 6, "charge_automatically", "failed"),  # Stripe retries
    "Ironclad Security Inc": ("Monthly retainer", 20, 20, "charge_automatically", "failed"),  # retries ran out
    "Evergreen Legal LLP": ("Monthly retainer", 18, 27, "send_invoice", "unpaid"),  # net 14, past due
    "Lumen Optometry": ("Quarterly retainer", 8, 70, "send_invoice", "paid_late"),
    "Bluebird Bakery Ltd": ("Annual support", 2, 50, "charge_automatically", "paid_after_retry"),
    "Foxglove Florists": ("Annual support", 2, 120, "charge_automatically", "paid"),
    "Keystone Realty": ("Annual support", 1, 200, "send_invoice", "paid_on_time"),
    "Granite and Pine": (None, 0, 50, "send_invoice", "unpaid"),  # project work, net 30, past due
    "Juniper Yoga Studio": (None, 0, 5, "send_invoice", "unpaid"),  # net 30, not yet due
    "Harbour Fitness Club": ("Monthly retainer", 20, 10, "charge_automatically", "churned_and_back"),
}
HISTORY_MONTHS = 24
# Usage billed in arrears on some monthly retainers (a metered price, per click, in minor units), drawn from a
# generator of its own so that every other object of a seed stays exactly as it was before usage existed.
METERED = ("Ad clicks (metered)", 5)
METERED_SHARE = 0.25
CUSTOMERS_SCALE_HISTORY_MONTHS = 8  # keeps an N-customers agency near 5 invoices a customer
