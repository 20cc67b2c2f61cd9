"""Client input rules and CSV parsing, without the database."""

import pytest

from app.client_list.queries import ListParams
from app.clients.csv_import import MAX_BYTES, MAX_ROWS, CsvProblem, decode_csv, parse_csv
from app.clients.services import ClientInput, clean_client, split_values


def test_it_splits_values_on_newlines_commas_semicolons_and_pipes():
    assert split_values("a@x.com\nb@x.com, c@x.com;d@x.com | e@x.com\n\n") == [
        "a@x.com",
        "b@x.com",
        "c@x.com",
        "d@x.com",
        "e@x.com",
    ]
    assert split_values(["a.com b.com", "", "c.com"]) == ["a.com", "b.com", "c.com"]


def test_it_normalises_and_deduplicates_emails_and_domains():
    clean, errors = clean_client(
        ClientInput(
            name="  Acme \n Rockets ",
            emails=["Ops@ACME.com; ops@acme.com"],
            domains=["https://www.Example.COM/x", "example.com", "bücher.example"],
        )
    )
    assert errors == {}
    assert clean.name == "Acme Rockets"
    assert clean.emails == ["ops@acme.com"]
    assert clean.domains == ["example.com", "xn--bcher-kva.example"]


def test_it_reports_errors_by_field():
    _, errors = clean_client(ClientInput(name="x" * 201, emails=["nope"], domains=["localhost"], notes="n" * 10_001))
    assert set(errors) == {"name", "emails", "domains", "notes"}
    assert "200 characters" in errors["name"]


def test_emails_and_domains_are_optional():
    assert clean_client(ClientInput(name="Acme"))[1] == {}


def test_it_reads_utf8_with_or_without_a_byte_order_mark():
    assert decode_csv("name\nBücher\n".encode("utf-8-sig")) == "name\nBücher\n"
    assert decode_csv("name\nBücher\n".encode()) == "name\nBücher\n"


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"", "empty"), ("name\nB\xfccher\n".encode("latin-1"), "UTF-8"), (b"x" * (MAX_BYTES + 1), "2 MB")],
)
def test_it_rejects_files_it_cannot_read(raw, message):
    with pytest.raises(CsvProblem, match=message):
        decode_csv(raw)


def test_it_reads_case_insensitive_headers_and_numbers_rows_like_a_spreadsheet():
    rows = parse_csv('NAME,Email,DOMAINS,notes\nAcme,"a@x.com, b@x.com",acme.com,VIP\n\n,,,\nBluebird,,,\n')
    assert [(number, data.name) for number, data in rows] == [(2, "Acme"), (5, "Bluebird")]
    assert split_values(rows[0][1].emails) == ["a@x.com", "b@x.com"]
    assert rows[0][1].notes == "VIP"


def test_it_reads_semicolon_separated_files():
    rows = parse_csv("name;emails;domains\nAcme;a@x.com|b@x.com;acme.com\n")
    assert rows[0][1].name == "Acme" and split_values(rows[0][1].emails) == ["a@x.com", "b@x.com"]


def test_it_ignores_unknown_columns_and_tolerates_short_rows():
    rows = parse_csv("id,name,emails\n7,Acme\n")
    assert rows[0][1].name == "Acme" and split_values(rows[0][1].emails) == []


def test_it_requires_a_header_with_a_name_column():
    with pytest.raises(CsvProblem, match="header"):
        parse_csv("Acme,ops@acme.com\n")


def test_it_refuses_more_than_the_maximum_rows():
    parse_csv("name\n" + "x\n" * MAX_ROWS)
    with pytest.raises(CsvProblem, match="more than 5,000"):
        parse_csv("name\n" + "x\n" * (MAX_ROWS + 1))


def test_list_params_fall_back_to_defaults_and_build_short_urls():
    params = ListParams(q="  acme  co ", status="bogus", sort="nope", page=-3).cleaned()
    assert params == ListParams(q="acme co", status="active", sort="name", page=1)
    assert params.query(page=2) == "?q=acme+co&page=2"
    assert ListParams().query() == ""
