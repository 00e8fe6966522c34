"""Contacts as CSV files: a supervisor exports the last month's or all (Charla's columns or Google
Contacts' import layout), and imports a file all lines or none (shared.contacts.csv_files)."""

from __future__ import annotations

from datetime import timedelta

from shared.contacts import ContactBook, export_csv, import_csv
from shared.contacts.csv_files import ImportReport, Style
from shared.ports.clock import Clock

LAST_MONTH = timedelta(days=30)


class ContactFiles:
    def __init__(self, book: ContactBook, clock: Clock) -> None:
        self._book = book
        self._clock = clock

    def export(self, workspace_id: str, period: str = "all", style: Style = "charla") -> str:
        """``period``: "last_month" (made in the last 30 days) or "all"."""
        since = self._clock.now() - LAST_MONTH if period == "last_month" else None
        return export_csv(self._book.list(workspace_id, since=since), style)

    def import_csv(self, workspace_id: str, text: str) -> ImportReport:
        return import_csv(self._book, workspace_id, text)
