"""The Northwind Digital demo: an Agency-plan workspace, its owner and teammate, and a dozen clients."""

from __future__ import annotations

from app.accounts.services import create_user
from app.accounts.tables import User
from app.clients.services import ClientInput, create_client
from app.clients.tables import Client
from app.core.timeutil import utcnow
from app.stripe_data.matching import rematch_workspace
from app.workspaces import plans
from app.workspaces.services import Actor, create_workspace, set_plan
from app.workspaces.tables import Membership, Plan, Role, Workspace

DEMO_OWNER = ("owner@demo.test", "demo-password", "Olivia Owner")
DEMO_TEAMMATE = ("teammate@demo.test", "demo-password", "Theo Teammate")
DEMO_WORKSPACE = "Northwind Digital"

# The local Stripe stand-in's generator creates customers for these same names and domains,
# some matching exactly, some by domain only, some not at all.
DEMO_CLIENTS = [
    ("Acme Rockets", ["ops@acme-rockets.com"], ["acme-rockets.com"]),
    ("Bluebird Bakery", ["hello@bluebirdbakery.co.uk"], ["bluebirdbakery.co.uk"]),
    ("Copperleaf Dental", ["frontdesk@copperleafdental.com"], ["copperleafdental.com"]),
    ("Driftwood Surf Co", ["team@driftwoodsurf.com"], ["driftwoodsurf.com"]),
    ("Evergreen Legal", ["billing@evergreenlegal.com"], ["evergreenlegal.com"]),
    ("Foxglove Florists", ["orders@foxglove-florists.com"], ["foxglove-florists.com"]),
    ("Granite & Pine Builders", ["office@graniteandpine.com"], ["graniteandpine.com"]),
    ("Harbor Fitness", ["gm@harborfitness.io"], ["harborfitness.io"]),
    ("Ironclad Security", ["accounts@ironclad-sec.com"], ["ironclad-sec.com"]),
    ("Juniper Yoga", ["namaste@juniperyoga.studio"], ["juniperyoga.studio"]),
    ("Keystone Realty", ["agents@keystonerealty.com"], ["keystonerealty.com"]),
    ("Lumen Optometry", ["care@lumenoptometry.com"], ["lumenoptometry.com"]),
]


async def _user(email: str, password: str, name: str) -> User:
    existing = await User.objects().where(User.email == email).first()
    return existing or await create_user(email, password, name)


async def seed_demo() -> Workspace:
    """Create the demo once; re-running finds it and adds only what is missing.

    Returns:
        The demo workspace.
    """
    owner = await _user(*DEMO_OWNER)
    teammate = await _user(*DEMO_TEAMMATE)
    workspace = (
        await Workspace.objects()
        .where(
            (Workspace.name == DEMO_WORKSPACE)
            & Workspace.id.is_in(Membership.select(Membership.workspace).where(Membership.user == owner.id))
        )
        .first()
    )
    if workspace is None:
        workspace = await create_workspace(owner, DEMO_WORKSPACE, "America/New_York")
    workspace = await set_plan(workspace.id, Plan.agency.value)
    if not await Membership.exists().where((Membership.workspace == workspace.id) & (Membership.user == teammate.id)):
        await Membership.insert(
            Membership(workspace=workspace.id, user=teammate.id, role=Role.teammate.value, created_at=utcnow())
        )
    actor = Actor(user=owner, workspace=workspace, role=Role.owner.value)
    names = {row["name"] for row in await Client.select(Client.name).where(Client.workspace == workspace.id)}
    for name, emails, domains in DEMO_CLIENTS:
        if name not in names:
            await create_client(actor, ClientInput(name=name, emails=emails, domains=domains))
    await rematch_workspace(workspace.id)  # a demo re-seeded after a sync claims its customers at once
    label = plans.terms(Plan.agency).label
    print(f"Demo ready: {DEMO_WORKSPACE} (workspace {workspace.id}, {label} plan), {len(DEMO_CLIENTS)} clients.")
    print(f"Log in at the app URL as {DEMO_OWNER[0]} / {DEMO_OWNER[1]} (teammate: {DEMO_TEAMMATE[0]}).")
    return workspace
