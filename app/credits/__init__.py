"""Clients' credits: the append-only ledger per client, its cached balance, and each client's auto-recharge."""
