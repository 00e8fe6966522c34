"""Which of Spanish, English or Portuguese a message is written in: small, fast, no downloaded model.

A naive Bayes over character 1-4-grams whose profiles are built, on first use, from the hand-written
customer-service text below, plus a vote of hand-listed function words ("que", "the", "você").
Short or ambiguous messages ("ok", "hola" in a Portuguese chat) go to the first candidate, which
the engine sets to the bot's language. Pure Python: it runs on the predict path.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that are frequent in one language and rare in the others; accents are optional in chat,
# so both spellings are listed where they differ.
_FUNCTION_WORDS = {
    "es": _words(
        "de a y o u e el la los las un una unos del al que en por para con sin mi mis tu su sus es son esta estan "
        "estoy quiero puedo tengo hay como donde cuando cual porque pero muy mas ya hola gracias si no yo me te se "
        "le lo nos usted ustedes necesito ayuda pedido envio cuanto cuesta hacer tiene buenas dias tardes noches "
        "bueno también tambien está están qué cómo dónde cuándo cuál más sí mañana hoy ahora favor llega llego "
        "llegó nunca todavia todavía aun aún ese esa este hasta desde cada crear programar poner alarma "
        "recordatorio recuerdame recuérdame avisame avísame"),
    "en": _words(
        "the a an of to in on for with without my your his her their is are was were am be been have has had do "
        "does did i you we they it this that what how where when which why who can could would should will want "
        "need help please thanks thank hello hi yes no not and or but from at by about me us them order account "
        "card money there here get got any some just still yet"),
    "pt": _words(
        "de e ou o a os as um uma uns umas do da dos das no na nos nas ao pelo pela que em por para com sem meu "
        "minha seu sua é são está estão estou quero posso tenho tem como onde quando qual porque mas muito mais já "
        "oi olá obrigado obrigada sim não nao eu me te se lhe voce você vocês vcs preciso ajuda pedido entrega "
        "quanto custa fazer bom dia tarde noite também tambem ainda hoje agora amanhã isso isto esse essa aqui ali "
        "então entao nunca até desde ele ela"),
}

# Hand-written sample text per language (customer service, chat register); the character profiles
# come from it, so there is no data file to ship or to trust.
_SAMPLES = {
    "es": """hola buenas tardes, quisiera saber el estado de mi pedido. todavía no me llegó el paquete y ya
    pasaron cinco días. ¿cuánto cuesta el envío a domicilio? necesito cambiar la dirección de entrega.
    ¿a qué hora abren mañana? quiero hablar con una persona, por favor. me cobraron dos veces la misma
    compra. ¿tienen stock de zapatillas en talle cuarenta? ¿cómo hago para devolver un producto que
    llegó roto? gracias por la ayuda, muy amable. no puedo ingresar a mi cuenta, olvidé la contraseña.
    ¿aceptan tarjeta de crédito o transferencia? quiero cancelar mi suscripción. ¿dónde queda la sucursal
    más cercana? el pago fue rechazado y no entiendo por qué. buen día, ¿me pasás el número de seguimiento?
    necesito una factura a nombre de la empresa. ¿hacen descuentos por cantidad? la aplicación no funciona
    desde ayer. mi tarjeta fue bloqueada, ¿qué tengo que hacer? quisiera reservar una mesa para el sábado.
    señorita, ¿cuándo vuelve a haber ofertas? está bien, muchas gracias, hasta luego. perdón, no entendí
    la respuesta. ¿pueden llamarme al celular? estoy esperando la devolución del dinero desde hace una
    semana. despiértame a las siete y recuérdame comprar pan. ¿va a llover esta noche en la ciudad?""",
    "en": """hello, good afternoon, i would like to know the status of my order. the package has not arrived
    yet and it has been five days. how much does home delivery cost? i need to change the shipping address.
    what time do you open tomorrow? i want to talk to a person, please. i was charged twice for the same
    purchase. do you have these shoes in size nine? how do i return a product that arrived broken? thanks
    for the help, very kind. i cannot log into my account, i forgot my password. do you accept credit cards
    or bank transfers? i want to cancel my subscription. where is the nearest branch? the payment was
    declined and i do not understand why. good morning, could you send me the tracking number? i need an
    invoice in the name of the company. do you offer discounts for bulk orders? the app has not been
    working since yesterday. my card was blocked, what should i do? i would like to book a table for
    saturday. when will there be new deals? that's fine, thank you very much, see you later. sorry, i
    didn't understand the answer. can you call me on my phone? i have been waiting for my refund for a
    week. wake me up at seven and remind me to buy bread. is it going to rain tonight in the city?""",
    "pt": """olá, boa tarde, gostaria de saber a situação do meu pedido. o pacote ainda não chegou e já se
    passaram cinco dias. quanto custa a entrega em casa? preciso mudar o endereço de entrega. que horas
    vocês abrem amanhã? quero falar com uma pessoa, por favor. fui cobrado duas vezes pela mesma compra.
    vocês têm esse tênis no tamanho quarenta? como faço para devolver um produto que chegou quebrado?
    obrigado pela ajuda, muito gentil. não consigo entrar na minha conta, esqueci a senha. vocês aceitam
    cartão de crédito ou transferência? quero cancelar minha assinatura. onde fica a loja mais próxima?
    o pagamento foi recusado e não entendo por quê. bom dia, você pode me passar o código de rastreio?
    preciso de uma nota fiscal no nome da empresa. vocês fazem desconto por quantidade? o aplicativo não
    funciona desde ontem. meu cartão foi bloqueado, o que eu faço? gostaria de reservar uma mesa para
    sábado. quando vai ter promoção de novo? tudo bem, muito obrigada, até logo. desculpa, não entendi a
    resposta. vocês podem me ligar no celular? estou esperando a devolução do dinheiro há uma semana.
    me acorde às sete e me lembre de comprar pão. vai chover hoje à noite na cidade? então, tá certo.""",
}

_MIN_N, _MAX_N = 1, 4
_FUNCTION_WORD_WEIGHT = 2.0
# Letters and marks that settle the question almost alone.
_DECISIVE = {"es": ("ñ", "¿", "¡"), "pt": ("ã", "õ", "ç", "ê", "ô")}
_DECISIVE_WEIGHT = 4.0
# Chat words used alike in the three languages: a message made only of these is no evidence.
_NEUTRAL = _words("ok okay okey oka okk no ah oh eh mm hmm bye chau tchau link email mail app wifi pix xd gps pdf "
                  "online")
_WORD = re.compile(r"[^\W\d_]+")


def _clean(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFC", text).lower()))


def _grams(text: str) -> list[str]:
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(_MIN_N, _MAX_N + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _strip(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _profiles() -> tuple[dict[str, dict[str, float]], dict[str, float], dict[str, frozenset[str]]]:
    log_probs: dict[str, dict[str, float]] = {}
    unseen: dict[str, float] = {}
    for lang, sample in _SAMPLES.items():
        counts = Counter(_grams(_clean(sample + " " + " ".join(_FUNCTION_WORDS[lang]))))
        total = sum(counts.values()) + len(counts) + 1
        log_probs[lang] = {gram: math.log((count + 1) / total) for gram, count in counts.items()}
        unseen[lang] = math.log(1 / total)
    spelled = {lang: {w for word in ws for w in (word, _strip(word))} for lang, ws in _FUNCTION_WORDS.items()}
    # A word listed for two languages ("que", "por", "no") is no evidence for either.
    shared = {w for lang in spelled for w in spelled[lang] if sum(w in other for other in spelled.values()) > 1}
    words = {lang: frozenset(ws - shared) for lang, ws in spelled.items()}
    return log_probs, unseen, words


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Function words of the three languages, accents off, as `normalise` writes them."""
    return frozenset(_strip(word) for words in _FUNCTION_WORDS.values() for word in words)


def language_scores(text: str, candidates: tuple[str, ...] = ("es", "en", "pt")) -> dict[str, float]:
    """Log-likelihood per candidate language (higher is likelier); equal scores mean no evidence."""
    log_probs, unseen, function_words = _profiles()
    lowered = unicodedata.normalize("NFC", text).lower()
    cleaned = _clean(lowered)
    grams = _grams(cleaned)
    words = cleaned.split()
    scores: dict[str, float] = {}
    for lang in candidates:
        if lang not in log_probs:
            raise ValueError(f"unsupported language {lang!r}; expected some of es, en, pt")
        profile, floor = log_probs[lang], unseen[lang]
        score = sum(profile.get(gram, floor) for gram in grams) / max(len(words), 1)
        score += _FUNCTION_WORD_WEIGHT * sum(word in function_words[lang] for word in words)
        score += _DECISIVE_WEIGHT * sum(lowered.count(mark) for mark in _DECISIVE.get(lang, ()))
        scores[lang] = score
    return scores


def detect_language(text: str, candidates: tuple[str, ...] = ("es", "en", "pt")) -> str:
    """The likeliest of `candidates`; the first candidate when the text gives no clear evidence."""
    if not candidates:
        raise ValueError("detect_language needs at least one candidate language")
    first = candidates[0]
    words = _clean(text).split()
    if all(word in _NEUTRAL for word in words):
        return first
    scores = language_scores(text, candidates)
    best = max(candidates, key=lambda lang: (scores[lang], lang == first))
    # A margin below this is noise on a one- or two-word message: keep the default language.
    if scores[best] - scores[first] < 1.0:
        return first
    return best
