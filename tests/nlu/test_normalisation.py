from nlu_model import normalise


def test_case_and_accents_are_folded_in_every_language():
    assert normalise("¿Cuándo LLEGA mi Pedido?", "es") == "cuando llega mi pedido"
    assert normalise("Não recebi a CONFIRMAÇÃO", "pt") == "nao recebi a confirmacao"
    assert normalise("Café RÉSUMÉ", "en") == "cafe resume"


def test_spanish_keeps_the_enye_because_it_changes_meaning():
    assert normalise("Feliz AÑO", "es") == "feliz año"
    assert normalise("sonho com a espanha", "pt") == "sonho com a espanha"


def test_repeated_letters_collapse_to_one():
    assert normalise("holaaa", "es") == "hola"
    assert normalise("siiiii graciaaas", "es") == "si gracias"
    assert normalise("pleeease", "en") == "please"
    assert normalise("obrigadooo", "pt") == "obrigado"


def test_doubled_letters_of_real_words_are_kept():
    assert normalise("carro llama", "es") == "carro llama"
    assert normalise("good coffee", "en") == "good coffee"


def test_emojis_that_carry_intent_become_words_and_others_disappear():
    assert normalise("gracias 🙏", "es") == "gracias por favor gracias"
    assert normalise("no llegó 😡", "es") == "no llego enojado"
    assert normalise("ok 👍", "en") == "ok ok"
    assert normalise("pedido 🚚📦", "pt") == "pedido"
    assert normalise("genial :)", "es") == "genial feliz"


def test_spanish_chat_abbreviations_are_expanded():
    assert normalise("q hago xq no llega", "es") == "que hago porque no llega"
    assert normalise("tb quiero pq si", "es") == "tambien quiero porque si"
    assert normalise("ayuda pls", "es") == "ayuda por favor"


def test_english_chat_abbreviations_and_contractions_are_expanded():
    assert normalise("can u help me pls", "en") == "can you help me please"
    assert normalise("I can't log in, thx", "en") == "i can not log in thanks"
    assert normalise("idk why it doesn't work", "en") == "i do not know why it does not work"


def test_portuguese_chat_abbreviations_are_expanded():
    assert normalise("vc pode me ajudar", "pt") == "voce pode me ajudar"
    assert normalise("pq n chegou tb", "pt") == "porque nao chegou tambem"
    assert normalise("q horas vcs abrem hj", "pt") == "que horas voces abrem hoje"


def test_abbreviations_depend_on_the_language():
    assert normalise("u", "en") == "you"
    assert normalise("u", "es") == "u"


def test_laughter_is_one_token_per_language():
    assert normalise("jajajaja ok", "es") == normalise("jaja ok", "es") == "jaja ok"
    assert normalise("kkkkkk", "pt") == "kk"
    assert normalise("hahahaha", "en") == "haha"


def test_numbers_become_one_token():
    assert normalise("pedido 12345 de $1.500,50", "es") == "pedido 0 de 0"
    assert normalise("wake me at 7:30", "en") == "wake me at 0"
    assert normalise("2 pizzas", "pt") == "0 pizzas"


def test_punctuation_goes_and_spaces_are_single():
    assert normalise("  hola!!!   ¿todo bien?? ", "es") == "hola todo bien"
    assert normalise("", "es") == ""


def test_an_unsupported_language_is_refused():
    import pytest

    with pytest.raises(ValueError, match="fr"):
        normalise("bonjour", "fr")
