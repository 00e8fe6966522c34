"""export_history: on the history topic; writes each record to the warehouse."""

from __future__ import annotations

import threading

import functions_framework

from shared.bootstrap import current_platform
from shared.entrypoints.pubsub_envelopes import PubSubDelivery, handle_pubsub_event
from shared.history.export import export_history_records
from shared.messages.wire import HistoryRecord

FUNCTION = "export_history"
_tables_ready = threading.Event()


@functions_framework.cloud_event
def export_history(cloud_event) -> None:
    platform = current_platform()
    if not _tables_ready.is_set():
        # Once per warm instance: creating tables is idempotent but not free.
        platform.warehouse.ensure_tables()
        _tables_ready.set()

    def use_case(delivery: PubSubDelivery) -> None:
        export_history_records(platform.warehouse, [HistoryRecord.from_json(delivery.data)])

    handle_pubsub_event(platform.bus, FUNCTION, cloud_event, use_case)
