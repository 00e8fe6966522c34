"""Which address console_api counts sign-in failures against: behind Google's load balancer the entry it
appended for the client (second from the end of X-Forwarded-For), never one the client wrote; elsewhere the
connection's own."""

from shared.console.api.client_address import client_address


def test_behind_the_load_balancer_the_client_is_the_entry_it_appended_before_its_own():
    assert client_address(["203.0.113.9, 34.120.0.1"], "169.254.1.1", behind_load_balancer=True) == "203.0.113.9"


def test_entries_the_client_wrote_itself_are_never_trusted():
    forged = ["1.2.3.4, 5.6.7.8, 203.0.113.9, 34.120.0.1"]
    assert client_address(forged, "169.254.1.1", behind_load_balancer=True) == "203.0.113.9"
    # A second header the client sent counts as written by the client too.
    assert client_address(["1.2.3.4", "203.0.113.9, 34.120.0.1"], "", behind_load_balancer=True) == "203.0.113.9"


def test_without_the_load_balancer_the_connection_is_the_client_and_the_header_is_ignored():
    assert client_address(["1.2.3.4, 5.6.7.8"], "127.0.0.1", behind_load_balancer=False) == "127.0.0.1"
    assert client_address(["34.120.0.1"], "169.254.1.1", behind_load_balancer=True) == "169.254.1.1"


def test_an_ipv6_client_is_counted_by_its_64_and_no_address_appears_in_its_key():
    from shared.console.sign_in_throttle import address_key

    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff:0:0:9")
    assert address_key("2001:db8:1:2::1") != address_key("2001:db8:1:3::1")
    assert address_key("::ffff:203.0.113.9") == address_key("203.0.113.9") != address_key("203.0.113.10")
    assert "203" not in address_key("203.0.113.9")
