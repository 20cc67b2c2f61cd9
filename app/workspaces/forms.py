"""Inputs of workspace and team forms."""

from dataclasses import dataclass


@dataclass
class WorkspaceForm:
    name: str = ""
    timezone: str = "UTC"


@dataclass
class SwitchForm:
    workspace_id: int = 0


@dataclass
class InviteForm:
    email: str = ""


@dataclass
class RoleForm:
    role: str = ""
