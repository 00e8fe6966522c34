"""The sign-in throttling's log event is what Terraform's log-based metric counts: one name, in
shared/contracts/console.json, read by the code that logs it and by the metric's filter."""

from __future__ import annotations

from shared.console.sign_in_throttle import EVENT
from tests.infra import code_facts as code
from tests.infra.terraform_files import module


def test_each_sign_in_delay_is_counted_by_scope_for_operators_to_alert_on():
    assert code.contract("console.json")["sign_in_throttled_event"] == EVENT
    security = module("security")
    assert "console.json" in security.locals["console"]
    metric = security.resource("google_logging_metric", "sign_in_throttled")
    assert metric["filter"] == 'jsonPayload.event="${local.console.sign_in_throttled_event}"'
    assert metric["label_extractors"] == {"scope": "EXTRACT(jsonPayload.scope)"}
    [descriptor] = metric["metric_descriptor"]
    assert (descriptor["metric_kind"], descriptor["value_type"]) == ("DELTA", "INT64")
