"""The Monday Brief: a weekly email per person and workspace (who reads it, what it says, when and how it is sent)."""
