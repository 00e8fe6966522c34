"""Contacts as CSV files: Charla's columns, Google Contacts' layout, spreadsheet formula guards,
and imports that name the line and column of every mistake and write nothing when there is one.
(The book runs on an embedded SQLite store here; tests/integration/test_contact_book.py runs
the import against the Firestore emulator too.)"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

import shared.contacts.csv_files as csv_files
from shared.adapters.embedded.sqlite_document_store import SqliteDocumentStore
from shared.contacts import CHARLA_COLUMNS, GOOGLE_COLUMNS, Contact, ContactBook, export_csv, import_csv
from shared.kernel.errors import InvalidInput
from shared.ports.clock import ManualClock

WS = "ws-tienda"
NOW = "2026-03-02T15:00:00.000000+00:00"


@pytest.fixture
def book(tmp_path):
    store = SqliteDocumentStore(tmp_path / "contacts.sqlite")
    yield ContactBook(store, ManualClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC)))
    store.close()


def ana(**fields) -> Contact:
    base = {"id": "ct_ana", "workspace_id": WS, "name": "María Pérez", "phone": "+573001234567",
            "email": "maria@example.com", "addresses": {"whatsapp": "573001234567", "telegram": "111"},
            "tags": ["vip", "norte"], "variables": {"plan": "oro"}, "created_at": NOW, "updated_at": NOW,
            "opt_in": {"whatsapp": {"granted": True, "at": NOW, "source": "form"},
                       "telegram": {"granted": False, "at": NOW, "source": "STOP"}}}
    return Contact(**{**base, **fields})


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# -- export ------------------------------------------------------------------------


def test_the_charla_export_has_a_column_per_field_and_one_row_per_contact():
    text = export_csv([ana(blacklisted=True, blacklist_reason="abuse", agent="ag-1")])
    header, row = table(text)
    assert header == list(CHARLA_COLUMNS) == ["id", "name", "phone", "email", "channels", "tags", "variables",
                                              "opt_in", "blacklisted", "blacklist_reason", "agent", "created_at",
                                              "updated_at"]
    assert dict(zip(header, row, strict=True)) == {
        "id": "ct_ana", "name": "María Pérez", "phone": "+573001234567", "email": "maria@example.com",
        "channels": "telegram:111; whatsapp:573001234567", "tags": "vip; norte", "variables": '{"plan": "oro"}',
        "opt_in": "whatsapp", "blacklisted": "true", "blacklist_reason": "abuse", "agent": "ag-1",
        "created_at": NOW, "updated_at": NOW}
    assert text.endswith("\r\n") and text.count("\r\n") == 2


def test_the_google_export_uses_the_columns_google_contacts_exports_and_imports():
    header, row, bare = table(export_csv([ana(), Contact(id="ct_2", workspace_id=WS, name="Beto")], style="google"))
    assert header == list(GOOGLE_COLUMNS) == ["First Name", "Middle Name", "Last Name", "Labels",
                                              "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label",
                                              "Phone 1 - Value"]
    assert row == ["María Pérez", "", "", "vip ::: norte", "Other", "maria@example.com", "Mobile", "+573001234567"]
    assert bare == ["Beto", "", "", "", "", "", "", ""]


def test_an_unknown_export_style_is_refused():
    with pytest.raises(InvalidInput, match="style"):
        export_csv([ana()], style="outlook")


@pytest.mark.parametrize("style", ["charla", "google"])
@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://evil","x")', "+SUM(1+1)", "-2+3", "@cmd", "\t=1"])
def test_cells_a_spreadsheet_would_run_get_a_leading_apostrophe(style, dangerous):
    text = export_csv([ana(name=dangerous.strip() if dangerous.startswith("\t") else dangerous,
                           tags=[dangerous.strip()])], style=style)
    header, row = table(text)
    cells = dict(zip(header, row, strict=True))
    name_cell = cells["name" if style == "charla" else "First Name"]
    assert name_cell.startswith("'") and name_cell[1:] in (dangerous, dangerous.strip())
    assert cells["tags" if style == "charla" else "Labels"].startswith("'")
    # A phone number runs nothing and must stay dialable.
    assert cells["phone" if style == "charla" else "Phone 1 - Value"] == "+573001234567"


def test_commas_quotes_and_accents_survive_the_round_trip(book):
    contact = book.create(WS, name='Pérez, Ana "la jefa"', tags=["a,b"], variables={"nota": 'dijo "sí", luego no'})
    text = export_csv([contact])
    assert table(text)[1][1] == 'Pérez, Ana "la jefa"'
    report = import_csv(book, WS, text)
    assert report.ok and report.updated == (contact.id,)
    assert book.get(WS, contact.id).variables == {"nota": 'dijo "sí", luego no'}


def test_guarded_cells_import_back_as_they_were(book):
    contact = book.create(WS, name="=cmd|' /C calc'!A0", tags=["@risky"])
    report = import_csv(book, WS, export_csv([contact]))
    assert report.ok
    again = book.get(WS, contact.id)
    assert (again.name, again.tags) == ("=cmd|' /C calc'!A0", ("@risky",))


# -- import: mistakes ----------------------------------------------------------------


def assert_nothing_written(book: ContactBook) -> None:
    assert book.list(WS) == []


@pytest.mark.parametrize(("text", "error"), [
    ("", (1, "column *: the first line must name the columns")),
    ("name,phnoe\nAna,+573001234567\n", (1, "column phnoe: unknown; the columns are " + ", ".join(CHARLA_COLUMNS))),
    ("name,name\nAna,Ana\n", (1, "column name: named twice in the header")),
])
def test_a_wrong_header_is_reported_on_line_one(book, text, error):
    report = import_csv(book, WS, text)
    assert report.errors == (error,)
    assert_nothing_written(book)


def test_every_wrong_line_is_reported_with_its_column_and_nothing_is_written(book):
    report = import_csv(book, WS, (
        "name,phone,email,channels,tags,variables,opt_in,blacklisted\n"
        "Ana,+573001234567,,,,,,\n"
        'Beto,,,,,"{\n""plan"": ""oro""}",,\n'  # a quoted cell over two lines: the next row starts on line 5
        "Carla,+57 ABC,,,,,,\n"
        "Dora,,,telegram,,,,\n"
        "Eva,,,,,[1],,\n"
        "Fer,,,,,,whats app,\n"
        "Gina,,,,,,,quizás\n"
        ",,,,,,,\n"  # blank rows are skipped
        ",,correo@,,,,,\n"
    ))
    assert report.created == report.updated == ()
    assert [(line, message.split(":")[0]) for line, message in report.errors] == [
        (5, "column phone"), (6, "column channels"), (7, "column variables"), (8, "column opt_in"),
        (9, "column blacklisted"), (11, "column email")]
    assert report.errors[1][1] == "column channels: 'telegram' must be channel:address, e.g. telegram:12345"
    assert_nothing_written(book)


def test_a_row_with_too_many_or_too_few_cells_is_named(book):
    report = import_csv(book, WS, "name,phone\nAna,+573001234567,extra\nBeto\nCarla,+573110000000\n")
    assert report.errors == ((2, "column *: has 3 cells, the header 2"), (3, "column *: has 1 cells, the header 2"))
    assert_nothing_written(book)


def test_a_row_matching_two_different_contacts_is_refused(book):
    ana_ = book.create(WS, name="Ana", phone="+573001234567")
    beto = book.create(WS, name="Beto", addresses={"telegram": "222"})
    report = import_csv(book, WS, "name,phone,channels\nAna B,+573001234567,telegram:222\n")
    assert report.errors == ((2, f"column channels: 222 belongs to contact {beto.id}, but +573001234567 to "
                                 f"contact {ana_.id}"),)
    assert book.get(WS, ana_.id).name == "Ana"


def test_two_rows_for_the_same_contact_are_refused(book):
    existing = book.create(WS, name="Ana", phone="+573001234567")
    report = import_csv(book, WS, f"id,name\n{existing.id},Ana 1\n{existing.id},Ana 2\n")
    assert report.errors == ((3, "column id: is the same contact as line 2"),)
    assert book.get(WS, existing.id).name == "Ana"


def test_a_file_too_long_is_refused_before_anything_is_read_into_the_book(book, monkeypatch):
    monkeypatch.setattr(csv_files, "MAX_IMPORT_ROWS", 2)
    report = import_csv(book, WS, "name\nA1\nA2\nA3\n")
    assert report.errors == ((4, "column *: at most 2 contacts per file; split it"),)
    assert_nothing_written(book)


# -- import: other layouts -----------------------------------------------------------


def test_a_google_contacts_export_imports_names_phones_emails_and_labels(book):
    text = (
        "\ufeffFirst Name,Middle Name,Last Name,Phonetic First Name,Nickname,Labels,E-mail 1 - Label,"
        "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value\n"
        "María,José,Pérez,,Majo,* myContacts ::: Clientes ::: * starred,* Work,"
        "maria@example.com ::: mj@home.example,Mobile,+57 300 123 4567 ::: +57 311 000 0000,Home,+5712345678\n"
        ",,,,,* myContacts,,,Mobile,+52 55 1234 5678,,\n"
    )
    report = import_csv(book, WS, text)
    assert report.ok and len(report.created) == 2
    unnamed, maria = sorted(book.list(WS), key=lambda c: c.name)
    assert (maria.name, maria.phone, maria.email, maria.tags) == (
        "María José Pérez", "+573001234567", "maria@example.com", ("Clientes",))
    assert (unnamed.name, unnamed.phone, unnamed.tags) == ("", "+525512345678", ())


def test_the_older_google_csv_layout_imports_too_and_names_googles_columns(book):
    header = ("Name,Given Name,Additional Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
              "Phone 1 - Type,Phone 1 - Value\n")
    report = import_csv(book, WS, header + "Ana Gómez,Ana,,Gómez,* myContacts ::: VIP,* ,ana@example.com,Mobile,"
                                           "300 123 4567\n")
    assert [(line, message.split(":")[0]) for line, message in report.errors] == [(2, "column Phone 1 - Value")]
    assert_nothing_written(book)
    report = import_csv(book, WS, header + "Ana Gómez,Ana,,Gómez,* myContacts ::: VIP,* ,ana@example.com,Mobile,"
                                           "+57 300 123 4567\n")
    assert report.ok
    (contact,) = book.list(WS)
    assert (contact.name, contact.email, contact.phone, contact.tags) == (
        "Ana Gómez", "ana@example.com", "+573001234567", ("VIP",))


def test_a_semicolon_separated_file_from_a_spanish_spreadsheet_imports(book):
    report = import_csv(book, WS, "name;phone;tags\r\nAna;+57 300 123 4567;vip; norte\r\n".replace(
        "vip; norte", '"vip; norte"'))
    assert report.ok
    (contact,) = book.list(WS)
    assert (contact.name, contact.phone, contact.tags) == ("Ana", "+573001234567", ("vip", "norte"))


def test_a_google_export_of_the_book_imports_into_another_workspace(book):
    book.create(WS, name="Ana", phone="+573001234567", email="ana@example.com", tags=["vip"])
    report = import_csv(book, "ws-nueva", export_csv(book.list(WS), style="google"))
    assert report.ok and len(report.created) == 1
    (copy,) = book.list("ws-nueva")
    assert (copy.name, copy.phone, copy.email, copy.tags) == ("Ana", "+573001234567", "ana@example.com", ("vip",))


def test_charla_column_names_are_read_whatever_their_case(book):
    report = import_csv(book, WS, "Name,Phone,EMAIL\nAna,+573001234567,ana@example.com\n")
    assert report.ok
    (contact,) = book.list(WS)
    assert (contact.name, contact.phone, contact.email) == ("Ana", "+573001234567", "ana@example.com")


def test_a_file_that_is_not_csv_is_reported_where_it_breaks(book):
    report = import_csv(book, WS, 'name,phone\nAna,+573001234567\n"Beto,+57311\n')
    assert [(line, message.split(" (")[0]) for line, message in report.errors] == [
        (3, "column *: not readable as CSV")]
    assert_nothing_written(book)


@pytest.mark.parametrize(("header", "third_row", "column"), [
    ("name,phone", "Tres \ud800,+5491100000003", "name"),  # a lone surrogate: Python text, no store's
    ("name,phone,variables", 'Tres,+5491100000003,"{""plan"": ""\udfff""}"', "variables"),
    ("name,phone,email", "Tres,+5491100000003,\ud83d@example.com", "email"),
    ("name,phone,tags", "Tres,+5491100000003," + "; ".join(f"t{n}" for n in range(60)), "tags"),
])
def test_csv_import_with_a_bad_third_row_writes_nothing(book, header, third_row, column):
    padding = "," * header[len("name,phone"):].count(",")
    text = f"{header}\r\nUno,+5491100000001{padding}\r\nDos,+5491100000002{padding}\r\n{third_row}\r\n"
    report = import_csv(book, WS, text)
    assert not report.ok and report.errors[0][0] == 4 and f"column {column}" in report.errors[0][1], report
    assert book.list(WS) == []
