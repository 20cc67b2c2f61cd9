"""Emails and domains are normalised the same way everywhere."""

import pytest

from app.core.validation import InvalidValue, display_domain, normalise_domain, normalise_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Example.COM", "example.com"),
        ("www.example.com", "example.com"),
        ("https://WWW.Example.com/path?q=1", "example.com"),
        ("example.com.", "example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("shop.example.co.uk:443", "shop.example.co.uk"),
    ],
)
def test_it_normalises_domains(raw, expected):
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize("raw", ["", "localhost", "exa mple.com", "-x.com", "1.2.3.4", "http://"])
def test_it_rejects_what_is_not_a_domain(raw):
    with pytest.raises(InvalidValue):
        normalise_domain(raw)


def test_it_lower_cases_emails_and_encodes_idn_domains():
    assert normalise_email("  Ops@ACME-Rockets.COM ") == "ops@acme-rockets.com"
    assert normalise_email("anna@Bücher.example") == "anna@xn--bcher-kva.example"


@pytest.mark.parametrize("raw", ["", "no-at-sign", "a@", "@b.com", "a@b"])
def test_it_rejects_malformed_emails(raw):
    with pytest.raises(InvalidValue):
        normalise_email(raw)


def test_it_shows_idn_domains_in_unicode():
    assert display_domain("xn--bcher-kva.example") == "bücher.example"
