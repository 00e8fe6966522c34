"""Webhook handler time per provider channel on the embedded stack: how fast the provider gets its 200.

Run: `make bench-webhooks` (or `.venv/bin/python benchmarks/webhooks.py [--requests N]`).
The whole local stack runs (its dispatchers answer the messages in the background, as they would);
each request is a distinct, correctly signed text message from the provider's documented format,
handed to the function in-process at a steady rate (--rate), so the figure is the handler's own
time (signature, parsing, routing, dedupe, publishing) while the stack answers the earlier
messages, without the network. Target: p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TARGET_P99_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per channel")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="requests per second, each a new conversation the stack answers in the background "
                             "(0: back to back, which saturates a 2-core machine's embedded stack)")
    args = parser.parse_args()

    from flask import Flask, request

    import main as functions_source
    from charla_local.stack import LocalStack
    from shared.kernel.settings import Settings
    from tests.support.channel_drivers import CUSTOMERS, provider_simulators
    from tests.support.ports import free_port, wait_for_http

    with tempfile.TemporaryDirectory() as data, provider_simulators() as simulators:
        port = free_port()
        stack_url = f"http://127.0.0.1:{port}"
        environ = simulators.environ(stack_url)
        stack = LocalStack(Settings.from_env({**environ, "CHARLA_DATA_DIR": data}), port=port, environ=environ)
        stack.start()
        wait_for_http(f"{stack_url}/healthz")
        app = Flask("bench")
        print(f"{args.rate:g} requests/s per channel" if args.rate else "requests back to back")
        print(f"{'channel':<16} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
              f"  target p99 < {TARGET_P99_MS:.0f} ms")
        try:
            for channel, customer_type in CUSTOMERS.items():
                customer = customer_type(stack_url, simulators)
                function = getattr(functions_source, customer.webhook.split("/")[0])
                path = "/" + customer.webhook.partition("/")[2]
                timings = []
                next_at = time.perf_counter()
                for index in range(args.requests):
                    if args.rate:
                        next_at += 1 / args.rate
                        time.sleep(max(0.0, next_at - time.perf_counter()))
                    customer.contact = customer.new_contact()  # a new conversation each time
                    body, headers = customer.text_request(f"hola {index}", f"m{index:06d}")
                    base = f"{stack_url}/webhook_twilio" if channel.startswith("twilio") else stack_url
                    with app.test_request_context(path, method="POST", data=body, headers=headers, base_url=base):
                        started = time.perf_counter()
                        response = function(request)
                        timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise SystemExit(f"{channel}: HTTP {response.status_code} {response.get_data(as_text=True)}")
                timings.sort()
                p99 = timings[int(len(timings) * 0.99) - 1]
                verdict = "ok" if p99 < TARGET_P99_MS else "OVER TARGET"
                print(f"{channel:<16} {len(timings):>8} {statistics.median(timings):>8.2f} {p99:>8.2f} "
                      f"{timings[-1]:>8.2f}  {verdict}")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
