"""``python -m charla_local``: run the whole platform locally until interrupted."""

from __future__ import annotations

import os
import signal
import threading

from charla_local.stack import LocalStack
from shared.kernel.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    stack = LocalStack(settings, host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8080")))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stack.start()
    stopped.wait()
    stack.stop()


if __name__ == "__main__":
    main()
