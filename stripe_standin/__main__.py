"""CLI: ``python -m stripe_standin serve|seed``."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _scale(value: str) -> str | int:
    head = value.split("-")[0]
    return int(head) if head.isdigit() and not value.endswith("-customers") else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stripe_standin", description="Local Stripe stand-in")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the stand-in (state lives in memory)")
    seed = sub.add_parser("seed", help="generate data and print a summary (no server)")
    for p in (serve, seed):
        p.add_argument("--seed", type=int, default=int(os.environ.get("STANDIN_SEED", 42)))
        p.add_argument(
            "--scale",
            type=_scale,
            default=os.environ.get("STANDIN_SCALE", "demo"),
            help="demo | small | N | N-invoices | N-customers",
        )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("STANDIN_PORT", 12111)))
    serve.add_argument("--webhook-url", default=os.environ.get("STANDIN_WEBHOOK_URL"))
    serve.add_argument("--webhook-secret", default=os.environ.get("STANDIN_WEBHOOK_SECRET"))
    serve.add_argument(
        "--platform-webhook-url",
        default=os.environ.get("STANDIN_PLATFORM_WEBHOOK_URL"),
        help="endpoint for the platform's own events (Checkout, its subscriptions); --webhook-url gets Connect events",
    )
    serve.add_argument("--platform-webhook-secret", default=os.environ.get("STANDIN_PLATFORM_WEBHOOK_SECRET"))
    serve.add_argument("--link", action="append", default=[], help="account id to connect to the platform at start")
    serve.add_argument("--empty", action="store_true", help="start without generated data")
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--webhook-duplicates",
        type=float,
        default=float(os.environ.get("STANDIN_WEBHOOK_DUPLICATES", 0)),
        help="probability (0..1) that an event is delivered twice, as Stripe may",
    )
    serve.add_argument(
        "--webhook-shuffle",
        type=float,
        default=float(os.environ.get("STANDIN_WEBHOOK_SHUFFLE", 0)),
        help="hold each delivery back a random 0..N seconds, so events arrive out of order",
    )
    args = parser.parse_args(argv)

    from .generator import seed_store
    from .store import Store

    store = Store()
    started = time.monotonic()
    if args.command == "seed" or not getattr(args, "empty", False):
        seed_store(store, args.seed, args.scale)
    if args.command == "seed":
        print(json.dumps({**store.seed_info, "seconds": round(time.monotonic() - started, 2)}, indent=2))
        return 0

    import uvicorn

    from .server import create_app

    app = create_app(store)
    app.webhooks.defaults.update(
        duplicate_probability=args.webhook_duplicates, shuffle_window=args.webhook_shuffle, seed=args.seed
    )
    app.webhooks.restore_defaults()
    if args.webhook_url:
        endpoint = app.webhooks.register(args.webhook_url, ["*"], connect=True, secret=args.webhook_secret)
        endpoint["preregistered"] = True  # survives /_standin/reset_all
    if args.platform_webhook_url:
        endpoint = app.webhooks.register(
            args.platform_webhook_url, ["*"], connect=False, secret=args.platform_webhook_secret
        )
        endpoint["preregistered"] = True
    for acct_id in args.link:
        from .oauth import link

        link(app, acct_id, "read_write")
    print(
        f"stripe stand-in on http://{args.host}:{args.port} (seed={args.seed}, scale={args.scale}, "
        f"key={store.secret_key}, client_id={store.client_id})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, lifespan="on")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
