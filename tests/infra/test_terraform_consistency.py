"""infra/terraform agrees with the code it deploys.

No terraform binary can run here, so these tests read the HCL (python-hcl2) and compare it with facts
taken from the code: the functions main.py exports and their functions_framework decorators, the topics
and secrets the code names, the settings the Google Cloud adapters read, the schema files the exporter
writes with, and every query the code sends the document store. Each test fails when one side changes
without the other.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import main
from shared.agents.model import AGENTS, QUEUES, TICKETS
from shared.channels.webchat import replies_collection
from shared.console.login_records import CHALLENGES, LOGINS, SESSIONS
from shared.console.sign_in_throttle import THROTTLES
from shared.console.team_chat import TEAM_MESSAGES
from shared.contacts.model import CONTACTS
from shared.conversations.store_names import CONVERSATIONS, PROCESSED, messages_collection
from shared.events.outbox import OUTBOX, SWEEP_ACTION
from shared.events.topics import RETENTION_RUN_BUDGET_S
from shared.history.tables import history_tables
from shared.ports.document_store import EXPIRES_AT
from shared.retention.model import PENDING_ERASURES
from shared.workspaces.catalogs import MESSAGE_TEMPLATES, PAUSE_REASONS, QUICK_REPLIES, TYPIFICATIONS
from shared.workspaces.directory import BOTS, CHANNELS, WORKSPACES
from tests.infra import code_facts as code
from tests.infra.terraform_files import (
    MODULES,
    REPO,
    TerraformModule,
    all_folders,
    dynamic,
    environment,
    expression,
    json_literal,
    load_module,
    module,
    single,
)

TOPICS = code.contract("topics.json")
PROVIDER_CONTRACT = code.contract("channel_secrets.json")
CHANNEL_SECRETS = PROVIDER_CONTRACT["channels"]
CONSOLE = code.contract("console.json")
WEBCHAT = code.contract("webchat.json")
# Pub/Sub waits at most this long for a push subscription's endpoint to answer.
MAX_PUSH_ACK_DEADLINE_S = 600


def resolved(mod: TerraformModule, value: Any) -> Any:
    """A value of the module, with a bare ``local.NAME`` reference replaced by that local's value."""
    if isinstance(value, str):
        match = re.fullmatch(r"local\.(\w+)", expression(value))
        if match:
            return mod.locals[match.group(1)]
    return value


def function_table() -> dict[str, dict[str, Any]]:
    """local.functions of the functions module, each entry's local references resolved: the provider
    webhooks (local.provider_webhook for each webhook of the providers' contract, with its credentials)
    merged with local.own_functions, as Terraform computes it."""
    functions = module("functions")
    assert expression(functions.locals["functions"]) == "merge(local.provider_webhooks, local.own_functions)"
    assert "local.provider_contract.webhooks" in functions.locals["provider_webhooks"]
    assert "merge(local.provider_webhook, {credentials = credentials})" in functions.locals["provider_webhooks"]
    assert "channel_secrets.json" in functions.locals["provider_contract"]
    assert expression(functions.locals["api_credentials"]) == "local.provider_contract.api_credentials"
    webhooks = {name: {**functions.locals["provider_webhook"], "credentials": credentials}
                for name, credentials in PROVIDER_CONTRACT["webhooks"].items()}
    api_credentials = PROVIDER_CONTRACT["api_credentials"]  # what local.api_credentials reads
    own = {name: {key: api_credentials if expression(value) == "local.api_credentials" else resolved(functions, value)
                  for key, value in spec.items()}
           for name, spec in functions.locals["own_functions"].items()}
    return {**webhooks, **own}


def subscribed_functions() -> dict[str, str]:
    """Function → the topic key its subscription in topics.json reads."""
    return {spec["function"]: spec["topic"] for spec in TOPICS["subscriptions"].values()}


# -- functions -----------------------------------------------------------------------------------------

def test_every_function_in_main_is_deployed_and_nothing_else():
    deployed, exported = set(function_table()), set(main.FUNCTIONS)
    assert deployed == exported, f"not deployed: {sorted(exported - deployed)}; unknown: {sorted(deployed - exported)}"
    assert set(code.entry_points()) == set(main.FUNCTIONS), "every function has functions/<name>/main.py"


def test_each_function_runs_its_own_entry_point_built_from_its_own_archive():
    functions = module("functions")
    deployed = functions.resource("google_cloudfunctions2_function", "function")
    assert expression(deployed["for_each"]) == "local.functions"
    build = single(deployed["build_config"])
    assert expression(build["entry_point"]) == "each.key", "main.py exports each function under its own name"
    storage = single(single(build["source"])["storage_source"])
    assert expression(storage["object"]) == "google_storage_bucket_object.source[each.key].name"
    uploaded = functions.resource("google_storage_bucket_object", "source")
    assert "data.archive_file.source[each.key].output_md5" in uploaded["name"]
    assert expression(uploaded["source"]) == "data.archive_file.source[each.key].output_path"
    assert expression(functions.data["archive_file"]["source"]["for_each"]) == "local.functions"
    for name, kind in code.entry_points().items():
        assert kind in ("http", "cloudevent"), f"functions/{name}/main.py: {name} is no functions_framework entry point"


def test_http_entry_points_are_public_and_cloudevent_ones_are_fed_by_the_topic_their_subscription_names():
    kinds = code.entry_points()
    subscribed = subscribed_functions()
    assert {n for n, k in kinds.items() if k == "cloudevent"} == set(subscribed), (
        "a @cloud_event function needs a subscription in topics.json, and only those have one")
    assert set(subscribed.values()) <= set(TOPICS["topics"])

    functions = module("functions")
    # Terraform derives the same split from the same file.
    assert "local.contract.subscriptions" in functions.locals["event_topics"]
    assert "topics.json" in functions.locals["contract"]
    assert "!contains(keys(local.event_topics), name)" in functions.locals["http_functions"]
    trigger = functions.resource("google_pubsub_subscription", "trigger")
    assert expression(trigger["for_each"]) == "local.event_topics"
    assert expression(trigger["topic"]) == "var.topic_ids[each.value.topic]"
    push = single(trigger["push_config"])
    endpoint = "google_cloudfunctions2_function.function[each.key].service_config[0].uri"
    assert expression(push["push_endpoint"]) == endpoint
    assert single(push["oidc_token"])["service_account_email"], "pushes carry a token the function checks"

    ingress = expression(single(functions.resource("google_cloudfunctions2_function", "function")["service_config"])
                         ["ingress_settings"])
    assert ingress == ('contains(keys(local.event_topics), each.key) ? "ALLOW_INTERNAL_ONLY" : '
                       '"ALLOW_INTERNAL_AND_GCLB"')
    public = functions.resource("google_cloud_run_v2_service_iam_member", "public")
    assert expression(public["for_each"]) == "local.http_functions" and public["member"] == "allUsers"
    invoker = functions.resource("google_cloud_run_v2_service_iam_member", "push_invokes")
    assert expression(invoker["for_each"]) == "local.event_topics"


def test_event_subscriptions_are_ordered_retried_and_dead_lettered_as_the_contract_says():
    trigger = module("functions").resource("google_pubsub_subscription", "trigger")
    assert trigger["enable_message_ordering"] is True
    retry = single(trigger["retry_policy"])
    assert retry["minimum_backoff"] == "${local.delivery.min_backoff_s}s"
    assert retry["maximum_backoff"] == "${local.delivery.max_backoff_s}s"
    dead_letter = single(trigger["dead_letter_policy"])
    assert expression(dead_letter["dead_letter_topic"]) == "var.dead_letter_topic_id"
    assert expression(dead_letter["max_delivery_attempts"]) == "local.delivery.max_delivery_attempts"
    assert expression(trigger["name"]) == "each.value.subscription"
    # The subscriptions keep the names shared/events/topics.py gives them (charla-<key>).
    assert 'subscription = "charla-${key}"' in module("functions").locals["event_topics"]
    wiring = environment().modules["functions"]
    assert expression(wiring["dead_letter_topic_id"]) == "module.messaging.dead_letter_topic_id"
    dead_letter_topic = module("messaging").outputs["dead_letter_topic_id"]["value"]
    assert expression(dead_letter_topic) == 'google_pubsub_topic.topic["dead_letter"].id'


def test_event_functions_answer_within_their_push_deadline():
    table = function_table()
    for name in subscribed_functions():
        assert table[name]["timeout_s"] <= MAX_PUSH_ACK_DEADLINE_S, (
            f"{name}: Pub/Sub would push the message again while the function still runs")
    assert table["retention_purge"]["timeout_s"] > RETENTION_RUN_BUDGET_S, (
        "retention_purge stops at its budget and hands its cursor on: the timeout must leave it that time")
    deadline = module("functions").resource("google_pubsub_subscription", "trigger")["ack_deadline_seconds"]
    assert expression(deadline) == (
        "min(600, max(local.delivery.ack_deadline_s, local.functions[each.key].timeout_s))")


def test_each_function_publishes_only_to_the_topics_its_code_names():
    for name, spec in function_table().items():
        # Timers are scheduled, not published: Cloud Tasks publishes them as the tasks account.
        expected = code.topics_used_by(name) - {"timers"}
        assert set(spec["publishes"]) == expected, f"{name}: Terraform grants {sorted(spec['publishes'])}"
    publish = module("functions").resource("google_pubsub_topic_iam_member", "publish")
    assert expression(publish["topic"]) == 'var.topics[split("/", each.value)[1]]'
    assert "f.publishes" in module("functions").locals["publish_grants"]


def test_functions_that_schedule_timers_may_create_and_cancel_tasks_as_the_tasks_account():
    for name, spec in function_table().items():
        assert spec["schedules"] == ("timers" in code.topics_used_by(name)), name
    functions = module("functions")
    roles = {functions.resource("google_cloud_tasks_queue_iam_member", n)["role"] for n in ("enqueue", "cancel")}
    assert roles == {"roles/cloudtasks.enqueuer", "roles/cloudtasks.taskDeleter"}
    act_as = functions.resource("google_service_account_iam_member", "act_as_tasks")
    assert act_as["role"] == "roles/iam.serviceAccountUser"
    assert expression(act_as["service_account_id"]) == "var.tasks_service_account_id"


def test_the_tasks_account_may_publish_every_timer_the_code_schedules():
    granted = module("scheduling").resource("google_pubsub_topic_iam_member", "tasks_publish_timers")
    key = re.fullmatch(r'var\.topics\["(\w+)"\]', expression(granted["topic"])).group(1)
    assert code.scheduled_topics() == {key}


def test_each_function_reads_exactly_the_channel_credentials_its_code_reads():
    api_readers = {
        # shared/conversations/deliver.py sends through platform.senders → provider_endpoint.
        "send_message",
        # shared/conversations/inbound_media.py downloads through platform.media → provider_endpoint.
        "fetch_media",
    }
    for name, spec in function_table().items():
        expected = code.webhook_credentials(name) if name.startswith("webhook_") else set()
        if name in api_readers:
            expected |= code.provider_api_credentials()
        assert set(spec["credentials"]) == expected, name
        for pair in spec["credentials"]:
            channel, role = pair.split("/")
            assert role in CHANNEL_SECRETS.get(channel, {}), f"{name}: {pair} is not in channel_secrets.json"


def test_only_console_api_reads_the_console_keys():
    for name, spec in function_table().items():
        assert spec["console_key"] == code.reads_console_key(name), name
    functions = module("functions")
    assert "console.json" in functions.locals["console"]
    assert set(re.findall(r"local\.console\.(\w+)", str(functions.locals["console_key_secrets"]))) == {
        key for key in CONSOLE if key.endswith("_key_secret")}


def test_only_webhook_webchat_reads_the_visitor_key():
    for name, spec in function_table().items():
        assert spec["visitor_key"] == code.reads_visitor_key(name), name
    functions = module("functions")
    assert "webchat.json" in functions.locals["webchat"]
    assert "local.webchat.visitor_key_secret" in functions.locals["secret_grants"]
    assert "f.visitor_key" in functions.locals["secret_grants"]


def test_every_secret_the_code_names_is_created_and_every_credential_has_a_reader():
    security = module("security")
    assert "channel_secrets.json" in security.locals["channel_secrets"]
    assert "console.json" in security.locals["console"]
    names = security.locals["secret_names"]
    assert "values(roles)" in names and "var.account_secrets" in names
    assert all(f"local.console.{key}" in names for key in CONSOLE if key.endswith("_key_secret"))
    assert "webchat.json" in security.locals["webchat"]
    assert all(f"local.webchat.{key}" in names for key in WEBCHAT if key.endswith("_key_secret"))
    created = security.resource("google_secret_manager_secret", "secret")
    assert expression(created["for_each"]) == "local.secret_names"
    assert "secret_data" not in created, "values are added by ops, never kept in Terraform state"

    read = {pair for spec in function_table().values() for pair in spec["credentials"]}
    every_pair = {f"{channel}/{role}" for channel, roles in CHANNEL_SECRETS.items() for role in roles}
    assert every_pair == read, "each credential in channel_secrets.json is read by some function"
    assert code.every_credential_role_read() <= {role for roles in CHANNEL_SECRETS.values() for role in roles}
    grants = module("functions").locals["secret_grants"]
    assert "f.credentials" in grants and "var.account_secrets" in grants and "local.console_key_secret" in grants


def test_each_archive_carries_every_file_its_function_runs():
    table = function_table()
    for name, spec in table.items():
        archived = archive_files(name)
        wanted = {"main.py", "requirements.txt"} | {p for p in repo_files("functions") if p.count("/") == 1}
        for folder in ("shared", f"functions/{name}", *spec["packages"]):
            wanted |= {p for p in repo_files(folder) if not p.endswith(".md")}
        assert wanted <= archived, f"{name}'s archive lacks {sorted(wanted - archived)}"
        others = {p for p in archived if p.startswith("functions/") and p.count("/") > 1
                  and not p.startswith(f"functions/{name}/")}
        assert not others, f"{name}'s archive carries other functions: {sorted(others)}"


def test_each_archive_carries_the_packages_its_function_imports():
    for name, spec in function_table().items():
        imported = {m.split(".")[0] for m in code.reach(code.entry_module(name), at_import_time=True)}
        assert set(spec["packages"]) == imported - {"shared", "functions"}, name
    assert function_table()["resolve_intent"]["packages"] == ["nlu_model"]


def test_functions_get_every_setting_the_cloud_adapters_need_and_no_endpoint_override():
    environment_variables = module("functions").locals["environment"]
    given = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", environment_variables))
    variables = code.setting_variables()
    needed = code.settings_read_by_gcp_adapters()
    # Endpoint overrides point a client at a local stand-in (tests); in the cloud they stay unset.
    overrides = {f for f in needed if f.endswith("_endpoint") or f == "pubsub_publish_base_url"}
    assert {variables[f] for f in needed - overrides} <= given
    assert not {variables[f] for f in overrides} & given
    assert re.search(r'CHARLA_BACKEND\s*=\s*"gcp"', environment_variables)
    assert re.search(r'CHARLA_DATA_DIR\s*=\s*"/tmp/', environment_variables), "the source folder is read-only"


def test_every_environment_variable_set_is_one_the_code_reads():
    given = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", module("functions").locals["environment"]))
    assert given, "no environment variables found"
    assert given <= code.environment_variables_read()


def test_twilio_signs_the_url_the_load_balancer_serves_the_twilio_webhook_at():
    environment_variables = module("functions").locals["environment"]
    assert 'TWILIO_WEBHOOK_URL = "${var.public_base_url}/webhook_twilio"' in environment_variables
    assert "webhook_twilio" in main.FUNCTIONS
    assert expression(environment().modules["functions"]["public_base_url"]) == "module.console_hosting.base_url"


def test_no_service_account_gets_a_basic_or_admin_role():
    for folder in all_folders():
        for match in re.finditer(r'role\s*=\s*"(roles/[\w.]+)"', load_module(folder).text):
            role = match.group(1)
            assert role not in ("roles/owner", "roles/editor", "roles/viewer"), f"{folder}: {role}"
            assert not role.endswith(("admin", "Admin")), f"{folder}: {role}"


# -- topics and dead letters -------------------------------------------------------------------------

def test_every_topic_the_code_names_is_created_from_the_contract():
    messaging = module("messaging")
    assert "shared/contracts/topics.json" in messaging.locals["contract"]
    assert expression(messaging.locals["topics"]) == "local.contract.topics"
    topic = messaging.resource("google_pubsub_topic", "topic")
    assert expression(topic["for_each"]) == "local.topics" and expression(topic["name"]) == "each.value"
    assert code.every_topic_named() <= set(TOPICS["topics"])
    for folder in all_folders():
        for key in re.findall(r'topic(?:_id)?s\["(\w+)"\]', load_module(folder).text):
            assert key in TOPICS["topics"], f"{folder}: no topic {key!r} in topics.json"
    for spec in function_table().values():
        assert set(spec["publishes"]) <= set(TOPICS["topics"])


def test_dead_letters_are_kept_and_pubsub_may_forward_them():
    messaging = module("messaging")
    kept = messaging.resource("google_pubsub_subscription", "dead_letter_retained")
    assert expression(kept["topic"]) == 'google_pubsub_topic.topic["dead_letter"].id'
    forwarding = messaging.resource("google_pubsub_topic_iam_member", "dead_letter_forwarding")
    assert expression(forwarding["topic"]) == 'google_pubsub_topic.topic["dead_letter"].name'
    assert forwarding["role"] == "roles/pubsub.publisher"
    assert forwarding["member"] == "serviceAccount:${var.pubsub_service_agent}"
    acknowledging = module("functions").resource("google_pubsub_subscription_iam_member", "dead_letter_ack")
    assert acknowledging["role"] == "roles/pubsub.subscriber"
    assert acknowledging["member"] == "serviceAccount:${var.pubsub_service_agent}"
    assert expression(acknowledging["for_each"]) == "local.event_topics"


# -- history in BigQuery ---------------------------------------------------------------------------------

def test_history_tables_are_built_from_the_schema_files_the_exporter_reads():
    data = module("data")
    assert data.locals["history_dir"] == "${path.module}/../../../../shared/history"
    assert "tables.json" in data.locals["history_tables"]
    table = data.resource("google_bigquery_table", "history")
    assert expression(table["for_each"]) == "local.history_tables"
    assert expression(table["table_id"]) == "each.key"
    assert expression(table["schema"]) == 'file("${local.history_dir}/${each.value.schema}")'
    assert expression(table["clustering"]) == "each.value.clustering"
    partitioning = single(table["time_partitioning"])
    assert partitioning["type"] == "DAY" and expression(partitioning["field"]) == "each.value.partition_field"
    assert expression(partitioning["expiration_ms"]) == "local.partition_expiration_ms"
    assert table["deletion_protection"] is True

    index = json.loads((REPO / "shared/history/tables.json").read_text())
    assert {k for k in index if not k.startswith("_")} == set(history_tables())
    for name, spec in history_tables().items():
        assert spec.schema_path == REPO / "shared/history" / index[name]["schema"]
    assert expression(environment().modules["functions"]["bigquery_dataset"]) == "module.data.dataset_id"


def test_history_partition_and_clustering_columns_exist_with_types_bigquery_accepts():
    clusterable = {"STRING", "INTEGER", "INT64", "NUMERIC", "BIGNUMERIC", "DATE", "DATETIME", "TIMESTAMP",
                   "BOOLEAN", "BOOL", "GEOGRAPHY"}
    for name, spec in history_tables().items():
        columns = {c.name: c for c in spec.columns}
        assert columns[spec.partition_field].type in ("TIMESTAMP", "DATE", "DATETIME"), name
        assert 0 < len(spec.clustering) <= 4, f"{name}: BigQuery clusters on 1 to 4 columns"
        for column in spec.clustering:
            assert columns[column].type in clusterable, f"{name}.{column} cannot be a clustering column"


# -- Firestore ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """One query shape of the code: equality (and 'in') filters, array-contains filters, and the field it
    orders by (its range filters, if any, are on that same field)."""

    where: str  # path::function of the call (code.query_call_sites)
    collection: str
    equal: tuple[str, ...] = ()
    contains: tuple[str, ...] = ()
    order: str = ""
    descending: bool = False

    @property
    def needs_composite_index(self) -> bool:
        # Firestore serves equality-only queries by merging single-field indexes, and a query on one
        # field alone from that field's own index; ordering or ranging on one field while filtering on
        # others needs a composite index.
        return bool(self.order) and bool(self.equal or self.contains)


def _collection_id(path: str) -> str:
    return path.rsplit("/", 1)[-1]


_MESSAGES = _collection_id(messages_collection("c"))
_REPLIES = _collection_id(replies_collection("c"))
_WS = "workspace_id"

QUERIES = [
    Query("shared/agents/directory.py::AgentDirectory.agents_of", AGENTS, (_WS,)),
    Query("shared/agents/directory.py::AgentDirectory.queues_of", QUEUES, (_WS,)),
    Query("shared/conversations/webchat_replies.py::WebchatReplyBox.replies_after", _REPLIES, order="seq"),
    Query("shared/cli/validate.py::validate_folder", WORKSPACES),  # embedded store only
    Query("shared/cli/validate.py::validate_folder", CHANNELS),
    Query("shared/console/login_records.py::LoginRecords.login_ids_of", LOGINS, (_WS, "agent_id")),
    Query("shared/console/login_records.py::LoginRecords.challenge_ids_of", CHALLENGES, ("login_id",)),
    Query("shared/console/two_factor_enrolment.py::TwoFactorEnrolment.users_with_two_factor", LOGINS, (_WS,)),
    Query("shared/console/chats.py::AgentChats._tickets_of", TICKETS, ("conversation_id",)),
    Query("shared/console/chats.py::AgentChats.history", _MESSAGES),
    *(Query("shared/workspaces/catalogs.py::_Catalog._all", catalog, (_WS,))
      for catalog in (QUICK_REPLIES, PAUSE_REASONS, TYPIFICATIONS, MESSAGE_TEMPLATES)),
    Query("shared/workspaces/catalogs.py::_Catalog._all", QUICK_REPLIES, (_WS, "category")),
    # The inbox's views (ticket_status 'in' counts as equality), each optionally by channel, tag or agent.
    Query("shared/console/inbox.py::Inbox.list", CONVERSATIONS, (_WS, "agent", "ticket_status")),
    Query("shared/console/inbox.py::Inbox.list", CONVERSATIONS, (_WS,), order="updated_at"),  # live updates
    Query("shared/console/inbox.py::Inbox.list", CONVERSATIONS, (_WS, "invited", "ticket_status")),
    Query("shared/console/inbox.py::Inbox.list", CONVERSATIONS, (_WS, "ticket_status")),
    Query("shared/console/inbox.py::Inbox.list", CONVERSATIONS, (_WS, "channel", "ticket_status")),
    Query("shared/console/inbox.py::Inbox.list", CONVERSATIONS, (_WS, "ticket_status"), ("tags",)),
    Query("shared/console/monitor.py::_waiting_since", TICKETS, (_WS, "status", "agent")),
    Query("shared/console/team_chat.py::TeamChat.read", TEAM_MESSAGES, (_WS, "channel"), order="at",
          descending=True),
    Query("shared/contacts/book.py::ContactBook.list", CONTACTS, (_WS,), order="created_at"),
    Query("shared/conversations/access.py::agent_reaches", TICKETS, ("conversation_id",)),
    Query("shared/conversations/access.py::agent_reaches", _MESSAGES, ("agent_id",)),
    Query("shared/contacts/book.py::ContactBook.search", CONTACTS, (_WS,), ("search_terms",)),
    Query("shared/cli/local_driver.py::LocalConversations.publish_folder", CHANNELS, ("type",)),
    Query("shared/conversations/wait_estimate.py::estimated_wait_minutes", TICKETS, (_WS, "queue", "status"),
          order="closed_at", descending=True),
    Query("shared/conversations/wait_estimate.py::estimated_wait_minutes", AGENTS, (_WS,), ("queues",)),
    Query("shared/events/outbox.py::Outbox._pending", OUTBOX, ("group",)),
    Query("shared/events/outbox.py::Outbox.sweep", OUTBOX, order="staged_at"),
    Query("shared/retention/contacts.py::conversations_of", CONVERSATIONS, (_WS, "contact_id")),
    Query("shared/retention/contacts.py::conversations_of", CONVERSATIONS, (_WS, "channel", "contact")),
    # next_page and every_document order by their field and range on it (shared/retention/paging.py).
    Query("shared/retention/erasure.py::erase_contact", _MESSAGES, order="at"),
    Query("shared/retention/erasure.py::erase_contact", TICKETS, (_WS, "conversation_id"), order="created_at"),
    Query("shared/retention/export.py::export_contact", _MESSAGES, order="at"),
    Query("shared/retention/export.py::export_contact", TICKETS, (_WS, "conversation_id"), order="created_at"),
    Query("shared/retention/export.py::export_contact", _REPLIES, order="sent_at"),
    Query("shared/retention/purge.py::_PurgeRun.run", WORKSPACES),
    Query("shared/retention/purge.py::_PurgeRun._conversations", CONVERSATIONS, (_WS,), order="updated_at"),
    Query("shared/retention/purge.py::_PurgeRun._conversation", _MESSAGES, order="at"),
    Query("shared/retention/purge.py::_PurgeRun._tickets", TICKETS, (_WS,), order="created_at"),
    Query("shared/retention/purge.py::_PurgeRun._contacts", CONTACTS, (_WS,), order="updated_at"),
    Query("shared/retention/purge.py::_PurgeRun._erasures", PENDING_ERASURES, (_WS,), order="erased_at"),
    Query("shared/retention/sweep.py::forget_webchat_replies", _REPLIES, order="sent_at"),
    Query("shared/workspaces/directory.py::WorkspaceDirectory.published_bot_ids", BOTS, (_WS,)),
    Query("shared/workspaces/directory.py::WorkspaceDirectory.channels_of", CHANNELS, (_WS,)),
]


@dataclass(frozen=True)
class Index:
    name: str
    collection: str
    fields: tuple[tuple[str, str], ...]  # (field, ASCENDING | DESCENDING | CONTAINS)

    def serves(self, query: Query) -> bool:
        if self.collection != query.collection:
            return False
        fields = list(self.fields)
        if query.order:
            if not fields or fields[-1] != (query.order, "DESCENDING" if query.descending else "ASCENDING"):
                return False
            fields = fields[:-1]
        filtered = {(f, "CONTAINS" if mode == "CONTAINS" else "EQUAL") for f, mode in fields}
        wanted = {(f, "EQUAL") for f in query.equal} | {(f, "CONTAINS") for f in query.contains}
        return len(filtered) == len(fields) and filtered == wanted


def composite_indexes() -> list[Index]:
    declared = module("data").locals["composite_indexes"]
    return [Index(name, spec["collection"], tuple((f, mode) for f, mode in spec["fields"]))
            for name, spec in declared.items()]


def test_every_query_of_the_code_is_listed_here():
    sites = code.query_call_sites()
    listed = Counter(q.where for q in QUERIES)
    hint = "a query was added or moved: list its shape in QUERIES (and its index in modules/data/firestore.tf)"
    assert set(listed) == set(sites), f"{hint}: {sorted(set(listed) ^ set(sites))}"
    fewer = {where: calls for where, calls in sites.items() if listed[where] < calls}
    assert not fewer, f"{hint}: more query calls than listed shapes in {fewer}"


def test_every_query_that_needs_a_composite_index_has_one():
    indexes = composite_indexes()
    missing = [q for q in QUERIES if q.needs_composite_index and not any(i.serves(q) for i in indexes)]
    assert not missing, f"no composite index for {missing}"


def test_every_composite_index_serves_a_query_of_the_code():
    unused = [i for i in composite_indexes() if not any(i.serves(q) for q in QUERIES)]
    assert not unused, f"indexes serving no query (each slows every write): {unused}"


def test_composite_indexes_are_declared_as_firestore_takes_them():
    resource = module("data").resource("google_firestore_index", "composite")
    assert expression(resource["for_each"]) == "local.composite_indexes"
    assert resource["query_scope"] == "COLLECTION"
    fields = dynamic(resource, "fields")
    assert expression(fields["for_each"]) == "each.value.fields"
    for index in composite_indexes():
        assert len(index.fields) >= 2, f"{index.name}: a composite index has two fields or more"
        assert all(mode in ("ASCENDING", "DESCENDING", "CONTAINS") for _, mode in index.fields), index.name


def test_documents_that_expire_have_a_ttl_policy():
    ttl = module("data").resource("google_firestore_field", "ttl")
    assert expression(ttl["for_each"]) == "toset(local.expiring_collections)"
    assert expression(ttl["collection"]) == "each.value"
    assert ttl["field"] == EXPIRES_AT and "ttl_config" in ttl
    assert set(module("data").locals["expiring_collections"]) == {PROCESSED, SESSIONS, CHALLENGES, THROTTLES}
    for constant in ("SESSIONS", "CHALLENGES", "THROTTLES"):
        written = code.dict_keys_written(constant)
        assert written and all(EXPIRES_AT in keys for keys in written), constant


def test_idempotency_markers_say_when_they_expire():
    written = code.dict_keys_written("PROCESSED")
    assert written and all("expires_at" in keys for keys in written)


# -- scheduled jobs --------------------------------------------------------------------------------------

def _published(job: dict[str, Any]) -> tuple[str, Any]:
    target = single(job["pubsub_target"])
    key = re.fullmatch(r'var\.topic_ids\["(\w+)"\]', expression(target["topic_name"])).group(1)
    body = re.fullmatch(r"base64encode\(jsonencode\((.*)\)\)", expression(target["data"]), re.DOTALL).group(1)
    return key, json_literal(body)


def test_the_scheduler_starts_the_retention_purge_daily_with_an_empty_message():
    job = module("scheduling").resource("google_cloud_scheduler_job", "retention_purge")
    assert _published(job) == ("retention", {})
    assert subscribed_functions()["retention_purge"] == "retention"


def test_the_scheduler_sweeps_the_outbox_with_the_message_run_timer_expects():
    job = module("scheduling").resource("google_cloud_scheduler_job", "outbox_sweep")
    assert _published(job) == ("timers", {"action": SWEEP_ACTION})
    assert subscribed_functions()["run_timer"] == "timers"


# -- the public host ----------------------------------------------------------------------------------------

def test_every_http_function_is_routed_under_its_own_name_with_the_name_stripped():
    hosting = module("console_hosting")
    url_map = hosting.resource("google_compute_url_map", "public")
    routes = dynamic(single(url_map["path_matcher"]), "route_rules")
    assert "var.http_functions" in expression(routes["for_each"])
    rule = routes["content"]
    matches = [single(m) if isinstance(m, list) else m for m in rule["match_rules"]]
    assert {"full_path_match": "/${route_rules.key}"} in matches
    assert {"prefix_match": "/${route_rules.key}/"} in matches
    rewrite = single(single(rule["route_action"])["url_rewrite"])
    assert rewrite["path_prefix_rewrite"] == "/", "each function sees the path after its name, as locally"
    backend = hosting.resource("google_compute_backend_service", "function")
    assert expression(backend["for_each"]) == "var.http_functions"
    assert expression(environment().modules["console_hosting"]["http_functions"]) == "module.functions.http_functions"


def test_outputs_give_every_webhook_url_the_console_and_the_dataset():
    outputs = environment().outputs
    for name in ("webhook_urls", "console_url", "console_api_url", "dataset_id"):
        assert name in outputs, name
    assert '${module.console_hosting.base_url}/${name}' in outputs["webhook_urls"]["value"]
    assert outputs["console_api_url"]["value"] == "${module.console_hosting.base_url}/console_api"


def test_the_console_is_served_with_the_local_stacks_content_security_policy():
    from charla_local.stack import CONSOLE_CSP

    assert module("console_hosting").variables["console_csp"]["default"] == CONSOLE_CSP


# -- wiring (what `terraform validate` would check) ---------------------------------------------------------

def test_every_module_gets_each_input_it_requires_and_only_inputs_it_declares():
    env = environment()
    for name, call in env.modules.items():
        folder = (env.path / call["source"]).resolve()
        assert folder.parent == MODULES, f"module {name}: {call['source']}"
        declared = load_module(folder).variables
        required = {v for v, spec in declared.items() if "default" not in spec}
        given = set(call) - {"source", "depends_on", "providers", "count", "for_each"}
        assert required <= given, f"module {name} lacks {sorted(required - given)}"
        assert given <= set(declared), f"module {name} declares no {sorted(given - set(declared))}"
    assert set(env.modules) == {p.name for p in MODULES.iterdir() if p.is_dir()}, "every module is used"


def _expressions(mod: TerraformModule) -> str:
    """Every expression of a folder, without its comments."""
    parts = [mod.locals, mod.variables, mod.outputs, mod.resources, mod.data, mod.modules]
    return json.dumps(parts)


def test_every_reference_names_something_declared():
    env = environment()
    for folder in all_folders():
        mod = load_module(folder)
        text = _expressions(mod)
        where = folder.relative_to(REPO)
        for name in set(re.findall(r"\bvar\.(\w+)", text)):
            assert name in mod.variables, f"{where}: var.{name} is not declared"
        for name in set(re.findall(r"\blocal\.(\w+)", text)):
            assert name in mod.locals, f"{where}: local.{name} is not defined"
        for kind, name in set(re.findall(r"(?<![\w.])(google_\w+)\.(\w+)", text)):
            assert name in mod.resources.get(kind, {}), f"{where}: {kind}.{name} is not declared"
        for kind, name in set(re.findall(r"\bdata\.(\w+)\.(\w+)", text)):
            assert name in mod.data.get(kind, {}), f"{where}: data.{kind}.{name} is not declared"
    for called, output in set(re.findall(r"\bmodule\.(\w+)\.(\w+)", _expressions(env))):
        folder = (env.path / env.modules[called]["source"]).resolve()
        assert output in load_module(folder).outputs, f"module {called} has no output {output}"


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return [value] if isinstance(value, str) else []


def test_every_file_terraform_reads_exists():
    for folder in all_folders():
        mod = load_module(folder)
        parts = [mod.locals, mod.variables, mod.outputs, mod.resources, mod.data, mod.modules]
        for text in _strings(parts):
            for relative in re.findall(r"\$\{path\.module\}(/[^\"$]*)", text):
                path = Path(str(folder) + relative)
                assert path.exists(), f"{folder.relative_to(REPO)} reads {relative}, which does not exist"


# -- archives: Terraform's fileset() patterns, evaluated here ----------------------------------------------

def repo_files(folder: str) -> set[str]:
    base = REPO / folder
    return {p.relative_to(REPO).as_posix() for p in base.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")}


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Terraform fileset() globbing: ``**`` crosses folders, ``*`` and ``?`` do not, ``{a,b}`` alternates."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "{":
            end = pattern.index("}", i)
            out, i = out + "(?:" + "|".join(map(re.escape, pattern[i + 1:end].split(","))) + ")", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _fileset(pattern: str) -> set[str]:
    root = pattern.split("*", 1)[0].split("{", 1)[0].rsplit("/", 1)[0]
    candidates = repo_files(root) if root else {p.name for p in REPO.iterdir() if p.is_file()}
    regex = _glob_regex(pattern)
    return {p for p in candidates if regex.fullmatch(p)}


def archive_files(function: str) -> set[str]:
    """The files Terraform puts in a function's archive (modules/functions/source.tf)."""
    functions = module("functions")
    spec = function_table()[function]
    files: set[str] = set()
    sources = functions.locals["common_sources"] + functions.locals["archive_files"]
    literals = re.search(r"setunion\(\[([^\]]*)\]", functions.locals["common_sources"]).group(1)
    files |= set(re.findall(r'"([^"]+)"', literals))
    for pattern in re.findall(r'fileset\(local\.repo, "([^"]+)"\)', sources):
        if "${package}" in pattern:
            for package in spec["packages"]:
                files |= _fileset(pattern.replace("${package}", package))
        else:
            files |= _fileset(pattern.replace("${name}", function))
    data = functions.data["archive_file"]["source"]
    assert expression(dynamic(data, "source")["for_each"]) == "local.archive_files[each.key]"
    return files
