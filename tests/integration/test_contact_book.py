"""The contact book on the SQLite store and on the Firestore emulator: create, edit, delete, search,
merge, opt-in, blacklist, the contact a customer's first message creates, CSV import, and the
wall between workspaces."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from shared.contacts import (
    CONTACT_KEYS,
    CONTACTS,
    Contact,
    ContactBook,
    DuplicateContact,
    InvalidContactField,
    export_csv,
    import_csv,
    normalize_phone,
)
from shared.contacts.model import query_terms
from shared.kernel.errors import AlreadyExists, InvalidInput, NotFound
from shared.ports.clock import ManualClock
from shared.ports.document_store import Filter

WS, OTHER_WS = "ws-tienda", "ws-otra"
START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ANA_PHONE = "+573001234567"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def book(platform, clock) -> ContactBook:
    # The platform's store (SQLite or the emulator) with a clock the tests move.
    return ContactBook(platform.store, clock)


def stored(book: ContactBook, collection: str, workspace_id: str = WS) -> list[dict]:
    return [d.data for d in book._store.query(collection, [Filter("workspace_id", "==", workspace_id)])]


# -- the rules of a contact's fields (no store) ----------------------------------


@pytest.mark.parametrize("typed", ["+57 300 123 4567", "+57 (300) 123-4567", "0057 300.123.4567", "tel:+573001234567"])
def test_phones_are_stored_in_international_form(typed):
    assert normalize_phone(typed) == ANA_PHONE


@pytest.mark.parametrize("junk", ["300 123 4567", "+57 300 ABC 4567", "+0573001234567", "+12345", "+" + "1" * 16, ""])
def test_a_phone_without_country_code_or_with_junk_is_refused_naming_the_field(junk):
    with pytest.raises(InvalidContactField) as refused:
        Contact(id="ct_1", workspace_id=WS, name="Ana", phone=junk or " ")
    assert refused.value.field == "phone"


@pytest.mark.parametrize(("field", "value", "named"), [
    ("email", "ana@", "email"),
    ("email", "ana @example.com", "email"),
    ("addresses", {"whatsapp": "hola"}, "addresses.whatsapp"),
    ("addresses", {"Telegram!": "1"}, "addresses.Telegram!"),
    ("tags", "vip", "tags"),
    ("variables", {"plan": 3}, "variables.plan"),
    ("opt_in", {"whatsapp": {"granted": "yes", "at": "2026-01-01T00:00:00+00:00", "source": "form"}},
     "opt_in.whatsapp.granted"),
    ("name", "Ana\nDROP", "name"),
    ("blacklisted", "no", "blacklisted"),
])
def test_malformed_fields_are_refused_naming_the_field(field, value, named):
    with pytest.raises(InvalidContactField) as refused:
        Contact(id="ct_1", workspace_id=WS, **{"name": "Ana", field: value})
    assert refused.value.field == named


def test_a_contact_needs_something_to_know_it_by():
    with pytest.raises(InvalidContactField, match="at least a name"):
        Contact(id="ct_1", workspace_id=WS)


def test_addresses_keep_the_form_their_channel_writes_them_in():
    contact = Contact(id="ct_1", workspace_id=WS, addresses={
        "whatsapp": "+57 300 123 4567", "twilio_whatsapp": "whatsapp:+573001234567", "email": "Ana@Example.COM"})
    # WhatsApp Cloud names customers by wa_id (no "+"), Twilio by +E164: the conversations' contact field.
    assert contact.addresses == {"email": "Ana@example.com", "twilio_whatsapp": ANA_PHONE,
                                 "whatsapp": "573001234567"}
    assert contact.index_keys() == {f"phone:{ANA_PHONE}": "addresses.twilio_whatsapp",
                                    "email:Ana@example.com": "addresses.email"}


def test_search_terms_hold_name_prefixes_without_accents_and_runs_of_digits():
    contact = Contact(id="ct_1", workspace_id=WS, name="María Muñoz", phone=ANA_PHONE)
    terms = set(contact.search_terms)
    assert {"ma", "mar", "mari", "maria", "mu", "mun", "muno", "munoz"} <= terms
    assert {"573001234567", "3001234567", "4567", "5730", "3001"} <= terms
    assert not {"m", "457", "María"} & terms
    assert query_terms(" +57 300-123 ") == ["57300123"]
    assert query_terms("MARÍA mu") == ["maria", "mu"]


# -- create, get, edit, delete ----------------------------------------------------


def test_a_new_contact_gets_an_id_timestamps_and_normalised_fields(book):
    ana = book.create(WS, name="  María José ", phone="+57 300 123 4567", email="ana@Example.com",
                      tags=["vip", "vip", "mayorista"], variables={"plan": "oro"})
    assert ana.id.startswith("ct_") and len(ana.id) > 10
    assert (ana.name, ana.phone, ana.email, ana.tags) == ("María José", ANA_PHONE, "ana@example.com",
                                                          ("vip", "mayorista"))
    assert ana.created_at == ana.updated_at == "2026-03-02T15:00:00.000000+00:00"
    assert book.get(WS, ana.id) == ana
    assert book.create(WS, name="María José").id != ana.id  # the same name is no duplicate


def test_creating_with_a_phone_another_contact_has_is_refused_naming_the_field(book):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE)
    with pytest.raises(DuplicateContact) as refused:
        book.create(WS, name="Otra Ana", phone="+57 300 123 4567")
    assert (refused.value.field, refused.value.existing_id) == ("phone", ana.id)
    assert isinstance(refused.value, AlreadyExists)
    assert [c["id"] for c in stored(book, CONTACTS)] == [ana.id]


def test_a_whatsapp_address_is_the_same_number_as_a_phone(book):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE)
    with pytest.raises(DuplicateContact) as refused:
        book.create(WS, name="Ana por WhatsApp", addresses={"whatsapp": "573001234567"})
    assert (refused.value.field, refused.value.existing_id) == ("addresses.whatsapp", ana.id)
    beto = book.create(WS, name="Beto", addresses={"telegram": "998877"})
    with pytest.raises(DuplicateContact, match=r"addresses\.telegram: 998877 already belongs to contact"):
        book.create(WS, name="Beto 2", addresses={"telegram": "998877"})
    assert book.find_by_address(WS, "telegram", "998877") == beto


def test_editing_changes_only_the_fields_given_and_moves_the_numbers(book, clock):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE, tags=["vip"], addresses={"telegram": "111"})
    clock.advance(60)
    edited = book.update(WS, ana.id, phone="+57 311 000 0000", addresses={"telegram": "222"})
    assert (edited.name, edited.tags, edited.phone) == ("Ana", ("vip",), "+573110000000")
    assert edited.updated_at > edited.created_at == ana.created_at
    assert book.get(WS, ana.id) == edited
    assert book.find_by_address(WS, "whatsapp", "573110000000") == edited
    assert book.find_by_address(WS, "telegram", "222") == edited
    # The old number and address are free again.
    assert book.find_by_address(WS, "whatsapp", "573001234567") is None
    assert book.find_by_address(WS, "telegram", "111") is None
    assert book.create(WS, name="Nueva", phone=ANA_PHONE, addresses={"telegram": "111"}).phone == ANA_PHONE


def test_editing_to_a_number_another_contact_has_is_refused_and_changes_nothing(book):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE)
    beto = book.create(WS, name="Beto", phone="+573110000000")
    with pytest.raises(DuplicateContact) as refused:
        book.update(WS, beto.id, name="Beto B", phone=ANA_PHONE)
    assert refused.value.existing_id == ana.id
    assert book.get(WS, beto.id) == beto
    assert book.find_by_phone(WS, "+573110000000") == beto


def test_editing_refuses_the_fields_the_book_keeps_and_malformed_values(book):
    ana = book.create(WS, name="Ana")
    for field in ("id", "workspace_id", "created_at", "search_terms"):
        with pytest.raises(InvalidContactField) as refused:
            book.update(WS, ana.id, **{field: "x"})
        assert refused.value.field == field
    with pytest.raises(InvalidContactField, match="email"):
        book.update(WS, ana.id, email="no-es-un-correo")
    with pytest.raises(InvalidContactField) as refused:
        book.create(WS, name="Beto", blacklisted_reason="typo")
    assert refused.value.field == "blacklisted_reason"
    assert book.get(WS, ana.id) == ana


def test_deleting_removes_the_contact_and_frees_its_numbers(book):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE, addresses={"telegram": "111"})
    book.delete(WS, ana.id)
    with pytest.raises(NotFound):
        book.get(WS, ana.id)
    assert stored(book, CONTACT_KEYS) == []
    assert book.find_by_address(WS, "telegram", "111") is None
    with pytest.raises(NotFound):
        book.delete(WS, ana.id)
    book.create(WS, name="Ana otra vez", phone=ANA_PHONE)


def test_two_agents_saving_the_same_number_at_once_make_one_contact(book):
    def save(n: int) -> str:
        try:
            return book.create(WS, name=f"Ana {n}", phone=ANA_PHONE).id
        except DuplicateContact:
            return "refused"

    with ThreadPoolExecutor(3) as pool:
        outcomes = list(pool.map(save, range(3)))
    assert outcomes.count("refused") == 2
    assert [c["id"] for c in stored(book, CONTACTS)] == [o for o in outcomes if o != "refused"]


# -- search and listing -----------------------------------------------------------


@pytest.fixture
def people(book, clock) -> dict[str, Contact]:
    made = {}
    for key, fields in {
        "maria": {"name": "María José Muñoz", "phone": ANA_PHONE, "email": "mj@example.com"},
        "mario": {"name": "Mario Gómez", "phone": "+525512345678"},
        "jose": {"name": "José Martínez", "addresses": {"whatsapp": "5491155554567"}},
        "zoe": {"name": "Zoe", "addresses": {"telegram": "3001234567"}},
    }.items():
        made[key] = book.create(WS, **fields)
        clock.advance(timedelta(days=10))
    return made


def names(contacts: list[Contact]) -> list[str]:
    return [c.name for c in contacts]


def test_search_by_name_ignores_accents_and_case_and_matches_word_starts(book, people):
    assert names(book.search(WS, "maria")) == ["María José Muñoz"]
    assert names(book.search(WS, "MAR")) == ["José Martínez", "María José Muñoz", "Mario Gómez"]
    assert names(book.search(WS, "jose")) == ["José Martínez", "María José Muñoz"]
    assert names(book.search(WS, "josé mar")) == ["José Martínez", "María José Muñoz"]
    assert names(book.search(WS, "munoz maria")) == ["María José Muñoz"]
    assert names(book.search(WS, "gomez maria")) == []
    assert names(book.search(WS, "ria")) == []  # words are found by their start
    assert len(book.search(WS, "ma", limit=1)) == 1


def test_search_by_phone_finds_full_national_and_partial_numbers(book, people):
    assert names(book.search(WS, "+57 300 123 4567")) == ["María José Muñoz"]
    assert names(book.search(WS, "300 123 4567")) == ["María José Muñoz"]  # without the country code
    # Any 4 digits in a row: here the end of two numbers (one a WhatsApp address) and the middle of a third.
    assert names(book.search(WS, "4567")) == ["José Martínez", "María José Muñoz", "Mario Gómez"]
    assert names(book.search(WS, "5512-3456")) == ["Mario Gómez"]
    # A Telegram chat id is no phone number: not searchable by digits.
    assert "Zoe" not in names(book.search(WS, "3001234567"))
    assert names(book.search(WS, "MJ@example.com")) == ["María José Muñoz"]


@pytest.mark.parametrize("text", ["", "  ", "m", "123", "¿?"])
def test_a_search_needs_two_letters_or_four_digits(book, text):
    with pytest.raises(InvalidInput, match="text"):
        book.search(WS, text)


def test_listing_gives_every_contact_or_those_created_since_a_moment(book, people, clock):
    assert names(book.list(WS)) == ["María José Muñoz", "Mario Gómez", "José Martínez", "Zoe"]
    last_month = clock.now() - timedelta(days=30)
    assert names(book.list(WS, since=last_month)) == ["Mario Gómez", "José Martínez", "Zoe"]
    book.update(WS, people["maria"].id, name="María J.")  # a change is no creation
    assert "María J." not in names(book.list(WS, since=last_month))
    with pytest.raises(InvalidInput, match="since"):
        book.list(WS, since=datetime(2026, 1, 1))


# -- the contact a customer's message creates -------------------------------------


def test_a_customers_first_message_creates_the_contact_once_with_its_phone(book, clock):
    at = START - timedelta(minutes=5)
    first = book.record_seen(WS, "whatsapp", "573001234567", name="Ana", at=at)
    assert (first.name, first.phone, first.addresses) == ("Ana", ANA_PHONE, {"whatsapp": "573001234567"})
    assert first.created_at == "2026-03-02T14:55:00.000000+00:00"
    clock.advance(60)
    assert book.record_seen(WS, "whatsapp", "573001234567", name="Ana María") == first  # nothing changes
    assert book.record_seen(WS, "twilio_sms", "+573001234567").addresses == {
        "twilio_sms": ANA_PHONE, "whatsapp": "573001234567"}
    assert len(stored(book, CONTACTS)) == 1
    anon = book.record_seen(WS, "webchat", "visitor-9f2")
    assert (anon.name, anon.phone) == ("", "")
    assert book.record_seen(WS, "webchat", "visitor-9f2", name="Beto\n").name == "Beto"


def test_a_message_from_a_number_the_agents_saved_finds_that_contact(book):
    saved = book.create(WS, name="Ana (tienda)", phone=ANA_PHONE)
    seen = book.record_seen(WS, "whatsapp", "573001234567", name="Ana WhatsApp")
    assert (seen.id, seen.name, seen.addresses) == (saved.id, "Ana (tienda)", {"whatsapp": "573001234567"})
    with pytest.raises(InvalidInput, match=r"addresses\.whatsapp"):
        book.record_seen(WS, "whatsapp", "not-a-number")


def test_many_first_messages_at_once_make_one_contact(book):
    with ThreadPoolExecutor(3) as pool:
        seen = list(pool.map(lambda _: book.record_seen(WS, "telegram", "55501").id, range(3)))
    assert len(set(seen)) == 1
    assert len(stored(book, CONTACTS)) == 1


# -- merge -------------------------------------------------------------------------


def test_merging_moves_addresses_variables_tags_and_opt_ins_onto_the_kept_contact(book, clock):
    keep = book.create(WS, name="Ana", phone=ANA_PHONE, tags=["vip"], variables={"plan": "oro", "ciudad": "Cali"},
                       addresses={"telegram": "111"})
    book.set_opt_in(WS, keep.id, "whatsapp", True, "web form")
    clock.advance(60)
    other = book.create(WS, name="Ana M.", email="ana@example.com", tags=["mayorista", "vip"],
                        variables={"plan": "plata", "nit": "900"},
                        addresses={"telegram": "222", "messenger": "psid-7"})
    book.set_opt_in(WS, other.id, "whatsapp", False, "replied STOP")  # the later decision wins
    book.set_opt_in(WS, other.id, "messenger", True, "agent")
    clock.advance(60)
    result = book.merge(WS, keep.id, other.id)

    assert (result.id, result.name, result.phone, result.email) == (keep.id, "Ana", ANA_PHONE, "ana@example.com")
    assert result.addresses == {"telegram": "111", "messenger": "psid-7"}
    assert result.variables == {"plan": "oro", "ciudad": "Cali", "nit": "900"}
    assert result.tags == ("vip", "mayorista")
    assert result.opt_in["whatsapp"]["granted"] is False
    assert result.opt_in["whatsapp"]["source"] == "replied STOP"
    assert result.opt_in["messenger"]["granted"] is True
    assert result.created_at == keep.created_at
    assert book.get(WS, keep.id) == result
    with pytest.raises(NotFound):
        book.get(WS, other.id)
    # The other's address now finds the kept contact; the one it lost is free.
    assert book.find_by_address(WS, "messenger", "psid-7") == result
    assert book.find_by_address(WS, "telegram", "222") is None
    assert sorted(k["contact_id"] for k in stored(book, CONTACT_KEYS)) == [keep.id] * 3
    assert names(book.search(WS, "ana@example.com")) == ["Ana"]


def test_merging_keeps_a_blacklist_of_either_contact(book):
    keep = book.create(WS, name="Ana")
    other = book.set_blacklisted(WS, book.create(WS, name="Ana 2", addresses={"telegram": "9"}).id, True, "abuse")
    result = book.merge(WS, keep.id, other.id)
    assert (result.blacklisted, result.blacklist_reason) == (True, "abuse")
    assert book.is_blacklisted(WS, "telegram", "9")


def test_merging_a_contact_with_itself_or_a_missing_one_is_refused(book):
    ana = book.create(WS, name="Ana")
    with pytest.raises(InvalidInput, match="itself"):
        book.merge(WS, ana.id, ana.id)
    with pytest.raises(NotFound):
        book.merge(WS, ana.id, "ct_missing")
    assert book.get(WS, ana.id) == ana


# -- opt-in and blacklist ------------------------------------------------------------


def test_an_opt_in_records_when_and_from_where(book, clock):
    ana = book.create(WS, name="Ana")
    granted = book.set_opt_in(WS, ana.id, "whatsapp", True, "landing page form")
    assert granted.opt_in == {"whatsapp": {"granted": True, "at": "2026-03-02T15:00:00.000000+00:00",
                                           "source": "landing page form"}}
    clock.advance(3600)
    withdrawn = book.set_opt_in(WS, ana.id, "whatsapp", False, "customer wrote BAJA")
    assert withdrawn.opt_in["whatsapp"] == {"granted": False, "at": "2026-03-02T16:00:00.000000+00:00",
                                            "source": "customer wrote BAJA"}
    with pytest.raises(InvalidContactField, match="source"):
        book.set_opt_in(WS, ana.id, "sms", True, "")
    with pytest.raises(InvalidContactField, match="granted"):
        book.set_opt_in(WS, ana.id, "sms", "yes", "form")


def test_a_blacklisted_contact_is_found_by_any_of_its_addresses(book):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE, addresses={"telegram": "111"})
    assert not book.is_blacklisted(WS, "whatsapp", "573001234567")
    listed = book.set_blacklisted(WS, ana.id, True, "asked not to be contacted")
    assert (listed.blacklisted, listed.blacklist_reason) == (True, "asked not to be contacted")
    # Known by phone only: WhatsApp and Twilio addresses of that number are blacklisted too.
    for channel, address in [("whatsapp", "573001234567"), ("twilio_sms", ANA_PHONE),
                             ("twilio_whatsapp", ANA_PHONE), ("telegram", "111")]:
        assert book.is_blacklisted(WS, channel, address), channel
    assert not book.is_blacklisted(WS, "telegram", "222")
    assert not book.is_blacklisted(WS, "whatsapp", "not-a-number")
    cleared = book.set_blacklisted(WS, ana.id, False)
    assert (cleared.blacklisted, cleared.blacklist_reason) == (False, "")
    assert not book.is_blacklisted(WS, "telegram", "111")


# -- the wall between workspaces -------------------------------------------------------


def test_a_contact_of_one_workspace_is_never_reached_through_another(book):
    ana = book.create(WS, name="Ana", phone=ANA_PHONE, addresses={"telegram": "111"})
    book.set_blacklisted(WS, ana.id, True, "abuse")
    theirs = book.create(OTHER_WS, name="Ana", phone=ANA_PHONE, addresses={"telegram": "111"})  # no duplicate

    assert theirs.id != ana.id and not theirs.blacklisted
    assert not book.is_blacklisted(OTHER_WS, "telegram", "111")
    for attempt in (
        lambda: book.get(OTHER_WS, ana.id),
        lambda: book.update(OTHER_WS, ana.id, name="Robada"),
        lambda: book.delete(OTHER_WS, ana.id),
        lambda: book.set_blacklisted(OTHER_WS, ana.id, False),
        lambda: book.set_opt_in(OTHER_WS, ana.id, "whatsapp", True, "form"),
        lambda: book.merge(OTHER_WS, theirs.id, ana.id),
        lambda: book.merge(OTHER_WS, ana.id, theirs.id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert [c.id for c in book.search(OTHER_WS, "ana")] == [theirs.id]
    assert [c.id for c in book.search(OTHER_WS, "4567")] == [theirs.id]
    assert [c.id for c in book.list(OTHER_WS)] == [theirs.id]
    assert book.find_by_address(OTHER_WS, "telegram", "111") == book.get(OTHER_WS, theirs.id)
    assert book.get(WS, ana.id).blacklisted and book.get(WS, ana.id).name == "Ana"


# -- CSV import -----------------------------------------------------------------------


def test_an_import_with_a_wrong_line_writes_nothing_and_names_each_line_and_column(book):
    existing = book.create(WS, name="Beto", phone="+573110000000")
    report = import_csv(book, WS, (
        "name,phone,email,channels,tags,variables\r\n"
        "Ana,+573001234567,ana@example.com,telegram:111,vip,\r\n"
        "Carla,300 999,,,,\r\n"
        'Dora,,dora@,,,"{""plan"": 1}"\r\n'
        "Eva,,,telegram:111,,\r\n"
        "Fer,+573110000000,,whatsapp:573001234567,,\r\n"
    ))
    assert report.created == report.updated == ()
    assert [line for line, _ in report.errors] == [3, 4, 5, 6]
    assert report.errors[0][1].startswith("column phone: '300 999' is not an international phone number")
    assert report.errors[1][1].startswith("column email:")
    assert report.errors[2][1] == "column channels: 111 is also on line 2"
    assert report.errors[3][1].startswith("column channels: 573001234567 is also on line 2")
    assert [c.id for c in book.list(WS)] == [existing.id]
    assert len(stored(book, CONTACT_KEYS)) == 1


def test_an_import_creates_new_contacts_and_updates_the_ones_it_recognises(book):
    beto = book.create(WS, name="Beto", phone="+573110000000", tags=["old"], variables={"a": "1"})
    report = import_csv(book, WS, (
        "name,phone,email,channels,tags,variables,opt_in,blacklisted\n"
        'Ana,+57 300 123 4567,ana@example.com,telegram:111; whatsapp:573001234567,vip; norte,"{""plan"": ""oro""}",'
        "whatsapp,false\n"
        ',+573110000000,beto@example.com,,nuevo,"{""b"": ""2""}",,true\n'
    ))
    assert report.ok and len(report.created) == 1 and report.updated == (beto.id,)
    ana = book.get(WS, report.created[0])
    assert (ana.name, ana.phone, ana.tags, ana.variables) == ("Ana", ANA_PHONE, ("vip", "norte"), {"plan": "oro"})
    assert ana.opt_in["whatsapp"]["granted"] and ana.opt_in["whatsapp"]["source"] == "csv import"
    assert book.find_by_address(WS, "telegram", "111") == ana
    updated = book.get(WS, beto.id)
    # Empty cells keep what the contact had; variables are added; tags replaced.
    assert (updated.name, updated.email, updated.tags, updated.variables, updated.blacklisted) == (
        "Beto", "beto@example.com", ("nuevo",), {"a": "1", "b": "2"}, True)


def test_an_exported_file_imports_back_as_updates_not_duplicates(book, people):
    before = book.list(WS)
    report = import_csv(book, WS, export_csv(before))
    assert report.ok and report.created == ()
    assert sorted(report.updated) == sorted(c.id for c in before)
    after = book.list(WS)
    assert [(c.name, c.phone, c.addresses, c.tags) for c in after] == [
        (c.name, c.phone, c.addresses, c.tags) for c in before]


def test_an_import_of_an_unknown_id_or_another_workspaces_id_is_refused(book):
    theirs = book.create(OTHER_WS, name="Ana")
    report = import_csv(book, WS, f"id,name\n{theirs.id},Robada\nct_nadie,X\n")
    assert report.errors == ((2, f"column id: no contact '{theirs.id}' in this workspace"),
                             (3, "column id: no contact 'ct_nadie' in this workspace"))
    assert book.get(OTHER_WS, theirs.id).name == "Ana"
