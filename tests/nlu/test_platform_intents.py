"""The platform intents every bot has (issue 17, point 1): the labelled set the project ships, and bot
models trained with it next to the bot's own intents."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from nlu_model import load_model, train_bot_model
from nlu_model.platform_intents import (
    DATA_DIR,
    HUMAN,
    LANGUAGES,
    PLATFORM_INTENTS,
    digest_of_data,
    platform_examples,
    platform_phrasings,
    set_version,
)
from nlu_model.platform_intents.build import rows as built_rows

REPO = Path(__file__).resolve().parents[2]
MIN_TRAIN_PER_INTENT = 150


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_at_least_150_training_phrasings_and_a_held_back_fifth(language):
    train = Counter(intent for _, intent in platform_phrasings(language, "train"))
    test = Counter(intent for _, intent in platform_phrasings(language, "test"))
    for intent in PLATFORM_INTENTS:
        assert train[intent] >= MIN_TRAIN_PER_INTENT, (language, intent, train[intent])
        share = test[intent] / (train[intent] + test[intent])
        assert 0.12 <= share <= 0.3, (language, intent, share)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_phrasing_is_written_twice_nor_in_both_splits(language):
    both = platform_phrasings(language, "train") + platform_phrasings(language, "test")
    texts = [text.casefold() for text, _ in both]
    assert [text for text, n in Counter(texts).items() if n > 1] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_phrasing_and_its_variants_are_held_back_together(language):
    """The test split measures phrasings the model never saw, not the same words with a typo."""
    splits = defaultdict(set)
    for split in ("train", "test"):
        for row in platform_examples(language, split):
            splits[row.group].add(split)
            assert row.group.startswith(row.intent.removeprefix("platform."))
    assert all(len(seen) == 1 for seen in splits.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shipped_files_are_what_the_builder_writes_from_the_hand_written_phrasings(language):
    shipped = [json.loads(line) for line in (DATA_DIR / f"{language}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert shipped == built_rows(language), "run: python -m nlu_model.platform_intents.build"


def test_the_set_version_is_the_digest_of_the_shipped_files():
    """Stored bot models are keyed by it: a changed set must say so, or old models would be kept."""
    assert set_version() == digest_of_data(), "run: python -m nlu_model.platform_intents.build"


# What the issue asks the set to cover, word for word (found in some phrasing, accents and case ignored).
COVERED = {
    ("es", HUMAN): ["persona", "humano", "asesor", "agente", "alguien", "operador", "ejecutivo", "representante",
                    "atención al cliente", "kiero", "ablar", "humanno", "por favor", "porfa"],
    ("en", HUMAN): ["person", "human", "agent", "representative", "someone", "real person", "customer service",
                    "please"],
    ("pt", HUMAN): ["pessoa", "humano", "atendente", "agente", "alguém", "falar com alguém", "por gentileza"],
    ("es", "platform.opt_out"): ["stop", "baja", "darme de baja", "no me manden más mensajes"],
    ("en", "platform.opt_out"): ["stop", "unsubscribe"],
    ("pt", "platform.opt_out"): ["parar", "sair", "descadastrar"],
}


@pytest.mark.parametrize(("language", "intent"), sorted(COVERED))
def test_the_training_part_covers_the_words_customers_use(language, intent):
    texts = " | ".join(text.casefold() for text, label in platform_phrasings(language, "train") if label == intent)
    missing = [word for word in COVERED[language, intent] if word.casefold() not in texts]
    assert missing == []


def test_importing_the_names_loads_neither_numpy_nor_scikit_learn():
    probe = ("import sys, nlu_model.platform_intents as p; p.platform_phrasings('es'); "
             "print(sorted(m for m in ('numpy', 'sklearn', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_split_or_language_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="train, test"):
        platform_phrasings("es", "validation")
    with pytest.raises(ValueError, match="es, en, pt"):
        platform_phrasings("fr")


# -- held-back accuracy -----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_held_back_phrasings_are_understood_at_least_nine_times_in_ten(language):
    from nlu_model.platform_intents.measure import held_back_metrics

    metrics = held_back_metrics(language)
    assert metrics["examples"] >= 7 * 30
    assert metrics["in_scope_top1"] >= 0.90, metrics


# -- bot models trained with the platform intents ---------------------------------------------------

BOTS = {
    "es": {"hablar_con_ventas": ["quiero hablar con ventas", "hablar con el area de ventas", "comunicarme con ventas",
                                 "pasame con ventas", "necesito hablar con alguien de ventas"],
           "envios": ["hacen envios al interior", "cuanto cuesta el envio", "cuando llega mi pedido",
                      "envian a domicilio", "costo de envio"],
           "horario": ["a que hora abren", "horario de atencion", "abren los sabados", "hasta que hora atienden",
                       "que horario tienen"]},
    "en": {"talk_to_sales": ["I want to talk to sales", "connect me with the sales team", "talk to sales department",
                             "speak to someone in sales", "sales team please"],
           "shipping": ["do you ship abroad", "how much is shipping", "when will my order arrive", "delivery cost",
                        "do you deliver to my address"],
           "opening_hours": ["what time do you open", "opening hours", "are you open on saturday",
                             "until what time are you open", "what are your hours"]},
    "pt": {"falar_com_vendas": ["quero falar com vendas", "falar com o setor de vendas", "me passa para vendas",
                                "falar com alguém de vendas", "equipe de vendas"],
           "entrega": ["vocês entregam no interior", "quanto custa o frete", "quando chega meu pedido",
                       "entregam em casa", "valor da entrega"],
           "horario": ["que horas vocês abrem", "horário de atendimento", "abrem no sábado",
                       "até que horas atendem", "qual o horário"]},
}


@pytest.fixture(scope="module")
def bot_models(tmp_path_factory: pytest.TempPathFactory) -> dict:
    models = {}
    for language, intents in BOTS.items():
        examples = [(text, intent) for intent, texts in intents.items() for text in texts]
        folder = tmp_path_factory.mktemp(f"bot-{language}") / "model"
        models[language] = load_model(train_bot_model(examples, language, folder, platform_intents=PLATFORM_INTENTS))
    return models


@pytest.mark.parametrize(("language", "text"), [
    ("es", "necesito hablar con un asesor"), ("es", "kiero ablar con una persona porfa"),
    ("es", "hola, necesito hablar con un asesor por mi pedido"),
    ("en", "I want to talk to a real person"), ("en", "can I speak to a human please"),
    ("pt", "quero falar com um atendente"), ("pt", "oi, preciso falar com alguém por gentileza"),
])
def test_a_bot_model_understands_asking_for_a_person_without_the_bot_writing_it(bot_models, language, text):
    assert bot_models[language].predict(text, language=language).intent == HUMAN


@pytest.mark.parametrize(("language", "text", "intent"), [
    ("es", "hola", "platform.greeting"), ("es", "muchas gracias", "platform.thanks"),
    ("es", "chau", "platform.goodbye"), ("es", "si", "platform.yes"), ("es", "no", "platform.no"),
    ("es", "no me manden más mensajes", "platform.opt_out"),
    ("en", "thanks a lot", "platform.thanks"), ("en", "unsubscribe", "platform.opt_out"), ("en", "nope", "platform.no"),
    ("pt", "obrigado", "platform.thanks"), ("pt", "descadastrar", "platform.opt_out"), ("pt", "sim", "platform.yes"),
])
def test_a_bot_model_names_the_other_platform_intents(bot_models, language, text, intent):
    assert bot_models[language].predict(text, language=language).intent == intent


@pytest.mark.parametrize(("language", "text", "intent"), [
    ("es", "quiero hablar con ventas", "hablar_con_ventas"), ("es", "cuanto sale el envio a cordoba", "envios"),
    ("en", "I want to talk to sales", "talk_to_sales"), ("en", "what time do you open tomorrow", "opening_hours"),
    ("pt", "quero falar com vendas", "falar_com_vendas"), ("pt", "quanto custa a entrega", "entrega"),
])
def test_the_bots_own_intent_wins_where_its_triggers_match_better(bot_models, language, text, intent):
    assert bot_models[language].predict(text, language=language).intent == intent


def test_a_message_about_nothing_the_bot_knows_is_still_out_of_scope(bot_models):
    for text in ("cual es la capital de francia", "recomendame una pelicula de terror"):
        assert bot_models["es"].predict(text, language="es").intent is None, text


def test_a_bot_trains_only_the_platform_intents_it_keeps_and_its_own_version_of_one(tmp_path):
    examples = [(t, i) for i, texts in BOTS["es"].items() for t in texts]
    examples += [("hola", "platform.greeting"), ("buenas", "platform.greeting")]  # the bot's own greeting
    folder = train_bot_model(examples, "es", tmp_path / "m", platform_intents=(HUMAN, "platform.greeting"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["labels"]) == {*BOTS["es"], HUMAN, "platform.greeting"}
    assert manifest["examples_per_label"]["platform.greeting"] == 2  # its own, not the shipped phrasings
    assert manifest["metrics"]["platform_intents"] == [HUMAN]


def test_an_unknown_platform_intent_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"platform\.human"):
        train_bot_model([("hola", "saludo"), ("chau", "despedida")], "es", tmp_path / "m",
                        platform_intents=("platform.weather",))
