"""Contacts to and from CSV files: Charla's own columns, and Google Contacts' layout.

Export
- ``style="charla"``: every field, one contact per row; re-importable as is.
- ``style="google"``: the columns Google Contacts itself exports today (First Name, Middle Name,
  Last Name, Labels, E-mail 1 - Label/Value, Phone 1 - Label/Value), which its importer maps
  by name. The whole name goes in First Name: splitting "María José García López" into given
  and family names would be a guess.
- Cells are guarded against formula injection: a cell beginning with = + - @, a tab or a
  carriage return gets a leading apostrophe, so a spreadsheet shows it as text instead of
  running it. Phone numbers ("+" and digits only) are left alone: they run nothing.

Import (``import_csv``)
- Charla files, and Google Contacts files in both its current and its older ("Google CSV":
  Name, Given Name, Family Name, Group Membership, E-mail 1 - Type...) layouts; comma,
  semicolon or tab separated (a spreadsheet in a Spanish locale saves with semicolons).
- A row with an ``id`` updates that contact; otherwise a row whose phone or channel address
  belongs to a contact updates it; otherwise it creates one. An empty cell leaves the field
  as it is; channels and variables are added to the contact's, tags replace its tags, and
  the opt_in column grants consent for the channels it lists (never withdraws any).
- All or nothing: every row is checked first (fields, ids, numbers owned by other contacts,
  two rows claiming the same number) and if any is wrong nothing is written; the report
  names each wrong line (as numbered in the file, the header being line 1) and column.
  Rows are then written one transaction each; should a concurrent change make one fail
  after the check, the report names it and goes on. A store failure (TransientError) stops
  the import half-way: the rows before it stay written, and importing the file again
  updates them (rows are recognised by id, phone or address) instead of duplicating them,
  except rows with none of those.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from shared.contacts.book import ContactBook
from shared.contacts.model import EDITABLE, Contact, InvalidContactField, instant
from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound

Style = Literal["charla", "google"]

CHARLA_COLUMNS = ("id", "name", "phone", "email", "channels", "tags", "variables", "opt_in", "blacklisted",
                  "blacklist_reason", "agent", "created_at", "updated_at")
GOOGLE_COLUMNS = ("First Name", "Middle Name", "Last Name", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
                  "Phone 1 - Label", "Phone 1 - Value")
MAX_IMPORT_ROWS = 10_000
IMPORT_SOURCE = "csv import"

_LIST_SEPARATOR = ";"
_GOOGLE_SEPARATOR = ":::"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TRUE = ("true", "yes", "1", "si", "sí")
_FALSE = ("false", "no", "0")
# Google's own groups ("* myContacts", "* starred") are not tags.
_GOOGLE_SYSTEM_LABEL = "*"
_GOOGLE_NAME_PARTS = (("First Name", "Middle Name", "Last Name"), ("Given Name", "Additional Name", "Family Name"))
_GOOGLE_FIELDS = {"phone": ("Phone 1 - Value",), "email": ("E-mail 1 - Value",),
                  "tags": ("Labels", "Group Membership"), "name": ("Name", "First Name", "Given Name")}


@dataclass(frozen=True)
class ImportReport:
    created: tuple[str, ...] = ()  # contact ids
    updated: tuple[str, ...] = ()
    errors: tuple[tuple[int, str], ...] = ()  # (line in the file, message naming the column)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- export --------------------------------------------------------------------


def _guarded(cell: str) -> str:
    if cell.startswith(_FORMULA_START) and not (cell[0] == "+" and cell[1:].isdigit() and cell[1:].isascii()):
        return "'" + cell
    return cell


def _unguarded(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell


def _charla_row(contact: Contact) -> list[str]:
    granted = sorted(channel for channel, entry in contact.opt_in.items() if entry["granted"])
    return [
        contact.id, contact.name, contact.phone, contact.email,
        f"{_LIST_SEPARATOR} ".join(f"{channel}:{address}" for channel, address in contact.addresses.items()),
        f"{_LIST_SEPARATOR} ".join(contact.tags),
        json.dumps(contact.variables, ensure_ascii=False, sort_keys=True) if contact.variables else "",
        f"{_LIST_SEPARATOR} ".join(granted),
        "true" if contact.blacklisted else "false",
        contact.blacklist_reason, contact.agent, contact.created_at, contact.updated_at,
    ]


def _google_row(contact: Contact) -> list[str]:
    return [
        contact.name, "", "",
        f" {_GOOGLE_SEPARATOR} ".join(contact.tags),
        "Other" if contact.email else "", contact.email,
        "Mobile" if contact.phone else "", contact.phone,
    ]


def export_csv(contacts: Iterable[Contact], style: Style = "charla") -> str:
    """The contacts as CSV text (header first, CRLF line ends as RFC 4180 says)."""
    if style not in ("charla", "google"):
        raise InvalidInput(f"style: must be 'charla' or 'google', got {style!r}")
    header, row_of = (CHARLA_COLUMNS, _charla_row) if style == "charla" else (GOOGLE_COLUMNS, _google_row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for contact in contacts:
        writer.writerow([_guarded(cell) for cell in row_of(contact)])
    return out.getvalue()


# -- reading a file ------------------------------------------------------------


class _LineError(Exception):
    def __init__(self, column: str, problem: str, line: int = 0) -> None:
        super().__init__(f"column {column}: {problem}")
        self.line = line


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    contact_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    grants: tuple[str, ...] = ()
    problem: str = ""  # wrong before its cells are read (a cell too many or too few)


@dataclass
class _Plan:
    row: _Row
    target: Contact | None  # None: a new contact
    final: Contact  # the contact as the row leaves it
    changes: dict[str, Any]  # for an update: the fields the row sets


def _delimiter(header_line: str) -> str:
    return max((",", ";", "\t"), key=header_line.count)


def _rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and data rows, each with the file line it starts on; blank rows skipped."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        header = [name.strip() for name in next(reader, [])]
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _LineError("*", f"not readable as CSV ({exc})", line) from None
    return header, rows


def _row(line: int, cells: list[str], header: list[str]) -> _Row:
    row = _Row(line, {name: _unguarded(cell.strip()) for name, cell in zip(header, cells, strict=False)})
    if len(cells) != len(header):
        row.problem = f"has {len(cells)} cells, the header {len(header)}"
    return row


def _is_google(header: list[str]) -> bool:
    return any(name in header for parts in _GOOGLE_NAME_PARTS for name in parts) or any(
        name.endswith((" - Value", " - Type", " - Label")) or name in ("Labels", "Group Membership")
        for name in header)


def _check_header(header: list[str], google: bool) -> list[str]:
    problems = []
    if not header or not any(header):
        return ["column *: the first line must name the columns"]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        problems.append(f"column {duplicates[0]}: named twice in the header")
    if not google:
        problems += [f"column {name}: unknown; the columns are {', '.join(CHARLA_COLUMNS)}"
                     for name in header if name not in CHARLA_COLUMNS]
    return problems


def _split(cell: str, separator: str) -> list[str]:
    return [part.strip() for part in cell.split(separator) if part.strip()]


def _charla_fields(row: _Row) -> None:
    cells = row.cells
    row.contact_id = cells.get("id", "")
    for name in ("name", "phone", "email", "blacklist_reason", "agent"):
        if cells.get(name):
            row.fields[name] = cells[name]
    if cells.get("channels"):
        addresses = {}
        for part in _split(cells["channels"], _LIST_SEPARATOR):
            channel, sep, address = part.partition(":")
            if not sep or not channel.strip() or not address.strip():
                raise _LineError("channels", f"{part!r} must be channel:address, e.g. telegram:12345")
            addresses[channel.strip()] = address.strip()
        row.fields["addresses"] = addresses
    if cells.get("tags"):
        row.fields["tags"] = _split(cells["tags"], _LIST_SEPARATOR)
    if cells.get("variables"):
        try:
            variables = json.loads(cells["variables"])
        except ValueError:
            variables = None
        if not isinstance(variables, dict):
            raise _LineError("variables", 'must be a JSON object of text values, e.g. {"plan": "gold"}')
        row.fields["variables"] = variables
    if cells.get("opt_in"):
        row.grants = tuple(_split(cells["opt_in"], _LIST_SEPARATOR))
    flag = cells.get("blacklisted", "").casefold()
    if flag:
        if flag not in _TRUE + _FALSE:
            raise _LineError("blacklisted", f"must be true or false, got {cells['blacklisted']!r}")
        row.fields["blacklisted"] = flag in _TRUE


def _google_fields(row: _Row) -> None:
    cells = row.cells
    name = cells.get("Name", "")
    for parts in _GOOGLE_NAME_PARTS:
        name = name or " ".join(cells.get(part, "") for part in parts if cells.get(part))
    if name:
        row.fields["name"] = name
    for field_name in ("phone", "email"):
        column = _GOOGLE_FIELDS[field_name][0]
        values = _split(cells.get(column, ""), _GOOGLE_SEPARATOR)
        if values:
            row.fields[field_name] = values[0]
    labels = [label for column in _GOOGLE_FIELDS["tags"] for label in _split(cells.get(column, ""),
                                                                               _GOOGLE_SEPARATOR)]
    tags = [label for label in labels if not label.startswith(_GOOGLE_SYSTEM_LABEL)]
    if tags:
        row.fields["tags"] = tags


def _column_of(field_name: str, header: list[str], google: bool) -> str:
    """The column of the file a contact field came from."""
    root = field_name.split(".", 1)[0]
    if google:
        if root == "contact":
            return "Name, E-mail 1 - Value or Phone 1 - Value"
        return next((c for c in _GOOGLE_FIELDS.get(root, ()) if c in header), root)
    if root == "contact":
        return "name, phone, email or channels"
    return {"addresses": "channels"}.get(root, root)


# -- planning and writing ------------------------------------------------------


def _target(book: ContactBook, workspace_id: str, row: _Row) -> tuple[Contact | None, str]:
    """The contact a row updates (None: it creates one), and the column that chose it."""
    if row.contact_id:
        try:
            return book.get(workspace_id, row.contact_id), "id"
        except NotFound:
            raise _LineError("id", f"no contact {row.contact_id!r} in this workspace") from None
    draft = Contact(id="ct_new", workspace_id=workspace_id, **row.fields)
    owners: dict[str, tuple[Contact, str]] = {}
    for key, field_name in draft.index_keys().items():
        owner = _owner_of(book, workspace_id, key)
        if owner is not None:
            owners.setdefault(owner.id, (owner, field_name))
    found = list(owners.values())
    if len(found) > 1:
        (first, first_field), (second, second_field) = found[:2]
        raise _LineError(_column(second_field), f"{draft.value_of(second_field)} belongs to contact {second.id}, "
                                                f"but {draft.value_of(first_field)} to contact {first.id}")
    return (found[0][0], _column(found[0][1])) if found else (None, "")


def _plan(book: ContactBook, workspace_id: str, row: _Row, now: str, claimed: dict[str, int],
          targets: dict[str, int]) -> _Plan:
    """What a row would do, checked against the book and the rows before it (raises _LineError)."""
    target, chosen_by = _target(book, workspace_id, row)
    if target is None:
        changes = {**row.fields, "opt_in": _granted({}, row.grants, now)}
        final = Contact(id="ct_new", workspace_id=workspace_id, created_at=now, updated_at=now, **changes)
    else:
        earlier = targets.setdefault(target.id, row.line)
        if earlier != row.line:
            raise _LineError(chosen_by, f"is the same contact as line {earlier}")
        changes = _changes(target, row, now)
        final = replace(target, **changes, updated_at=now)
        for key, field_name in final.index_keys().items():
            owner = None if key in target.index_keys() else _owner_of(book, workspace_id, key)
            if owner is not None and owner.id != target.id:
                raise _LineError(_column(field_name),
                                 f"{final.value_of(field_name)} already belongs to contact {owner.id}")
    for key, field_name in final.index_keys().items():
        earlier = claimed.setdefault(key, row.line)
        if earlier != row.line:
            raise _LineError(_column(field_name), f"{final.value_of(field_name)} is also on line {earlier}")
    return _Plan(row, target, final, changes)


def _column(field_name: str) -> str:
    """The Charla column of a key-claiming field ("phone", "addresses.telegram")."""
    return "channels" if field_name.startswith("addresses.") else field_name


def _owner_of(book: ContactBook, workspace_id: str, key: str) -> Contact | None:
    channel, _, value = key.partition(":")
    if channel == "phone":
        return book.find_by_phone(workspace_id, value)
    return book.find_by_address(workspace_id, channel, value)


def _granted(opt_in: dict[str, Any], channels: Iterable[str], now: str) -> dict[str, Any]:
    granted = dict(opt_in)
    for channel in channels:
        if not granted.get(channel, {}).get("granted"):
            granted[channel] = {"granted": True, "at": now, "source": IMPORT_SOURCE}
    return granted


def _changes(target: Contact, row: _Row, now: str) -> dict[str, Any]:
    changes = dict(row.fields)
    if "addresses" in changes:
        changes["addresses"] = {**target.addresses, **changes["addresses"]}
    if "variables" in changes:
        changes["variables"] = {**target.variables, **changes["variables"]}
    if row.grants:
        changes["opt_in"] = _granted(target.opt_in, row.grants, now)
    return changes


def import_csv(book: ContactBook, workspace_id: str, text: str) -> ImportReport:
    """Create and update contacts from a CSV file; nothing is written if any line is wrong."""
    try:
        header, raw_rows = _rows(text)
    except _LineError as exc:
        return ImportReport(errors=((exc.line, str(exc)),))
    google = _is_google(header)
    if not google:
        header = [name.lower() for name in header]  # "Name,Phone" from a spreadsheet is meant the same
    problems = _check_header(header, google)
    if problems:
        return ImportReport(errors=tuple((1, problem) for problem in problems))
    if len(raw_rows) > MAX_IMPORT_ROWS:
        return ImportReport(errors=((raw_rows[MAX_IMPORT_ROWS][0], f"column *: at most {MAX_IMPORT_ROWS} contacts "
                                                                   "per file; split it"),))
    rows = [_row(line, cells, header) for line, cells in raw_rows]
    now = instant(book.clock.now())
    plans, errors, claimed, targets = [], [], {}, {}
    for row in rows:
        try:
            if row.problem:
                raise _LineError("*", row.problem)
            (_google_fields if google else _charla_fields)(row)
            plans.append(_plan(book, workspace_id, row, now, claimed, targets))
        except _LineError as exc:
            errors.append((row.line, str(exc)))
        except InvalidContactField as exc:
            errors.append((row.line, f"column {_column_of(exc.field, header, google)}: {exc.problem}"))
    if errors:
        return ImportReport(errors=tuple(errors))
    created, updated = [], []
    for plan in plans:
        try:
            if plan.target is None:
                created.append(book.create(workspace_id, **{f: getattr(plan.final, f) for f in EDITABLE}).id)
            else:
                updated.append(book.update(workspace_id, plan.target.id, **plan.changes).id)
        except (AlreadyExists, NotFound) as exc:
            errors.append((plan.row.line, f"column *: not written, the book changed while importing ({exc})"))
    return ImportReport(created=tuple(created), updated=tuple(updated), errors=tuple(errors))

