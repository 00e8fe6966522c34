"""The bot authors' command-line tool, run as they run it: ``python -m shared.cli`` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent

BOT = """\
id: sol
name: Sol
language: es
variables:
  - {name: email, type: email}
startup: bienvenida
topics:
  - name: general
    intents:
      - name: bienvenida
        responses:
          - text: "Hola ${contact.name}! Soy Sol."
          - menu: menu
      - name: horario
        triggers: [horario de atencion, a que hora abren]
        responses:
          - text: "Abrimos de 9 a 18 h."
          - buttons:
              text: "¿Algo más?"
              options:
                - {title: Ver menú, go_to: menu}
                - {title: Foto del local, go_to: foto}
      - name: foto
        responses:
          - media: {kind: image, url: "https://cdn.example.com/local.jpg", caption: Nuestro local}
      - name: pedido
        triggers: [estado de mi pedido, donde esta mi pedido]
        responses:
          - webhook:
              url: "https://api.example.com/orders/last"
              save: {estado: "$.status"}
              on_error: {text: "No pude consultar tu pedido."}
          - text: "Tu pedido está ${estado}."
      - name: newsletter
        triggers: [quiero el newsletter, suscribirme al newsletter]
        responses:
          - ask: {variable: email, text: "¿Cuál es tu email?"}
          - text: "Listo."
menus:
  - name: menu
    header: "Elegí una opción:"
    reminder: {after_minutes: 5, text: "¿Seguís ahí?"}
    options:
      - {title: Horarios, go_to: horario}
      - {title: Terminar, close: {message: "¡Chau!"}}
"""

PASSING = """\
conversations:
  - name: greeting
    contact: {name: Ana}
    turns:
      - user: hola
        bot:
          - "Hola Ana! Soy Sol."
          - {kind: menu, text: "Elegí una opción:*", options: [Horarios, Terminar]}
      - user: 1
        bot: ["Abrimos de 9 a 18 h.", {kind: buttons, options: [Ver menú, "Foto*"]}]
      - user: "2"
        bot: ["[image] https://cdn.example.com/local.jpg*"]
  - name: order status from the stubbed API
    turns:
      - user: donde esta mi pedido
        bot: ["Hola! Soy Sol.", {kind: menu}, "Tu pedido está en camino."]
webhooks:
  "GET https://api.example.com/orders/*": {status: 200, json: {status: en camino}}
"""

FAILING = """\
conversations:
  - name: greeting
    turns:
      - user: hola
        bot: ["Hola! Soy Sol.", {kind: menu}]
  - name: menu reminder
    turns:
      - user: hola
        bot: ["Hola!*", {kind: menu}]
      - wait_minutes: 6
        bot: ["¿Sigues ahí?"]
  - name: never reached
    turns:
      - user: hola
        bot: []
"""


def cli(*args: object, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shared.cli", *map(str, args)], cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


@pytest.fixture
def bot(tmp_path: Path) -> Path:
    path = tmp_path / "sol.yaml"
    path.write_text(BOT, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- validate -------------------------------------------------------------------------------------
def test_validate_accepts_a_valid_bot_counting_its_intents_and_menus_and_shows_its_warnings(bot):
    result = cli("validate", bot)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"ok: {bot} (5 intents, 1 menu)"
    ask = line_of(BOT, "text: \"¿Cuál es tu email?\"")
    assert lines[1].startswith(f"  warning: sol.yaml:{ask} topics[0].intents[4].responses[0].ask.text: asks for "
                               "personal data without saying why")


def test_validate_names_file_line_and_key_of_each_problem_and_fails(bot, tmp_path):
    broken = write(tmp_path / "broken.yaml", BOT.replace("language: es", "language: fr").replace(
        "title: Horarios", "titulo: Horarios"))
    result = cli("validate", bot, broken)
    assert result.returncode == 1
    out = result.stdout
    assert f"ok: {bot}" in out and f"invalid: {broken}" in out
    assert "broken.yaml:3 language: 'fr' is not supported; expected one of es, en, pt" in out
    assert f"broken.yaml:{line_of(BOT, 'title: Horarios')} menus[0].options[0].titulo: unknown key" in out


def test_validate_reports_a_file_that_does_not_exist(tmp_path):
    result = cli("validate", tmp_path / "nowhere.yaml")
    assert result.returncode == 1
    assert f"error: {tmp_path / 'nowhere.yaml'}: no such file or folder" in result.stdout


def test_validate_checks_a_folder_as_publishing_it_would(tmp_path):
    folder = tmp_path / "bots"
    folder.mkdir()
    write(folder / "sol.yaml", BOT)
    write(folder / "workspace.yaml", "workspace: {id: shop}\nchannels:\n  - {type: webchat, account: s1, bot: sol}\n")
    good = cli("validate", folder)
    assert good.returncode == 0, good.stdout
    assert good.stdout.splitlines()[-1] == f"ok: {folder} (workspace shop, 1 bot, 1 channel)"

    write(folder / "workspace.yaml", "workspace: {id: shop}\nchannels:\n  - {type: webchat, account: s1, bot: ghost}\n")
    bad = cli("validate", folder)
    assert bad.returncode == 1
    assert "workspace.yaml channels[0].bot: 'ghost' is not a bot" in bad.stdout


# -- test -----------------------------------------------------------------------------------------
def test_passing_scripts_print_pass_per_conversation_and_the_summary(bot, tmp_path):
    result = cli("test", bot, write(tmp_path / "conversations.yaml", PASSING))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == ["PASS greeting", "PASS order status from the stubbed API",
                                          "2 passed, 0 failed"]


def test_the_first_mismatch_fails_the_run_with_a_report_naming_conversation_and_turn(bot, tmp_path):
    script = write(tmp_path / "conversations.yaml", FAILING)
    result = cli("test", bot, script)
    assert result.returncode == 1
    out = result.stdout
    assert out.splitlines()[:2] == ["PASS greeting", "FAIL menu reminder"]
    assert f'{script}:10 conversation "menu reminder", turn 2 (wait_minutes: 6)' in out
    assert 'reply 1 differs: text: expected "¿Sigues ahí?", got "¿Seguís ahí?"' in out
    assert '1. [any] "¿Sigues ahí?"' in out and '1. [text] "¿Seguís ahí?"' in out
    assert "never reached" not in out
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_a_reply_count_that_differs_is_a_mismatch(bot, tmp_path):
    script = write(tmp_path / "conversations.yaml",
                   "conversations:\n  - name: silent\n    turns:\n      - user: hola\n        bot: []\n")
    result = cli("test", bot, script)
    assert result.returncode == 1
    assert 'conversation "silent", turn 1 (user: "hola")' in result.stdout
    assert "expected 0 replies, got 2" in result.stdout


def test_an_invalid_script_is_refused_naming_file_line_and_key_before_anything_runs(bot, tmp_path):
    script = write(tmp_path / "conversations.yaml",
                   "conversations:\n  - name: typo\n    turns:\n      - usr: hola\n        bot: []\n")
    result = cli("test", bot, script)
    assert result.returncode == 1
    assert f"{script}:4 conversations[0].turns[0].usr: unknown key; expected one of user, wait_minutes, bot" in (
        result.stdout)
    assert "passed" not in result.stdout


# -- chat -----------------------------------------------------------------------------------------
def test_chat_reads_piped_lines_and_shows_choices_numbered_and_media_on_one_line(bot):
    result = cli("chat", bot, "--name", "Ana", stdin="hola\n1\n2\n/quit\nhola\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> hola\nHola Ana! Soy Sol.\nElegí una opción:\n  1) Horarios\n  2) Terminar\n" in out
    assert "> 1\nAbrimos de 9 a 18 h.\n¿Algo más?\n  1) Ver menú\n  2) Foto del local\n" in out
    assert "> 2\n[image] https://cdn.example.com/local.jpg Nuestro local\n" in out
    assert out.count("> hola") == 1  # nothing after /quit


def test_chat_wait_lets_the_menu_reminder_arrive_and_restart_starts_a_new_conversation(bot):
    result = cli("chat", bot, stdin="hola\n/wait 4\n/wait 2\n/restart\nhola\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> /wait 4\n(4 min later: nothing new)\n> /wait 2\n¿Seguís ahí?\n" in out
    assert "> /restart\n(new conversation)\n> hola\nHola! Soy Sol.\n" in out


def test_chat_refuses_an_invalid_bot_with_the_loaders_errors(tmp_path):
    broken = write(tmp_path / "broken.yaml", BOT.replace("startup: bienvenida", "startup: ghost"))
    result = cli("chat", broken, stdin="hola\n")
    assert result.returncode == 1
    assert f"broken.yaml:{line_of(BOT, 'startup:')} startup: " in result.stdout and "ghost" in result.stdout
