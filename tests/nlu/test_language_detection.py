import pytest

from nlu_model import detect_language

SENTENCES = [
    ("Hola, quisiera saber cuándo llega mi pedido", "es"),
    ("¿Tienen envío a domicilio los fines de semana?", "es"),
    ("necesito cambiar la direccion de entrega porfa", "es"),
    ("me cobraron dos veces y quiero que me devuelvan la plata", "es"),
    ("Hello, I would like to know when my order arrives", "en"),
    ("my card was charged twice, can you help me?", "en"),
    ("what time do you open on saturday", "en"),
    ("the app is not working since yesterday", "en"),
    ("Olá, gostaria de saber quando chega o meu pedido", "pt"),
    ("vocês fazem entrega em domicílio no fim de semana?", "pt"),
    ("não consigo acessar minha conta, esqueci a senha", "pt"),
    ("fui cobrado duas vezes, quero o reembolso", "pt"),
]


@pytest.mark.parametrize(("text", "language"), SENTENCES)
def test_sentences_are_recognised_whatever_the_default_language(text, language):
    for candidates in (("es", "en", "pt"), ("en", "pt", "es"), ("pt", "es", "en")):
        assert detect_language(text, candidates) == language


def test_a_message_without_evidence_keeps_the_first_candidate():
    assert detect_language("ok", ("pt", "es", "en")) == "pt"
    assert detect_language("👍", ("es", "en", "pt")) == "es"
    assert detect_language("12345", ("en", "es")) == "en"


def test_only_the_candidates_are_considered():
    assert detect_language("obrigado pela ajuda", ("es", "en")) in ("es", "en")
    assert detect_language("thanks a lot for your help", ("es", "pt")) in ("es", "pt")


def test_an_unknown_candidate_is_refused():
    with pytest.raises(ValueError, match="fr"):
        detect_language("bonjour", ("fr", "es"))
