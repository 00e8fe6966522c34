"""Platform intents through the real pipeline on embedded backends (issue 17, point 1): the scripted ways of
asking for a person pass the bot authors' test runner (`python -m shared.cli test`), with the demo bots' real
models; a request leaves the conversation with people; an opt-out is kept in the contact book per channel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.cli.local_driver import LocalConversations
from shared.contacts import ContactBook

REPO = Path(__file__).resolve().parent.parent.parent
BOTS = REPO / "bots"
VISITOR = "visitor-0001"


@pytest.mark.slow
@pytest.mark.parametrize(("bot_file", "language"), [("tienda.yaml", "es"), ("servicos.yaml", "pt"),
                                                    ("en/shop.yaml", "en")])
def test_every_scripted_way_of_asking_for_a_person_passes_the_cli_test_runner(bot_file, language):
    script = BOTS / "conversations" / f"asking_for_a_person_{language}.yaml"
    result = subprocess.run([sys.executable, "-m", "shared.cli", "test", str(BOTS / bot_file), str(script)],
                            cwd=REPO, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ", 0 failed" in result.stdout


def test_asking_for_a_person_inside_a_sentence_leaves_the_conversation_with_people(tmp_path):
    with LocalConversations(tmp_path) as driver:
        driver.publish(BOTS / "tienda.yaml", "America/Argentina/Buenos_Aires")
        driver.say(VISITOR, "hola")
        replies = driver.say(VISITOR, "hola, quiero hablar con una persona por favor")
        assert [r["text"] for r in replies] == ["Te comunico con una persona del equipo."]
        conversation = driver.conversation(VISITOR)
        assert conversation["status"] == "with_agent" and conversation["bot"]["handoff"]["queue"] == "ventas"
        assert not conversation["bot"]["muted_until"]


def test_an_opt_out_is_confirmed_and_kept_in_the_contact_book_for_that_channel(tmp_path):
    with LocalConversations(tmp_path) as driver:
        driver.publish(BOTS / "tienda.yaml", "America/Argentina/Buenos_Aires")
        driver.say(VISITOR, "hola", name="Ana")
        replies = driver.say(VISITOR, "BAJA")
        assert [r["text"] for r in replies] == [
            "Listo: no te vamos a enviar más mensajes por este canal. Si cambiás de idea, escribinos."]
        contact = ContactBook(driver.platform.store, driver.clock).find_by_address(
            driver.route.workspace_id, "webchat", VISITOR)
        assert contact is not None
        assert contact.opt_in["webchat"]["granted"] is False
        assert contact.opt_in["webchat"]["source"] == "customer asked the bot to stop"
