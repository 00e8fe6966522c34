"""What the console's reply box inserts for a quick reply (console/views/quick_reply_text.js), run with node: an
unknown contact name takes its space with it, as the bots' templates do (issue 17, point 6): never "¡Hola !"."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.support.availability import engine_unavailable

MODULE = Path(__file__).resolve().parent.parent.parent / "console" / "views" / "quick_reply_text.js"
NODE = shutil.which("node")

CASES = [
    ("¡Hola {{contact_name}}! Soy parte del equipo de Tienda Sol, ¿en qué te ayudo?", "",
     "¡Hola! Soy parte del equipo de Tienda Sol, ¿en qué te ayudo?"),
    ("¡Hola {{contact_name}}! Soy Ana.", "Marta", "¡Hola Marta! Soy Ana."),
    ("Hola {{ contact_name }}, ¿cómo estás?", "", "Hola, ¿cómo estás?"),
    ("{{contact_name}}, te escribimos de Tienda Sol.", "", "te escribimos de Tienda Sol."),
    ("Gracias {{contact_name}}", "", "Gracias"),
    ("Hola {{contact_name}} ¿cómo estás?", "", "Hola ¿cómo estás?"),
    ("Hola {{contact_name}}", "$& y $1", "Hola $& y $1"),  # a name is inserted as written, never as a pattern
]


def test_a_quick_reply_reads_naturally_with_and_without_the_contacts_name():
    if NODE is None:
        engine_unavailable("node", "install Debian's nodejs (`make chromium` does)")
    script = (f"import {{fillQuickReply}} from {json.dumps(MODULE.as_uri())};\n"
              f"const cases = {json.dumps([[text, name] for text, name, _ in CASES])};\n"
              "console.log(JSON.stringify(cases.map(([text, name]) => fillQuickReply(text, name))));\n")
    run = subprocess.run([NODE, "--experimental-detect-module", "--no-warnings", "--input-type=module", "-e", script],
                         capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [expected for _, _, expected in CASES]
