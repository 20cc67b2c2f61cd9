"""Inputs of the sign-up, log-in and password forms."""

from dataclasses import dataclass


@dataclass
class SignupForm:
    email: str = ""
    password: str = ""
    name: str = ""
    workspace_name: str = ""
    next: str = ""


@dataclass
class LoginForm:
    email: str = ""
    password: str = ""
    next: str = ""


@dataclass
class ForgotPasswordForm:
    email: str = ""


@dataclass
class ResetPasswordForm:
    password: str = ""
