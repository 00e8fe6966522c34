"""Retention (GDPR / LGPD): the scheduled purge of what each workspace's policy no longer keeps, a contact's
erasure on request and the export of everything held about a contact."""

from shared.retention.erasure import erase_contact
from shared.retention.export import export_contact
from shared.retention.model import Counts, ErasureReport, PurgeReport, RetentionDeps
from shared.retention.purge import purge_expired

__all__ = [
    "Counts",
    "ErasureReport",
    "PurgeReport",
    "RetentionDeps",
    "erase_contact",
    "export_contact",
    "purge_expired",
]
