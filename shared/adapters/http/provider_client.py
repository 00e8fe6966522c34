"""What the provider senders and media downloads share: one HTTP client per process (built on first use)
and where each channel account's calls go."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from shared.channels.credentials import ProviderEndpoint

# Where one channel account's API calls go (channel, account → endpoint); raises ConfigurationError when
# the account's credentials are missing. Bootstrap builds it from the workspace directory and the secrets.
EndpointOf = Callable[[str, str], ProviderEndpoint]

HTTP_TIMEOUT = (5.0, 15.0)  # connect, read: a provider slower than this is treated as down


def new_provider_http_client() -> httpx.Client:
    # Redirects are never followed by the client: a media download checks every hop itself.
    connect, read = HTTP_TIMEOUT
    return httpx.Client(timeout=httpx.Timeout(read, connect=connect), follow_redirects=False)
