"""Build and run the whole platform in one process (``make run``).

Every function is served at ``/<name>`` as Cloud Functions URLs are; the event
functions are fed by dispatchers pulling their subscriptions; bots are published
from CHARLA_BOTS_DIR; ``/healthz`` answers 200 once all of that is ready.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import functions_framework
from werkzeug.serving import make_server
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

import main as functions_source
from charla_local.demo_api import demo_api
from charla_local.demo_channels import demo_channel_routes, with_simulator_media_hosts
from charla_local.demo_team import seed_demo_team
from charla_local.dispatch import SubscriptionDispatcher
from shared.adapters.embedded.environment_secrets import EnvironmentSecrets
from shared.adapters.embedded.owner_only_files import write_owner_only_text
from shared.bootstrap import Factory, Platform, use_platform
from shared.channels.providers import provider_of, webhook_function_of
from shared.channels.webchat_tokens import VISITOR_KEY_SECRET
from shared.console.api.services import SESSION_KEY_SECRET, TWO_FACTOR_KEY_SECRET
from shared.events import topics
from shared.events.outbox import Outbox
from shared.kernel.logs import log
from shared.kernel.settings import Settings
from shared.ports.clock import Clock
from shared.ports.event_bus import Subscription

SOURCE = str(Path(functions_source.__file__).resolve())
EVENT_FUNCTIONS = {fs.function for fs in topics.function_subscriptions()}
DEAD_LETTER_RETENTION = Subscription(name="charla-dead-letter-retained", topic=topics.DEAD_LETTER)
OUTBOX_SWEEP_INTERVAL_S = 5.0
RETENTION_PURGE_INTERVAL_S = 24 * 3600.0
DEMO_PAGE = Path(__file__).resolve().parent / "demo_page.html"
CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
CONSOLE_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
                 ".ico": "image/x-icon", ".json": "application/json"}
# The console runs only its own files and talks only to console_api on this origin; pictures customers
# send come from the providers' https hosts. A second line of defence behind never using innerHTML.
CONSOLE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
               "img-src 'self' https: data: blob:; media-src 'self' https: blob:; object-src 'none'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


@Request.application
def demo_page(request: Request) -> Response:
    return Response(DEMO_PAGE.read_bytes(), 200, content_type="text/html; charset=utf-8")


@Request.application
def console_file(request: Request) -> Response:
    """The agent console's static files (console/), as the cloud serves them from a bucket."""
    if request.path == "/console":  # index.html's relative links resolve under /console/ only
        return redirect(request.script_root + "/console/", 301)
    path = (CONSOLE_DIR / (request.path.removeprefix("/console/") or "index.html")).resolve()
    content_type = CONSOLE_TYPES.get(path.suffix)
    if content_type is None or not path.is_relative_to(CONSOLE_DIR) or not path.is_file():
        return Response("not found", 404, content_type="text/plain; charset=utf-8")
    return Response(path.read_bytes(), 200, content_type=content_type,
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": CONSOLE_CSP, "Referrer-Policy": "no-referrer"})


def _with_console_keys(environ: Mapping[str, str], data_dir: Path) -> dict[str, str]:
    """The console's session-signing key and two-step sign-in key, and the web chat's visitor key: the
    environment's, or ones made for this data folder and kept there, so that signed-in agents stay signed
    in (and their authenticator apps keep working, and visitors keep their conversations) across restarts
    of `make run`."""
    keys = dict(environ)
    for secret in (SESSION_KEY_SECRET, TWO_FACTOR_KEY_SECRET, VISITOR_KEY_SECRET):
        variable = "CHARLA_SECRET_" + secret.upper().replace("-", "_")
        if variable in keys:
            continue
        path = data_dir / secret
        if not path.exists():
            write_owner_only_text(path, secrets.token_urlsafe(48))
        keys[variable] = path.read_text().strip()
    return keys


class LocalStack:
    def __init__(self, settings: Settings, host: str = "127.0.0.1", port: int = 8080,
                 clock: Clock | None = None, environ: Mapping[str, str] | None = None,
                 overrides: dict[str, Factory] | None = None) -> None:
        settings = with_simulator_media_hosts(settings)
        self.settings = settings
        # Where the demo channels' accounts and credentials come from (tests pass their own).
        self._environ = os.environ if environ is None else environ
        secrets_environ = _with_console_keys(self._environ, settings.data_dir)
        overrides = {"secrets": lambda _: EnvironmentSecrets(secrets_environ, also_bare_names=True),
                     **(overrides or {})}
        self.platform = Platform(settings, clock=clock, overrides=overrides)
        self.host = host
        self.port = port
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._dispatchers: list[SubscriptionDispatcher] = []
        self._threads: list[threading.Thread] = []
        self._server = make_server(host, port, self._wsgi_app(), threaded=True)

    def _wsgi_app(self):
        apps = {}
        for name in functions_source.FUNCTIONS:
            signature = "cloudevent" if name in EVENT_FUNCTIONS else "http"
            apps[f"/{name}"] = functions_framework.create_app(target=name, source=SOURCE, signature_type=signature)

        @Request.application
        def root(request: Request) -> Response:
            if request.path == "/healthz":
                if self.ready.is_set():
                    return Response('{"status": "ok"}', 200, mimetype="application/json")
                return Response('{"status": "starting"}', 503, mimetype="application/json")
            known = ", ".join(f"/{n}" for n in functions_source.FUNCTIONS)
            return Response(f'{{"error": "no function at {request.path}; functions: {known}"}}', 404,
                            mimetype="application/json")

        def dispatch(environ, start_response):
            # /<function>[/rest] goes to that function's app with PATH_INFO "/rest" (never empty:
            # an empty path would make Flask redirect instead of calling the function).
            path = environ.get("PATH_INFO", "")
            if path.startswith("/demo_api/"):
                return demo_api(environ, start_response)
            if path in ("", "/"):
                return demo_page(environ, start_response)
            if path == "/console" or path.startswith("/console/"):
                return console_file(environ, start_response)
            if path == "/widget.js":  # the demo page's one script tag; the function serves the file
                environ = {**environ, "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + "/webhook_webchat"}
                return apps["/webhook_webchat"](environ, start_response)
            name, _, rest = path.lstrip("/").partition("/")
            app = apps.get(f"/{name}")
            if app is None:
                return root(environ, start_response)
            environ = {**environ, "SCRIPT_NAME": environ.get("SCRIPT_NAME", "") + f"/{name}",
                       "PATH_INFO": f"/{rest}"}
            return app(environ, start_response)

        return dispatch

    def start(self) -> None:
        use_platform(self.platform)
        http = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)
        http.start()
        self._threads.append(http)
        log("INFO", "local stack starting", backend=self.settings.backend, port=self.port,
            data_dir=str(self.settings.data_dir))
        self._prepare()
        for function_subscription in topics.function_subscriptions():
            function = getattr(functions_source, function_subscription.function)
            dispatcher = SubscriptionDispatcher(self.platform.bus, self.settings.project,
                                                function_subscription.subscription, function)
            dispatcher.start()
            self._dispatchers.append(dispatcher)
        scheduler = self.platform.scheduler
        if hasattr(scheduler, "start"):  # the embedded scheduler runs due tasks in-process
            scheduler.start()
        purger = threading.Thread(target=self._schedule_retention_purge, name="retention-schedule", daemon=True)
        purger.start()
        self._threads.append(purger)
        sweeper = threading.Thread(target=self._sweep_outbox, name="outbox-sweep", daemon=True)
        sweeper.start()
        self._threads.append(sweeper)
        self.ready.set()
        log("INFO", "local stack ready", url=f"http://{self.host}:{self.port}")

    def _prepare(self) -> None:
        bus = self.platform.bus
        for topic in topics.ALL_TOPICS:
            bus.ensure_topic(topic)
        for function_subscription in topics.function_subscriptions():
            bus.ensure_subscription(function_subscription.subscription)
        bus.ensure_subscription(DEAD_LETTER_RETENTION)
        self.platform.warehouse.ensure_tables()
        # The demo bot's webhook calls this stack's own /demo_api: tell the bots where it is.
        bots = self.platform.directory.load_folder(self.settings.bots_dir,
                                                   constants={"local_url": f"http://{self.host}:{self.port}"})
        log("INFO", "bots published", bots=[b.id for b in bots], folder=str(self.settings.bots_dir))
        self._connect_demo_channels()
        first = self.platform.directory.first_channel_of_folder(self.settings.bots_dir)
        if first is not None:
            seed_demo_team(self.platform, first.workspace_id, self._environ)
        # Replies staged before a crash are published now rather than at the first sweep.
        Outbox(self.platform.store, bus, self.platform.clock, self.platform.scheduler).sweep(older_than=timedelta(0))

    def _connect_demo_channels(self) -> None:
        first = self.platform.directory.first_channel_of_folder(self.settings.bots_dir)
        if first is None:
            return
        routes, skipped = demo_channel_routes(self._environ, first.workspace_id, first.bot_id)
        for route in routes:
            self.platform.directory.save_channel(route)
            provider = provider_of(route.type)
            path = webhook_function_of(route.type) + (f"/{route.account}" if provider.path_account else "")
            log("INFO", "demo channel connected", channel=route.type, account=route.account,
                webhook=f"http://{self.host}:{self.port}/{path}")
        for note in skipped:
            log("WARNING", "demo channel not connected", reason=note)

    def _schedule_retention_purge(self) -> None:
        """What Cloud Scheduler does in the cloud: ask for the retention purge at start and then daily."""
        while True:
            self.platform.bus.publish(topics.RETENTION, b"{}")
            if self._stop.wait(RETENTION_PURGE_INTERVAL_S):
                return

    def _sweep_outbox(self) -> None:
        outbox = Outbox(self.platform.store, self.platform.bus, self.platform.clock, self.platform.scheduler)
        while not self._stop.wait(OUTBOX_SWEEP_INTERVAL_S):
            try:
                outbox.sweep(older_than=timedelta(seconds=10))
            except Exception as exc:
                log("WARNING", "outbox sweep failed", error=repr(exc))

    def stop(self) -> None:
        self._stop.set()
        self.ready.clear()
        for dispatcher in self._dispatchers:
            dispatcher.stop()
        scheduler = self.platform.built("scheduler")
        if scheduler is not None and hasattr(scheduler, "stop"):
            scheduler.stop()
        self._server.shutdown()
        self.platform.close()
        use_platform(None)
