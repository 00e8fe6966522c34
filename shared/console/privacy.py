"""What the law asks of what is held about a contact, as the console's admins and supervisors ask it: erase
everything (right to be forgotten) or export everything (right of access); shared.retention does both."""

from __future__ import annotations

from typing import Any

from shared.ports.context import ConsolePorts
from shared.retention import ErasureReport, erase_contact, export_contact


class ContactPrivacy:
    def __init__(self, ports: ConsolePorts) -> None:
        self._ports = ports

    def erase(self, workspace_id: str, contact_id: str) -> ErasureReport:
        return erase_contact(self._ports, workspace_id, contact_id)

    def export(self, workspace_id: str, contact_id: str) -> dict[str, Any]:
        return export_contact(self._ports, workspace_id, contact_id)
