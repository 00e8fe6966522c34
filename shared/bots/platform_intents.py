"""Platform intents: what every bot understands without writing it (docs/bot-format.md, "Platform intents").

Asking for a person, greetings, thanks, goodbyes, yes, no and opting out, in es, en and pt. The
statistical model (nlu_model, trained with each bot's own intents) predicts them as ``platform.<name>``;
this module is what the engine needs besides the model:

* the names, and the keys a bot file uses to point one elsewhere or switch it off;
* the platform's built-in replies, in each bot language;
* a small shipped phrase list, so that the two paths that must never fail work with no model at all
  (a bot published with triggers only, or a message the model scores low): asking for a person, found
  *inside* a message ("hola, quiero hablar con una persona por favor"), and opting out, as the whole
  message ("STOP", "baja"). Yes and no are recognised as words too, but only ever answer a yes/no
  question on screen.

Every phrase is compared on ``matching.normalise``'d text: lower case, accents and punctuation off.
"""

from __future__ import annotations

import re
from functools import cache

from shared.bots.definition import PLATFORM_INTENTS as NAMES
from shared.bots.definition import PLATFORM_PREFIX as PREFIX
from shared.bots.matching import normalise

HUMAN, GREETING, THANKS, GOODBYE, YES, NO, OPT_OUT = NAMES
# The bot file's platform_intents keys: each name, and `stop` (shared/BOT_FORMAT.md's word for opt_out).
FILE_ALIASES = {"stop": OPT_OUT}


# The engine's event when a customer opts out: the resolver records it in the contact book, per channel.
OPTED_OUT_EVENT = "opted_out"


def label(name: str) -> str:
    """The model's label of a platform intent: ``platform.human``."""
    return PREFIX + name


def name_of(label_: str) -> str | None:
    """``platform.human`` -> ``human``; None for a bot's own intent."""
    if label_.startswith(PREFIX) and label_[len(PREFIX):] in NAMES:
        return label_[len(PREFIX):]
    return None


# The platform's own replies (a bot overrides them in its file). Greeting has none: it runs the bot's startup.
REPLIES: dict[str, dict[str, str]] = {
    GREETING: {"es": "¡Hola! ¿En qué te puedo ayudar?", "en": "Hi! How can I help you?",
               "pt": "Olá! Como posso te ajudar?"},
    THANKS: {"es": "¡De nada! ¿Te ayudo con algo más?", "en": "You're welcome! Anything else I can help with?",
             "pt": "De nada! Posso ajudar em algo mais?"},
    GOODBYE: {"es": "¡Hasta luego! Gracias por escribirnos.", "en": "Goodbye! Thanks for writing to us.",
              "pt": "Até logo! Obrigado por escrever."},
    OPT_OUT: {"es": "Listo: no te vamos a enviar más mensajes por este canal. Si cambiás de idea, escribinos.",
              "en": "Done: we won't send you any more messages on this channel. Write to us if you change your "
                    "mind.",
              "pt": "Pronto: não vamos mais te enviar mensagens por este canal. Se mudar de ideia, é só escrever."},
}

# -- asking for a person, found inside a message --------------------------------------------------
# A request is a verb of reaching someone, then (within a few words) who: "hablar con una persona",
# "comunicarme con un asesor", "talk to a human", "falar com um atendente"; or a wish for who ("quiero
# un humano", "necesito un asesor", "I need a live agent"); or a phrase that says it alone ("atención
# humana", "real person"). Present tenses are left out on purpose: "ya estoy hablando con alguien"
# says someone already helps, and must not open a ticket.
_PEOPLE = {
    "es": ("persona", "personas", "humano", "humana", "humanos", "ser humano", "alguien", "asesor", "asesora",
           "asesores", "agente", "agentes", "operador", "operadora", "representante", "empleado", "empleada",
           "vendedor", "vendedora", "encargado", "encargada", "ejecutivo", "ejecutiva", "gente",
           "atencion al cliente", "servicio al cliente", "umano", "perzona"),
    "en": ("person", "human", "humans", "someone", "somebody", "anyone", "agent", "live agent", "operator",
           "representative", "rep", "advisor", "adviser", "staff", "manager", "customer service",
           "customer support", "support team", "real person", "human being", "people"),
    "pt": ("pessoa", "pessoas", "humano", "humana", "ser humano", "alguem", "atendente", "atendentes", "agente",
           "operador", "operadora", "consultor", "consultora", "representante", "funcionario", "funcionaria",
           "vendedor", "vendedora"),
}
_ANYONE = {"alguien", "gente", "personas", "someone", "somebody", "anyone", "people", "alguem", "pessoas"}
_REACH = {
    "es": ("hablar", "hablarle", "ablar", "charlar", "chatear", "conversar", "comunicarme", "comunicar", "comunicas",
           "comunica", "comunicarse", "comunicame", "comuniquenme", "contactar", "contactarme", "contactame",
           "conectarme", "conectame", "pasame", "pasarme", "pasenme", "pasas", "derivame", "derivarme", "derivenme",
           "transferime", "transferirme", "transfiereme", "ponerme en contacto", "comunicacion", "me atienda",
           "me atiendan", "que me atienda", "hablo"),
    "en": ("talk", "speak", "chat", "connect me", "transfer me", "put me through", "get me", "reach", "contact"),
    "pt": ("falar", "conversar", "me passa", "me passe", "me transfere", "me transfira", "me coloca", "contatar",
           "contato", "me atenda", "me atender", "falo"),
}
_WISH = {
    "es": ("quiero", "quisiera", "necesito", "preciso", "busco", "pido", "solicito", "dame", "prefiero"),
    "en": ("want", "need", "prefer", "request", "give me"),
    "pt": ("quero", "queria", "preciso", "gostaria de", "prefiro", "solicito"),
}
_ALONE = {
    "es": ("atencion humana", "atencion personalizada", "persona real", "persona de verdad", "un humano",
           "una persona real", "asesor humano", "agente humano", "operador humano", "no quiero un bot",
           "no quiero hablar con un bot", "no quiero hablar con una maquina", "no sos una persona"),
    "en": ("real person", "live agent", "human agent", "live person", "human being", "actual person",
           "customer service representative", "a human", "not a bot", "no bots", "stop the bot"),
    "pt": ("atendimento humano", "atendimento humanizado", "pessoa real", "pessoa de verdade", "um humano",
           "atendente humano", "nao quero falar com robo", "nao quero um robo", "nao quero bot"),
}
# Between the verb and who: "hablar YA MISMO con una persona", "talk TO a real person"; a wish is
# closer ("quiero UN asesor"), or "quiero saber el horario de atención al cliente" would ask for one.
_REACH_GAP_WORDS = 4
_WISH_GAP_WORDS = 2


def _alternatives(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


@cache
def _person_pattern() -> re.Pattern[str]:
    people = _alternatives(tuple({p for ps in _PEOPLE.values() for p in ps}))
    reach = _alternatives(tuple({p for ps in _REACH.values() for p in ps}))
    # "necesito que alguien se haga cargo" is a complaint, not a request: wishes name who, not just anyone.
    wished = _alternatives(tuple({p for ps in _PEOPLE.values() for p in ps} - _ANYONE))
    wish = _alternatives(tuple({p for ps in _WISH.values() for p in ps}))
    alone = _alternatives(tuple({p for ps in _ALONE.values() for p in ps}))
    far, near = rf"(?: \S+){{0,{_REACH_GAP_WORDS}}}", rf"(?: \S+){{0,{_WISH_GAP_WORDS}}}"
    return re.compile(rf"(?:^| )(?:(?:{reach}){far} (?:{people})|(?:{wish}){near} (?:{wished})|(?:{alone}))(?= |$)")


def asks_for_a_person(text: str) -> bool:
    """The message asks for a person, in any of the three languages, wherever in the message it says so."""
    message = normalise(text)
    return bool(message) and _person_pattern().search(message) is not None


# -- opting out, as the whole message -----------------------------------------------------------------
_OPT_OUT = {
    "es": ("baja", "darme de baja", "dame de baja", "quiero darme de baja", "no me escriban mas",
           "no quiero recibir mas mensajes", "no me manden mas mensajes", "stop", "desuscribir", "desuscribirme",
           "cancelar suscripcion", "cancelar mi suscripcion"),
    "en": ("stop", "unsubscribe", "stop messaging me", "stop sending me messages", "opt out", "optout", "stopall"),
    "pt": ("sair", "stop", "descadastrar", "me descadastra", "nao quero mais receber",
           "nao quero receber mensagens", "parem de me mandar mensagens"),
}


# Opting out stops every message on the channel: a wrong guess costs far more than a missed one (the customer
# can still write "STOP"), so the model's opt_out counts only when it is this sure.
OPT_OUT_MIN_CONFIDENCE = 0.9


@cache
def _opt_out_messages() -> frozenset[str]:
    return frozenset(normalise(p) for ps in _OPT_OUT.values() for p in ps)


def opts_out(text: str) -> bool:
    """The whole message asks to receive nothing more on this channel ("STOP", "baja", "descadastrar")."""
    return normalise(text) in _opt_out_messages()


# -- yes and no, as the first word of a message or of a button's title ----------------------------------
_YES = ("si", "sii", "siii", "sip", "dale", "claro", "ok", "okay", "okey", "perfecto", "obvio", "correcto",
        "afirmativo", "yes", "yeah", "yep", "yup", "sure", "sim", "isso", "beleza", "certo", "exato")
_NO = ("no", "nop", "nope", "nah", "negativo", "tampoco", "nao", "not", "never", "nunca", "jamas")


def yes_or_no(text: str) -> str | None:
    """``yes`` or ``no`` when the message (or a button's title) starts with one ("Sí, agendar", "no gracias")."""
    words = normalise(text).split()
    if not words:
        return None
    if words[0] in _YES:
        return YES
    if words[0] in _NO:
        return NO
    return None
