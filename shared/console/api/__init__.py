"""console_api's HTTP surface: routes with their roles and body schemas, checked and dispatched in one place.

The OpenAPI document is built from the same route table, so it cannot drift from what is served;
tests walk it to check every endpoint's role and workspace guards.
"""
