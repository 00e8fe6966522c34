"""Contacts of the agent console: the book (create, edit, merge, search, opt-in, blacklist) and CSV files."""

from shared.contacts.book import ContactBook
from shared.contacts.csv_files import CHARLA_COLUMNS, GOOGLE_COLUMNS, ImportReport, export_csv, import_csv
from shared.contacts.model import (
    CONTACT_KEYS,
    CONTACTS,
    EDITABLE,
    PHONE_CHANNELS,
    Contact,
    DuplicateContact,
    InvalidContactField,
    normalize_email,
    normalize_phone,
)

__all__ = [
    "CHARLA_COLUMNS",
    "CONTACTS",
    "CONTACT_KEYS",
    "EDITABLE",
    "GOOGLE_COLUMNS",
    "PHONE_CHANNELS",
    "Contact",
    "ContactBook",
    "DuplicateContact",
    "ImportReport",
    "InvalidContactField",
    "export_csv",
    "import_csv",
    "normalize_email",
    "normalize_phone",
]
