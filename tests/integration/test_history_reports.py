"""Every report on the seeded month (tests/support/seeded_month.py), on DuckDB, with numbers worked out by
hand from the spec there. The window is March 2026 in UTC unless a test says otherwise; the other
workspace (ws-b) reuses every name of ws-a, so any leak would change these numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from shared.adapters.embedded.duckdb_warehouse import DuckDBWarehouse
from shared.adapters.gcp.bigquery_warehouse import BigQueryWarehouse
from shared.history.reports import REPORTS, report_csv, run_report
from shared.kernel.errors import InvalidInput, NotFound
from tests.support.fake_bigquery import FakeBigQuery
from tests.support.seeded_month import MONTH_END, MONTH_START, OTHER_WS, WS, at, seeded_month
from tests.support.wsgi_server import serve_wsgi


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> DuckDBWarehouse:
    warehouse = DuckDBWarehouse(tmp_path_factory.mktemp("history") / "charla.duckdb")
    warehouse.ensure_tables()
    for table, rows in seeded_month().items():
        warehouse.insert_rows(table, rows)
    return warehouse


def report(warehouse: DuckDBWarehouse, name: str, start: datetime = MONTH_START, end: datetime = MONTH_END,
           workspace: str = WS, **extra: Any) -> list[dict[str, Any]]:
    return run_report(warehouse, name, workspace, start, end, **extra)


def column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


# --- chats in progress at the end of the window ---------------------------------------------------


def test_open_chats_are_those_in_line_without_an_agent(warehouse: DuckDBWarehouse) -> None:
    # a10 waits in soporte since March 30 18:00: 30 hours before April 1st.
    assert report(warehouse, "open_chats") == [
        {"ticket_id": "tk-a10", "conversation_id": "conv-a10", "channel": "telegram", "queue": "soporte",
         "opened_at": at(30, 18), "waiting_since": at(30, 18), "waiting_s": 30 * 3600},
    ]


def test_pending_chats_wait_for_the_agents_answer(warehouse: DuckDBWarehouse) -> None:
    # a08: beto answered at 12:05, the customer wrote again at 12:10 and waits since (11 days 11:50).
    assert report(warehouse, "pending_chats") == [
        {"ticket_id": "tk-a08", "conversation_id": "conv-a08", "channel": "whatsapp", "queue": "soporte",
         "agent_id": "beto", "opened_at": at(20, 12, 2), "last_customer_message_at": at(20, 12, 10),
         "last_agent_message_at": at(20, 12, 5), "waiting_since": at(20, 12, 10),
         "waiting_s": 11 * 86400 + 11 * 3600 + 50 * 60},
    ]


def test_follow_up_chats_wait_for_the_customer(warehouse: DuckDBWarehouse) -> None:
    # a09: the customer wrote at 15:06, ana answered last at 15:10 (3 days 8:50 before the end).
    assert report(warehouse, "follow_up_chats") == [
        {"ticket_id": "tk-a09", "conversation_id": "conv-a09", "channel": "webchat", "queue": "ventas",
         "agent_id": "ana", "opened_at": at(28, 15, 1), "last_customer_message_at": at(28, 15, 6),
         "last_agent_message_at": at(28, 15, 10), "waiting_since": at(28, 15, 10),
         "waiting_s": 3 * 86400 + 8 * 3600 + 50 * 60},
    ]


def test_a_chat_moves_from_pending_to_follow_up_when_the_agent_answers(warehouse: DuckDBWarehouse) -> None:
    # a08 was assigned to beto at 12:03 and answered at 12:05.
    before_answer, after_answer = at(20, 12, 4), at(20, 12, 7)

    pending = report(warehouse, "pending_chats", end=before_answer)
    assert column(pending, "ticket_id") == ["tk-a08"]
    assert (pending[0]["waiting_since"], pending[0]["waiting_s"]) == (at(20, 12, 2), 120)
    assert report(warehouse, "follow_up_chats", end=before_answer) == []

    assert report(warehouse, "pending_chats", end=after_answer) == []
    [follow_up] = report(warehouse, "follow_up_chats", end=after_answer)
    assert (follow_up["ticket_id"], follow_up["waiting_s"]) == ("tk-a08", 120)


def test_the_other_workspace_sees_only_its_own_chats(warehouse: DuckDBWarehouse) -> None:
    assert column(report(warehouse, "open_chats", workspace=OTHER_WS), "ticket_id") == ["tk-b02"]
    assert column(report(warehouse, "pending_chats", workspace=OTHER_WS), "ticket_id") == ["tk-b03"]
    assert report(warehouse, "follow_up_chats", workspace=OTHER_WS) == []
    assert report(warehouse, "agents", workspace=OTHER_WS) == [
        {"agent_id": "ana", "incoming": 2, "resolved": 1, "active": 1, "avg_first_response_s": 60.0,
         "avg_first_response_from_queue_s": 120.0},
    ]


# --- chats of the window --------------------------------------------------------------------------


def test_new_chats_are_the_tickets_opened_in_the_window_per_day_and_channel(warehouse: DuckDBWarehouse) -> None:
    # a12 was opened in February; a13 never went to people.
    assert report(warehouse, "new_chats") == [
        {"day": date(2026, 3, 3), "channel": "whatsapp", "chats": 1},
        {"day": date(2026, 3, 5), "channel": "webchat", "chats": 1},
        {"day": date(2026, 3, 10), "channel": "telegram", "chats": 1},
        {"day": date(2026, 3, 12), "channel": "messenger", "chats": 1},
        {"day": date(2026, 3, 15), "channel": "whatsapp", "chats": 1},
        {"day": date(2026, 3, 20), "channel": "whatsapp", "chats": 1},
        {"day": date(2026, 3, 28), "channel": "webchat", "chats": 1},
        {"day": date(2026, 3, 30), "channel": "telegram", "chats": 1},
    ]


def test_new_chats_count_days_in_the_workspace_time_zone(warehouse: DuckDBWarehouse) -> None:
    # a03's ticket opened on March 5th at 01:30 UTC: 22:30 on March 4th in São Paulo.
    rows = report(warehouse, "new_chats", time_zone="America/Sao_Paulo")

    assert column(rows, "day")[:2] == [date(2026, 3, 3), date(2026, 3, 4)]
    assert len(rows) == 8


def test_new_chats_of_a_shorter_window(warehouse: DuckDBWarehouse) -> None:
    # a08 opened on March 20th at 12:02, after the window.
    rows = report(warehouse, "new_chats", start=at(10, 0), end=at(20, 0))

    assert [(row["day"], row["channel"]) for row in rows] == [
        (date(2026, 3, 10), "telegram"), (date(2026, 3, 12), "messenger"), (date(2026, 3, 15), "whatsapp")]


def test_resolved_chats_include_those_opened_before_the_window(warehouse: DuckDBWarehouse) -> None:
    # a12 (opened in February) was resolved on March 1st at 00:30; a05 was cancelled, not resolved.
    assert report(warehouse, "resolved_chats") == [
        {"day": date(2026, 3, 1), "channel": "whatsapp", "chats": 1},
        {"day": date(2026, 3, 3), "channel": "whatsapp", "chats": 1},
        {"day": date(2026, 3, 5), "channel": "webchat", "chats": 1},
        {"day": date(2026, 3, 12), "channel": "messenger", "chats": 1},
        {"day": date(2026, 3, 15), "channel": "whatsapp", "chats": 1},
    ]
    # In São Paulo a12 was resolved on February 28th and a03 on March 4th.
    in_sao_paulo = report(warehouse, "resolved_chats", time_zone="America/Sao_Paulo")
    assert column(in_sao_paulo, "day") == [date(2026, 2, 28), date(2026, 3, 3), date(2026, 3, 4),
                                           date(2026, 3, 12), date(2026, 3, 15)]


# --- per agent, option, channel, campaign, pause, intent; the funnel ------------------------------


def test_per_agent_incoming_resolved_active_and_first_response(warehouse: DuckDBWarehouse) -> None:
    # incoming (assigned in March): ana a02 a06 (transfer) a07 a09; beto a03 a08; carla a06.
    # resolved in March by the holder: ana a02 a06 a07 a12; beto a03. Active at the end: ana a09, beto a08.
    # First responses (sessions of March): ana a02 60/120 s, a06 60/360 s (carla answered; ana held it
    # last), a07 180/240 s; beto a03 300/900 s.
    assert report(warehouse, "agents") == [
        {"agent_id": "ana", "incoming": 4, "resolved": 4, "active": 1, "avg_first_response_s": 100.0,
         "avg_first_response_from_queue_s": 240.0},
        {"agent_id": "beto", "incoming": 2, "resolved": 1, "active": 1, "avg_first_response_s": 300.0,
         "avg_first_response_from_queue_s": 900.0},
        {"agent_id": "carla", "incoming": 1, "resolved": 0, "active": 0, "avg_first_response_s": None,
         "avg_first_response_from_queue_s": None},
    ]


def test_per_agent_in_a_shorter_window(warehouse: DuckDBWarehouse) -> None:
    # March 10th to 20th: a05 (never assigned), a06 and a07; nothing open on the 20th at midnight.
    assert report(warehouse, "agents", start=at(10, 0), end=at(20, 0)) == [
        {"agent_id": "ana", "incoming": 2, "resolved": 2, "active": 0, "avg_first_response_s": 120.0,
         "avg_first_response_from_queue_s": 300.0},
        {"agent_id": "carla", "incoming": 1, "resolved": 0, "active": 0, "avg_first_response_s": None,
         "avg_first_response_from_queue_s": None},
    ]


def test_per_menu_option(warehouse: DuckDBWarehouse) -> None:
    # Ventas a02 a05 a07 a09; Horarios twice in a01; Soporte a03 a08; Factura (a submenu's) a08.
    assert report(warehouse, "menu_options") == [
        {"menu": "principal", "option_title": "Ventas", "chosen": 4, "sessions": 4},
        {"menu": "principal", "option_title": "Horarios", "chosen": 2, "sessions": 1},
        {"menu": "principal", "option_title": "Soporte", "chosen": 2, "sessions": 2},
        {"menu": "principal", "option_title": "Factura", "chosen": 1, "sessions": 1},
    ]


def test_per_channel(warehouse: DuckDBWarehouse) -> None:
    # Ended sessions of March: whatsapp a01 a02 a07 a11 (300, 3000, 3600, 2400 s; CSAT 5 4 3), webchat a03
    # a04 (4800, 600 s), telegram a05 (3000 s), messenger a06 (5400 s, CSAT 2). Messages: every step that
    # writes one, in March (a12's are all in February).
    assert report(warehouse, "channels") == [
        {"channel": "messenger", "sessions": 1, "bot_only": 0, "with_agent": 1, "abandoned": 0,
         "avg_duration_s": 5400.0, "avg_csat": 2.0, "messages_in": 1, "messages_out": 2},
        {"channel": "telegram", "sessions": 1, "bot_only": 0, "with_agent": 0, "abandoned": 1,
         "avg_duration_s": 3000.0, "avg_csat": None, "messages_in": 3, "messages_out": 1},
        {"channel": "webchat", "sessions": 2, "bot_only": 1, "with_agent": 1, "abandoned": 0,
         "avg_duration_s": 2700.0, "avg_csat": None, "messages_in": 9, "messages_out": 7},
        {"channel": "whatsapp", "sessions": 4, "bot_only": 2, "with_agent": 2, "abandoned": 0,
         "avg_duration_s": 2325.0, "avg_csat": 4.0, "messages_in": 15, "messages_out": 12},
    ]


def test_per_campaign_and_subcampaign(warehouse: DuckDBWarehouse) -> None:
    # verano/ad-1: a01 (bot), a02 and a07 (resolved), CSAT 5 4 3; verano/ad-2: a04 (a09 has not ended);
    # black: a05 (cancelled). a12 started in February; ws-b's verano/ad-1 (CSAT 1) is not ours.
    assert report(warehouse, "campaigns") == [
        {"campaign": "black", "subcampaign": None, "sessions": 1, "handed_over": 1, "resolved": 0,
         "avg_csat": None},
        {"campaign": "verano", "subcampaign": "ad-1", "sessions": 3, "handed_over": 2, "resolved": 2,
         "avg_csat": 4.0},
        {"campaign": "verano", "subcampaign": "ad-2", "sessions": 1, "handed_over": 0, "resolved": 0,
         "avg_csat": None},
    ]


def test_pause_detail(warehouse: DuckDBWarehouse) -> None:
    # carla's pause began in February: not listed. beto is still paused when the month ends.
    assert report(warehouse, "pauses") == [
        {"agent_id": "ana", "reason": "almuerzo", "paused_at": at(2, 12), "resumed_at": at(2, 13),
         "resumed_as": "online", "duration_s": 3600},
        {"agent_id": "ana", "reason": "reunión", "paused_at": at(16, 15), "resumed_at": at(16, 15, 30),
         "resumed_as": "offline", "duration_s": 1800},
        {"agent_id": "beto", "reason": "pausa activa", "paused_at": at(5, 3), "resumed_at": at(5, 3, 15),
         "resumed_as": "paused", "duration_s": 900},
        {"agent_id": "beto", "reason": "almuerzo", "paused_at": at(5, 3, 15), "resumed_at": at(5, 4),
         "resumed_as": "online", "duration_s": 2700},
        {"agent_id": "beto", "reason": "almuerzo", "paused_at": at(31, 23), "resumed_at": None,
         "resumed_as": None, "duration_s": 3600},
    ]


def test_intents_matched_versus_not_understood(warehouse: DuckDBWarehouse) -> None:
    # saludo in a01 a02 a04 a05 a07 a08 a09 a11; a01 not understood after "horarios"; a03 twice before any.
    assert report(warehouse, "intents") == [
        {"intent": "saludo", "matched": 8, "not_understood": 0},
        {"intent": "horarios", "matched": 1, "not_understood": 1},
        {"intent": "precios", "matched": 1, "not_understood": 0},
        {"intent": None, "matched": 0, "not_understood": 2},
    ]


def test_the_conversion_funnel(warehouse: DuckDBWarehouse) -> None:
    # Started a01-a11; no menu: a06 a10; no option: a04 a11; no hand-over: a01; resolved: a02 a03 a07.
    assert report(warehouse, "funnel") == [
        {"step": 1, "stage": "started", "sessions": 11, "share_of_started": 1.0},
        {"step": 2, "stage": "menu_shown", "sessions": 9, "share_of_started": 0.8182},
        {"step": 3, "stage": "option_chosen", "sessions": 7, "share_of_started": 0.6364},
        {"step": 4, "stage": "handed_to_agent", "sessions": 6, "share_of_started": 0.5455},
        {"step": 5, "stage": "resolved", "sessions": 3, "share_of_started": 0.2727},
    ]


def test_a_funnel_with_no_session_shares_nothing(warehouse: DuckDBWarehouse) -> None:
    rows = report(warehouse, "funnel", start=at(1, 0, month=5), end=at(1, 0, month=6))

    assert column(rows, "sessions") == [0, 0, 0, 0, 0]
    assert column(rows, "share_of_started") == [None] * 5


# --- the runner -----------------------------------------------------------------------------------


def test_every_report_returns_the_columns_it_declares(warehouse: DuckDBWarehouse) -> None:
    for name, spec in REPORTS.items():
        rows = report(warehouse, name)
        assert rows, name
        assert tuple(rows[0]) == spec.columns, name


def test_a_report_request_that_makes_no_sense_is_refused_naming_why(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(NotFound, match="funnel"):  # the message lists the known reports
        report(warehouse, "sales")
    with pytest.raises(InvalidInput, match="time zone"):
        report(warehouse, "agents", start=datetime(2026, 3, 1))
    with pytest.raises(InvalidInput, match="not before"):
        report(warehouse, "agents", start=MONTH_END, end=MONTH_START)
    with pytest.raises(InvalidInput, match="time_zone"):
        report(warehouse, "agents", time_zone="UTC")  # agents has no days to place
    with pytest.raises(InvalidInput, match="unknown time zone"):
        report(warehouse, "new_chats", time_zone="Mars/Olympus")


def test_report_csv_has_a_header_iso_instants_and_empty_nulls(warehouse: DuckDBWarehouse) -> None:
    rows = report(warehouse, "pauses")

    lines = report_csv(rows, REPORTS["pauses"].columns).splitlines()

    assert lines[0] == "agent_id,reason,paused_at,resumed_at,resumed_as,duration_s"
    assert lines[1] == "ana,almuerzo,2026-03-02T12:00:00+00:00,2026-03-02T13:00:00+00:00,online,3600"
    assert lines[-1] == "beto,almuerzo,2026-03-31T23:00:00+00:00,,,3600"
    assert len(lines) == 6


def test_report_csv_of_no_rows_is_just_the_header_and_defuses_formulas() -> None:
    assert report_csv([], REPORTS["intents"].columns) == "intent,matched,not_understood\r\n"
    assert report_csv([]) == ""
    # A campaign name comes from a customer's link: a spreadsheet must not run it as a formula.
    text = report_csv([{"campaign": '=HYPERLINK("http://x")', "subcampaign": 'ad, "1"', "sessions": 2}])
    assert list(csv.reader(io.StringIO(text))) == [
        ["campaign", "subcampaign", "sessions"], ["'=HYPERLINK(\"http://x\")", 'ad, "1"', "2"]]


# --- the same SQL through the BigQuery client -----------------------------------------------------


@pytest.fixture(scope="module")
def bigquery() -> Iterator[BigQueryWarehouse]:
    fake = FakeBigQuery()
    with serve_wsgi(fake) as url:
        warehouse = BigQueryWarehouse("demo-test", "charla_history", endpoint=url)
        warehouse.ensure_tables()
        for table, rows in seeded_month().items():
            warehouse.insert_rows(table, rows)
        yield warehouse
        warehouse.close()


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_gives_the_same_rows_through_the_bigquery_client(
    warehouse: DuckDBWarehouse, bigquery: BigQueryWarehouse, name: str
) -> None:
    extra = {"time_zone": "America/Sao_Paulo"} if "time_zone" in REPORTS[name].parameters else {}

    assert report(bigquery, name, **extra) == report(warehouse, name, **extra)
