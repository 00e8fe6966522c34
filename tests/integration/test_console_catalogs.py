"""The admins' catalogs (quick replies, pause reasons, typifications) on the SQLite store and on the
Firestore emulator: saving and editing, names unique per workspace, search order, workspace isolation."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound
from shared.ports.clock import ManualClock
from shared.workspaces.catalogs import (
    PauseReason,
    PauseReasons,
    QuickReplies,
    QuickReply,
    Typification,
    Typifications,
)

WS, OTHER_WS = "ws-tienda", "ws-banco"
START = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def reply(shortcut: str, title: str = "Saludo", text: str = "Hola {{contact_name}}, ¿en qué te ayudo?",
          category: str = "", ws: str = WS, **fields) -> QuickReply:
    return QuickReply(workspace_id=ws, shortcut=shortcut, title=title, text=text, category=category, **fields)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def replies(platform, clock) -> QuickReplies:
    return QuickReplies(platform.store, clock)


@pytest.fixture
def reasons(platform, clock) -> PauseReasons:
    return PauseReasons(platform.store, clock)


@pytest.fixture
def typifications(platform, clock) -> Typifications:
    return Typifications(platform.store, clock)


# -- what every catalog does the same way (checked on each, so each is wired to its own documents) --

CATALOGS = {
    "quick replies": (QuickReplies, lambda name, ws=WS: reply(name, ws=ws), "shortcut"),
    "pause reasons": (PauseReasons, lambda name, ws=WS: PauseReason(workspace_id=ws, label=name), "label"),
    "typifications": (Typifications, lambda name, ws=WS: Typification(workspace_id=ws, name=name), "name"),
}


@pytest.fixture(params=list(CATALOGS))
def catalog(request, platform, clock):
    kind, make, field = CATALOGS[request.param]
    return kind(platform.store, clock), make, field


def name_of(entry, field: str) -> str:
    return getattr(entry, field)


def test_a_saved_entry_gets_an_id_and_reads_back_the_same(catalog):
    entries, make, _ = catalog
    saved = entries.save(make("envio"))
    assert saved.id
    assert entries.get(WS, saved.id) == saved
    assert entries.list(WS) == [saved]


def test_editing_an_entry_keeps_its_id(catalog):
    entries, make, field = catalog
    saved = entries.save(make("envio"))
    edited = entries.save(replace(make("envio-gratis"), id=saved.id))
    assert edited.id == saved.id
    assert [name_of(e, field) for e in entries.list(WS)] == ["envio-gratis"]


def test_a_name_taken_in_the_workspace_is_refused(catalog):
    entries, make, field = catalog
    first = entries.save(make("envio"))
    with pytest.raises(AlreadyExists, match=f"{field} 'envio' is already used"):
        entries.save(make("envio"))
    assert entries.list(WS) == [first]


def test_renaming_an_entry_frees_its_old_name(catalog):
    entries, make, field = catalog
    saved = entries.save(make("envio"))
    entries.save(replace(make("despacho"), id=saved.id))
    again = entries.save(make("envio"))
    assert sorted(name_of(e, field) for e in entries.list(WS)) == ["despacho", "envio"]
    assert again.id != saved.id


def test_deleting_an_entry_frees_its_name_and_a_second_delete_is_not_found(catalog):
    entries, make, _ = catalog
    saved = entries.save(make("envio"))
    entries.delete(WS, saved.id)
    with pytest.raises(NotFound):
        entries.get(WS, saved.id)
    with pytest.raises(NotFound):
        entries.delete(WS, saved.id)
    assert entries.save(make("envio")).id != saved.id


def test_another_workspace_neither_sees_nor_touches_the_entries_and_may_reuse_their_names(catalog):
    entries, make, _ = catalog
    mine = entries.save(make("envio"))
    theirs = entries.save(make("envio", ws=OTHER_WS))
    assert entries.list(WS) == [mine] and entries.list(OTHER_WS) == [theirs]
    with pytest.raises(NotFound):
        entries.get(OTHER_WS, mine.id)
    with pytest.raises(NotFound):
        entries.delete(OTHER_WS, mine.id)
    # Saving under the same id from the other workspace makes that workspace's own entry.
    entries.save(replace(make("otro", ws=OTHER_WS), id=mine.id))
    assert entries.get(WS, mine.id) == mine


def test_two_admins_saving_the_same_name_at_once_cannot_both_win(catalog):
    entries, make, _ = catalog
    barrier = threading.Barrier(2)

    def save(_: int) -> str:
        barrier.wait(timeout=10)
        try:
            entries.save(make("envio"))
            return "saved"
        except AlreadyExists:
            return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(save, range(2)))
    assert results == ["refused", "saved"]
    assert len(entries.list(WS)) == 1


# -- quick replies ----------------------------------------------------------------------------


def test_a_quick_reply_is_stamped_when_saved_and_restamped_when_edited(replies, clock):
    saved = replies.save(reply("hola"))
    assert datetime.fromisoformat(saved.updated_at) == START
    assert saved.text == "Hola {{contact_name}}, ¿en qué te ayudo?"  # placeholders are stored as typed
    clock.advance(timedelta(minutes=5))
    edited = replies.save(replace(saved, text="Buenas tardes {{contact_name}}"))
    assert replies.get(WS, saved.id) == edited
    assert datetime.fromisoformat(edited.updated_at) == START + timedelta(minutes=5)


def test_quick_replies_are_listed_by_shortcut_and_filtered_by_category(replies):
    replies.save(reply("precios", category="Ventas"))
    replies.save(reply("devolucion", category="Posventa"))
    replies.save(reply("catalogo", category="Ventas"))
    replies.save(reply("hola"))
    assert [r.shortcut for r in replies.list(WS)] == ["catalogo", "devolucion", "hola", "precios"]
    assert [r.shortcut for r in replies.list(WS, category="Ventas")] == ["catalogo", "precios"]
    assert replies.list(WS, category="Marketing") == []
    assert replies.categories(WS) == ["Posventa", "Ventas"]
    assert replies.categories(OTHER_WS) == []


def test_search_puts_shortcut_matches_first_then_title_then_text_ignoring_case_and_accents(replies):
    replies.save(reply("horario", title="Horario de atención", text="Atendemos de 8 a 18."))
    replies.save(reply("envio-gratis", title="Envío gratis", text="Desde 100 mil pesos."))
    replies.save(reply("costos", title="Costo del despacho", text="El envío cuesta 9 mil."))
    replies.save(reply("envio", title="Tiempos", text="Llega en 3 días hábiles."))
    replies.save(reply("despacho", title="Envío express", text="Hoy mismo."))
    replies.save(reply("hola", title="Saludo", text="Hola, ¿en qué te ayudo?"))
    replies.save(reply("envio", ws=OTHER_WS))

    # Shortcuts starting with it, then titles with the word, then texts with it (each by shortcut).
    expected = ["envio", "envio-gratis", "despacho", "costos"]
    assert [r.shortcut for r in replies.search(WS, "/ENVÍO")] == expected
    assert [r.shortcut for r in replies.search(WS, "envio")] == expected
    assert [r.shortcut for r in replies.search(WS, "atencion")] == ["horario"]
    assert [r.shortcut for r in replies.search(WS, "dias habil")] == ["envio"]  # word prefixes, every word
    assert [r.shortcut for r in replies.search(WS, "ho")] == ["hola", "horario", "despacho"]
    assert replies.search(WS, "reembolso") == []


def test_typing_a_slash_alone_lists_every_quick_reply_of_the_workspace(replies):
    replies.save(reply("hola"))
    replies.save(reply("adios", title="Despedida", text="¡Hasta pronto!"))
    replies.save(reply("otro", ws=OTHER_WS))
    assert [r.shortcut for r in replies.search(WS, "/")] == ["adios", "hola"]
    assert [r.shortcut for r in replies.search(WS, "")] == ["adios", "hola"]


@pytest.mark.parametrize("shortcut", ["Hola", "con-espacio ", "/hola", "señal", "x" * 31, "", "envío"])
def test_a_shortcut_is_only_what_can_be_typed_after_the_slash(shortcut):
    with pytest.raises(InvalidInput, match="shortcut must be 1 to 30 lower-case letters"):
        reply(shortcut)


def test_a_quick_reply_text_is_at_most_4096_characters():
    assert len(reply("largo", text="a" * 4096).text) == 4096
    with pytest.raises(InvalidInput, match="text must be at most 4096 characters"):
        reply("largo", text="a" * 4097)
    with pytest.raises(InvalidInput, match="title must be a non-empty string"):
        reply("largo", title=" ")


def test_a_stored_form_with_unknown_fields_or_ids_with_colons_is_refused():
    with pytest.raises(InvalidInput, match="unknown field"):
        QuickReply.from_dict({**reply("hola").to_dict(), "owner": "x"})
    with pytest.raises(InvalidInput, match="id must be"):
        reply("hola", id="ws-banco:qr_1")


# -- pause reasons ----------------------------------------------------------------------------


def test_labels_differing_only_in_case_accents_or_spaces_are_the_same_reason(reasons):
    reasons.save(PauseReason(workspace_id=WS, label="Capacitación"))
    with pytest.raises(AlreadyExists):
        reasons.save(PauseReason(workspace_id=WS, label="  CAPACITACION "))


def test_an_agent_pauses_with_an_active_reason_named_by_label_or_id(reasons):
    lunch = reasons.save(PauseReason(workspace_id=WS, label="Almuerzo"))
    training = reasons.save(PauseReason(workspace_id=WS, label="Capacitación", counts_as_productive=True))
    assert reasons.require_active(WS, "almuerzo") == lunch
    assert reasons.require_active(WS, "CAPACITACION") == training
    assert reasons.require_active(WS, training.id) == training
    assert reasons.get(WS, training.id).counts_as_productive is True


def test_an_inactive_or_unknown_pause_reason_is_refused_naming_the_active_ones(reasons):
    reasons.save(PauseReason(workspace_id=WS, label="Almuerzo"))
    reasons.save(PauseReason(workspace_id=WS, label="Baño"))
    reasons.save(PauseReason(workspace_id=WS, label="Fumar", active=False))
    with pytest.raises(InvalidInput, match=r"'Fumar' is not an active pause reason.*known: 'Almuerzo', 'Baño'$"):
        reasons.require_active(WS, "Fumar")
    with pytest.raises(InvalidInput, match="known: 'Almuerzo', 'Baño'"):
        reasons.require_active(WS, "siesta")
    assert [r.label for r in reasons.list(WS)] == ["Almuerzo", "Baño", "Fumar"]  # inactive ones still listed


def test_a_pause_reason_of_another_workspace_cannot_be_used(reasons):
    theirs = reasons.save(PauseReason(workspace_id=OTHER_WS, label="Almuerzo"))
    with pytest.raises(InvalidInput, match="known: none"):
        reasons.require_active(WS, "Almuerzo")
    with pytest.raises(InvalidInput):
        reasons.require_active(WS, theirs.id)


def test_pause_reason_flags_must_be_true_or_false():
    with pytest.raises(InvalidInput, match="counts_as_productive must be true or false"):
        PauseReason(workspace_id=WS, label="Almuerzo", counts_as_productive="yes")
    with pytest.raises(InvalidInput, match="label must be a non-empty string"):
        PauseReason(workspace_id=WS, label="")


# -- typifications ----------------------------------------------------------------------------


def test_a_ticket_is_resolved_with_an_active_typification_only(typifications):
    sale = typifications.save(Typification(workspace_id=WS, name="Venta"))
    typifications.save(Typification(workspace_id=WS, name="Reclamo resuelto"))
    typifications.save(Typification(workspace_id=WS, name="Spam", active=False))
    assert typifications.require(WS, "venta") == sale
    assert typifications.require(WS, sale.id) == sale
    with pytest.raises(InvalidInput, match=r"'Spam' is not an active typification.*'Reclamo resuelto', 'Venta'"):
        typifications.require(WS, "Spam")
    with pytest.raises(InvalidInput, match="known: none"):
        typifications.require(OTHER_WS, "Venta")
