"""Start and stop the Google Cloud CLI's Firestore and Pub/Sub emulators.

Each emulator runs in its own process group on a free loopback port and the
whole group is killed at the end (killing only a parent can leave the Java
child holding the port).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import free_port, wait_for_http

SDK_ROOTS = [Path("/usr/lib/google-cloud-sdk"), Path("/usr/share/google-cloud-sdk")]
EMULATOR_PROJECT = "demo-test"


def _sdk_root() -> Path | None:
    gcloud = shutil.which("gcloud")
    candidates = list(SDK_ROOTS)
    if gcloud:
        candidates.insert(0, Path(os.path.realpath(gcloud)).parent.parent)
    for root in candidates:
        if (root / "platform").is_dir():
            return root
    return None


class EmulatorUnavailable(RuntimeError):
    pass


@dataclass
class RunningEmulator:
    name: str
    host: str  # 127.0.0.1:PORT
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _firestore_command(port: int) -> list[str]:
    root = _sdk_root()
    if root is None:
        raise EmulatorUnavailable("Google Cloud CLI not found (no gcloud on PATH, no /usr/lib/google-cloud-sdk)")
    jar = root / "platform" / "cloud-firestore-emulator" / "cloud-firestore-emulator.jar"
    if not jar.exists():
        raise EmulatorUnavailable(
            f"Firestore emulator component missing ({jar}); install it:"
            " gcloud components install cloud-firestore-emulator"
            " (or apt-get install google-cloud-cli-firestore-emulator)"
        )
    if not shutil.which("java"):
        raise EmulatorUnavailable("Java is not installed; the Firestore emulator needs Java 17+")
    return [
        "java", "-Duser.language=en", "-cp", str(jar),
        "com.google.cloud.datastore.emulator.firestore.CloudFirestore",
        "--host=127.0.0.1", f"--port={port}",
    ]


def _pubsub_command(port: int) -> list[str]:
    root = _sdk_root()
    if root is None:
        raise EmulatorUnavailable("Google Cloud CLI not found (no gcloud on PATH, no /usr/lib/google-cloud-sdk)")
    binary = root / "platform" / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
    if not binary.exists():
        raise EmulatorUnavailable(
            f"Pub/Sub emulator component missing ({binary}); install it: gcloud components install pubsub-emulator"
            " (or apt-get install google-cloud-cli-pubsub-emulator)"
        )
    if not shutil.which("java"):
        raise EmulatorUnavailable("Java is not installed; the Pub/Sub emulator needs Java 17+")
    return [str(binary), "--host=127.0.0.1", f"--port={port}"]


def start_emulator(name: str, timeout_s: float = 60.0) -> RunningEmulator:
    port = free_port()
    command = {"firestore": _firestore_command, "pubsub": _pubsub_command}[name](port)
    log_path = Path(tempfile.mkstemp(prefix=f"charla-{name}-emulator-", suffix=".log")[1])
    log = log_path.open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    emulator = RunningEmulator(name=name, host=f"127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", timeout_s=timeout_s)
    except TimeoutError as exc:
        emulator.stop()
        raise EmulatorUnavailable(
            f"{name} emulator did not start: {exc}; log: {log_path.read_text()[-2000:]}"
        ) from None
    return emulator


def reset_firestore(emulator: RunningEmulator, project: str = EMULATOR_PROJECT) -> None:
    httpx.delete(
        f"{emulator.url}/emulator/v1/projects/{project}/databases/(default)/documents", timeout=10
    ).raise_for_status()


def reset_pubsub(emulator: RunningEmulator) -> None:
    httpx.post(f"{emulator.url}/reset", timeout=10).raise_for_status()
