"""Monitoring transactions: the credit ledger as the agency reads it (tab and client page), its CSV, adjustments."""
