"""Operator command line: `python -m app migrate|seed-demo|create-user|set-plan|set-rate|brief-status|credits-check|
worker|serve`."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import subprocess
import sys

from app.settings import DEMO_HINT, ROOT, ImproperlyConfigured, get_settings
from app.workspaces.plans import PLAN_IDS


class Refused(Exception):
    """The command would be unsafe with these settings; the message says what to change."""


def migrate() -> None:
    """Apply every Piccolo migration, then make sure SQLite runs in WAL mode."""
    env = {**os.environ, "PICCOLO_CONF": "piccolo_conf"}
    subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "all"],
        check=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    asyncio.run(_enable_wal())
    print("Database is up to date.")


async def _enable_wal() -> None:
    from piccolo.engine import engine_finder

    if not get_settings().uses_postgres:
        # WAL lets the web process read while the Huey consumer writes; it is a property of the file.
        await engine_finder().run_ddl("PRAGMA journal_mode=WAL")


def create_user(email: str, password: str, workspace: str | None) -> None:
    from app.accounts.services import create_user as _create
    from app.workspaces.services import create_workspace

    async def run() -> None:
        user = await _create(email, password)
        if workspace:
            ws = await create_workspace(user, workspace)
            print(f"Created {user.email} as owner of workspace {ws.id} ({ws.name}).")
        else:
            print(f"Created {user.email}.")

    asyncio.run(run())


def set_plan(workspace_id: int, plan: str) -> None:
    from app.workspaces.services import set_plan as _set_plan

    ws = asyncio.run(_set_plan(workspace_id, plan))
    print(f"Workspace {ws.id} ({ws.name}) is now on the {ws.plan} plan.")


def set_rate(month: str, currency: str, usd_per_unit: str) -> None:
    from app.revenue.rates import set_rate as _set_rate

    rate = asyncio.run(_set_rate(month, currency, usd_per_unit))
    print(f"From {month} on, 1 {currency.upper()} = {rate} USD in revenue history (until a later month's rate).")


def brief_status(week: str | None) -> None:
    """This ISO week's Monday Brief deliveries: counts per status, then every dropped or failing one."""
    from datetime import date

    from app.brief.delivery import week_status
    from app.core.timeutil import utcnow

    when = date.fromisoformat(f"{week}-1") if week else utcnow().date()
    status = asyncio.run(week_status(when))
    print(f"Monday Brief, week {status.iso_year}-W{status.iso_week:02d}")
    for name, count in status.counts.items():
        print(f"  {name:<8} {count}")
    for row in status.problems:
        error = row["last_error"] or "-"
        print(
            f"{row['status']}: workspace {row['workspace_id']} user {row['user_id']} "
            f"attempts {row['attempts']} last error: {error}"
        )


def credits_check() -> int:
    """Every client whose cached credit balance differs from its ledger; 1 when there is any (nothing is fixed)."""
    from app.credits.checks import describe, report_mismatches

    found = asyncio.run(report_mismatches())
    for mismatch in found:
        print(describe(mismatch))
    print(
        f"{len(found)} credit balance(s) differ from their ledger."
        if found
        else "Every credit balance matches its ledger."
    )
    return 1 if found else 0


def seed_demo() -> None:
    if get_settings().production:
        # The demo's logins have published passwords: in production they would be a way in.
        raise Refused(f"seed-demo creates logins with published passwords and never runs in production. {DEMO_HINT}")
    from app.demo import seed_demo as _seed

    asyncio.run(_seed())


def worker(workers: int, periodic: bool = True) -> None:
    args = [sys.executable, "-m", "huey.bin.huey_consumer", "tasks.huey", "-w", str(workers), "-k", "thread"]
    os.execvp(sys.executable, args if periodic else [*args, "--no-periodic"])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another host name: it may well resolve to a public address


def serve(host: str, port: int) -> None:
    import uvicorn

    if get_settings().uses_dev_secret_key and not _is_loopback(host):
        # Anyone can forge sessions signed with the published development key: keep it on this machine.
        raise Refused(
            f"serve refuses --host {host}: the development SECRET_KEY (published in this repository) is "
            "in use, so only a loopback address (127.0.0.1, ::1, localhost) is allowed. Set SECRET_KEY "
            "to a random value of 32+ characters to listen elsewhere."
        )

    # No access log: callback URLs carry OAuth codes and states, which must not land in logs.
    uvicorn.run("app.asgi:app", host=host, port=port, log_level="info", proxy_headers=True, access_log=False)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Their INFO lines carry full URLs (OAuth codes and states included); ours say what matters.
    for noisy in ("httpx", "stripe"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m app", description="ClientPulse operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed-demo", help="create (or refresh) the Northwind Digital demo; safe to re-run")
    p = sub.add_parser("create-user", help="create a login, optionally with a workspace it owns")
    p.add_argument("email")
    p.add_argument("password")
    p.add_argument("--workspace", help="name of a new workspace to create with this user as owner")
    p = sub.add_parser("set-plan", help="change a workspace's plan")
    p.add_argument("workspace", type=int, help="workspace id")
    p.add_argument("plan", choices=PLAN_IDS)
    p = sub.add_parser("set-rate", help="record a month's exchange rate for revenue history (app/revenue/rates.py)")
    p.add_argument("month", help="YYYY-MM")
    p.add_argument("currency", help="three-letter code, e.g. eur")
    p.add_argument("usd_per_unit", help="US dollars per unit of the currency, e.g. 1.08")
    p = sub.add_parser("brief-status", help="this week's Monday Brief deliveries, and the dropped or failing ones")
    p.add_argument("--week", help="an ISO week, e.g. 2026-W48 (default: the current one, in UTC)")
    sub.add_parser("credits-check", help="list clients whose cached credit balance differs from their ledger")
    p = sub.add_parser("worker", help="run the Huey consumer")
    p.add_argument("--workers", type=int, default=2)
    # Tests run their own worker beside other tests' rows: a catch-up firing at a minute mark would change them.
    p.add_argument("--no-periodic", action="store_true", help="run queued tasks only, not the periodic ones")
    p = sub.add_parser("serve", help="run the web server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    from app.core.errors import DomainError

    try:
        get_settings()  # every command, so bad settings stop it here with one message, before any work
    except ImproperlyConfigured as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "migrate":
            migrate()
        elif args.command == "seed-demo":
            seed_demo()
        elif args.command == "create-user":
            create_user(args.email, args.password, args.workspace)
        elif args.command == "set-plan":
            set_plan(args.workspace, args.plan)
        elif args.command == "set-rate":
            set_rate(args.month, args.currency, args.usd_per_unit)
        elif args.command == "brief-status":
            brief_status(args.week)
        elif args.command == "credits-check":
            return credits_check()
        elif args.command == "worker":
            worker(args.workers, periodic=not args.no_periodic)
        elif args.command == "serve":
            serve(args.host, args.port)
    except DomainError as exc:
        details = "; ".join(getattr(exc, "errors", {}).values()) or exc.message
        print(f"error: {details}", file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
