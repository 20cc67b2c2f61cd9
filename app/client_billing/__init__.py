"""The white-label client billing page: the agency's branding, private links per client, and buying credit packs."""
