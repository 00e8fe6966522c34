"""The demo workspace's team for `make run`: people to sign in to the console as, queues the demo bots hand
customers to, and the catalogs an agent uses. Seeded once: a workspace that has agents is left alone."""

from __future__ import annotations

from collections.abc import Mapping

from shared.agents import Agent, AgentDirectory, Queue
from shared.console.logins import Logins
from shared.kernel.logs import log
from shared.ports.context import StateAndTime
from shared.workspaces.catalogs import (
    MessageTemplate,
    MessageTemplates,
    PauseReason,
    PauseReasons,
    QuickReplies,
    QuickReply,
    Typification,
    Typifications,
)

DEFAULT_PASSWORD = "charla-demo-2026"  # local only; CHARLA_DEMO_PASSWORD replaces it
# id, name, role, queues, languages
PEOPLE = (
    ("adriana", "Adriana", "admin", ("ventas", "postventa", "default"), ("es",)),
    ("sofia", "Sofía", "supervisor", ("ventas", "postventa", "default"), ("es", "pt")),
    ("lucia.mayoristas", "Lucía", "agent", ("ventas", "default"), ("es",)),
    ("ana", "Ana", "agent", ("ventas", "default"), ("es",)),
    ("beto", "Beto", "agent", ("postventa", "default"), ("es", "pt")),
)
QUEUES = ("ventas", "postventa", "default")


def seed_demo_team(ports: StateAndTime, workspace_id: str, environ: Mapping[str, str]) -> None:
    directory = AgentDirectory(ports.store, ports.clock)
    if directory.agents_of(workspace_id):
        return
    password = environ.get("CHARLA_DEMO_PASSWORD") or DEFAULT_PASSWORD
    for name in QUEUES:
        directory.save_queue(Queue(workspace_id=workspace_id, name=name))
    logins = Logins(ports.store, ports.clock)
    for agent_id, name, role, queues, languages in PEOPLE:
        email = f"{agent_id.split('.')[0]}@demo.charla"
        directory.save_agent(Agent(id=agent_id, workspace_id=workspace_id, name=name, email=email, role=role,
                                   queues=queues, languages=languages, capacity=3))
        logins.set_password(workspace_id, agent_id, password)
    for label in ("Almuerzo", "Capacitación", "Pausa activa"):
        PauseReasons(ports.store, ports.clock).save(PauseReason(workspace_id=workspace_id, label=label))
    for typification in ("Consulta resuelta", "Venta", "Reclamo", "Sin respuesta del cliente"):
        Typifications(ports.store, ports.clock).save(Typification(workspace_id=workspace_id,
                                                                        name=typification))
    replies = QuickReplies(ports.store, ports.clock)
    for shortcut, title, text, category in (
        ("saludo", "Saludo", "¡Hola {{contact_name}}! Soy parte del equipo de Tienda Sol, ¿en qué te ayudo?",
         "general"),
        # Says what the bot says (bots/tienda.yaml, intent envios): the customer hears one answer.
        ("envios", "Envíos", "Enviamos a todo el país: en AMBA llega en 24 a 48 h y al interior en 72 h hábiles. "
                             "El envío es gratis en compras desde $50.000.", "ventas"),
        ("cambios", "Cambios", "Tenés 30 días para cambiar tu compra con el ticket.", "postventa"),
        ("despedida", "Despedida", "¡Gracias por escribirnos! Que tengas un lindo día.", "general"),
    ):
        replies.save(QuickReply(workspace_id=workspace_id, shortcut=shortcut, title=title, text=text,
                                category=category))
    MessageTemplates(ports.store, ports.clock).save(MessageTemplate(
        workspace_id=workspace_id, name="seguimiento_pedido", language="es_AR",
        text="Hola {{1}}, te escribimos de Tienda Sol por tu pedido {{2}}. ¿Podemos ayudarte?", parameters=2))
    log("INFO", "demo team ready: sign in to the console API as any of them",
        users=[f"{a.split('.')[0]}@demo.charla ({role})" for a, _, role, _, _ in PEOPLE],
        password="CHARLA_DEMO_PASSWORD" if environ.get("CHARLA_DEMO_PASSWORD") else DEFAULT_PASSWORD)
