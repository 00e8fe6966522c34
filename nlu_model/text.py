"""Text normalisation for chat messages in Spanish, English and Portuguese.

Customers type fast: no accents, repeated letters, emojis and chat abbreviations. The classifier
sees every message (and every training example) through `normalise`, so the same intent written
"¿Porqué no llegó mi pedido? 😡" or "xq no llego mi pedidooo" gives nearly the same features.
Pure Python, no imports beyond the standard library: it runs on the predict path.
"""

from __future__ import annotations

import re
import unicodedata

LANGUAGES = ("es", "en", "pt")
NUMBER_TOKEN = "0"

# Emojis and emoticons that carry intent (thanks, agreement, anger) become words; every other
# pictograph is dropped, so a trailing emoji never changes the prediction.
_EMOJI_WORDS: dict[str, dict[str, str]] = {
    "es": {"👍": "ok", "👌": "ok", "✅": "si", "🙏": "por favor gracias", "❤": "gracias", "😍": "me encanta",
           "😊": "feliz", "🙂": "feliz", "😀": "feliz", "😃": "feliz", "😄": "feliz", "😁": "feliz",
           "😢": "triste", "😭": "triste", "😞": "triste", "☹": "triste", "😡": "enojado", "😠": "enojado",
           "🤬": "enojado", "👎": "mal", "❌": "no", "👋": "hola", "😂": "jaja", "🤣": "jaja",
           ":)": "feliz", ":-)": "feliz", ":(": "triste", ":-(": "triste", ":d": "jaja"},
    "en": {"👍": "ok", "👌": "ok", "✅": "yes", "🙏": "please thanks", "❤": "thanks", "😍": "love it",
           "😊": "happy", "🙂": "happy", "😀": "happy", "😃": "happy", "😄": "happy", "😁": "happy",
           "😢": "sad", "😭": "sad", "😞": "sad", "☹": "sad", "😡": "angry", "😠": "angry",
           "🤬": "angry", "👎": "bad", "❌": "no", "👋": "hello", "😂": "haha", "🤣": "haha",
           ":)": "happy", ":-)": "happy", ":(": "sad", ":-(": "sad", ":d": "haha"},
    "pt": {"👍": "ok", "👌": "ok", "✅": "sim", "🙏": "por favor obrigado", "❤": "obrigado", "😍": "amei",
           "😊": "feliz", "🙂": "feliz", "😀": "feliz", "😃": "feliz", "😄": "feliz", "😁": "feliz",
           "😢": "triste", "😭": "triste", "😞": "triste", "☹": "triste", "😡": "bravo", "😠": "bravo",
           "🤬": "bravo", "👎": "ruim", "❌": "nao", "👋": "oi", "😂": "kk", "🤣": "kk",
           ":)": "feliz", ":-)": "feliz", ":(": "triste", ":-(": "triste", ":d": "kk"},
}

# Whole-word chat abbreviations, applied after accents are removed (so the targets have none).
_ABBREVIATIONS: dict[str, dict[str, str]] = {
    "es": {"q": "que", "k": "que", "xq": "porque", "pq": "porque", "porq": "porque", "xk": "porque",
           "tb": "tambien", "tmb": "tambien", "tbn": "tambien", "x": "por", "xa": "para", "pa": "para",
           "d": "de", "xfa": "por favor", "xfavor": "por favor", "porfa": "por favor", "pls": "por favor",
           "plis": "por favor", "pf": "por favor", "msj": "mensaje", "bn": "bien", "dnd": "donde",
           "cdo": "cuando", "qtal": "que tal", "ntp": "no te preocupes", "tqm": "te quiero mucho",
           "grax": "gracias", "grs": "gracias", "hla": "hola", "ola": "hola", "info": "informacion",
           "ud": "usted", "uds": "ustedes", "tel": "telefono", "n": "no", "ok": "ok", "oka": "ok",
           "okey": "ok", "vale": "ok"},
    "en": {"u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "plx": "please",
           "thx": "thanks", "thnx": "thanks", "tks": "thanks", "ty": "thank you", "b4": "before",
           "cuz": "because", "coz": "because", "bc": "because", "idk": "i do not know", "im": "i am",
           "dont": "do not", "doesnt": "does not", "didnt": "did not", "cant": "can not", "wont": "will not",
           "isnt": "is not", "whats": "what is", "hows": "how is", "wanna": "want to", "gonna": "going to",
           "gotta": "got to", "msg": "message", "info": "information", "acct": "account", "pw": "password",
           "asap": "as soon as possible", "btw": "by the way", "k": "ok", "kk": "ok", "okay": "ok",
           "hi": "hello", "hey": "hello", "yeah": "yes", "yep": "yes", "nope": "no", "2day": "today",
           "tmrw": "tomorrow", "tmr": "tomorrow"},
    "pt": {"vc": "voce", "vcs": "voces", "q": "que", "pq": "porque", "pqp": "porque", "tb": "tambem",
           "tbm": "tambem", "tbem": "tambem", "n": "nao", "naum": "nao", "blz": "beleza", "vlw": "valeu",
           "obg": "obrigado", "obgd": "obrigado", "obgda": "obrigada", "msg": "mensagem", "td": "tudo",
           "tds": "todos", "cmg": "comigo", "hj": "hoje", "qdo": "quando", "qnd": "quando", "mt": "muito",
           "mto": "muito", "mts": "muitos", "pra": "para", "pro": "para o", "pfv": "por favor",
           "pf": "por favor", "pls": "por favor", "plz": "por favor", "kd": "cade", "cd": "cade",
           "sla": "sei la", "tmj": "tamo junto", "dnd": "de nada", "ngm": "ninguem", "agr": "agora",
           "oq": "o que", "info": "informacao", "ola": "oi", "ok": "ok", "okay": "ok"},
}

# Laughter written many ways: one token per language so "jajajaja" and "jaja" are the same word.
_LAUGHTER = {
    "es": (re.compile(r"\b(?:j[aeij]){2,}j?\b|\b(?:ha){2,}h?\b"), "jaja"),
    "en": (re.compile(r"\b(?:ha){2,}h?\b|\b(?:he){2,}h?\b|\blo+l\b"), "haha"),
    "pt": (re.compile(r"\bk{3,}\b|\b(?:ha){2,}h?\b|\b(?:rs){2,}\b"), "kk"),
}

_EMOTICON = re.compile(r"(?<!\w)(:-?\)|:-?\(|:d)(?!\w)")
_CONTRACTIONS = (("can't", "can not"), ("won't", "will not"), ("n't", " not"), ("'re", " are"), ("'m", " am"),
                 ("'ll", " will"), ("'ve", " have"),
                 ("'d", " would"))
# A number with its decimal or thousands separators, ordinal endings and units kept apart.
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# Three or more of the same letter are one: "holaaa" -> "hola", "siiii" -> "si", "pleeease" -> "please".
_REPEATS = re.compile(r"([a-zñ])\1{2,}")
_NON_WORD = re.compile(r"[^a-z0-9ñ ]+")


def _strip_accents(text: str, keep_enye: bool) -> str:
    if keep_enye:
        text = text.replace("ñ", "\x00")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("\x00", "ñ") if keep_enye else stripped


def _is_pictograph(char: str) -> bool:
    # Symbols "So" cover emojis, dingbats and pictographs; variation selectors and zero-width joiners
    # glue emoji sequences together and are dropped with them.
    return unicodedata.category(char) in ("So", "Sk", "Cs") or char in "\u200d\ufe0f\ufe0e"


def normalise(text: str, lang: str) -> str:
    """Lower case, no accents (ñ kept in Spanish), no repeated letters, emojis as words, abbreviations
    expanded, numbers as one token, punctuation removed. `lang` is one of es, en, pt."""
    if lang not in _ABBREVIATIONS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    text = unicodedata.normalize("NFKC", text).lower()
    emoji_words = _EMOJI_WORDS[lang]
    text = _EMOTICON.sub(lambda m: f" {emoji_words[m.group(1).replace('-', '')]} ", text)
    pieces: list[str] = []
    for char in text:
        word = emoji_words.get(char)
        if word is not None:
            pieces.append(f" {word} ")
        elif _is_pictograph(char):
            pieces.append(" ")
        else:
            pieces.append(char)
    text = "".join(pieces).replace("’", "'").replace("`", "'")
    if lang == "en":
        for contraction, expansion in _CONTRACTIONS:
            text = text.replace(contraction, expansion)
    text = _strip_accents(text, keep_enye=lang == "es")
    text = _NUMBER.sub(f" {NUMBER_TOKEN} ", text)
    text = _NON_WORD.sub(" ", text)
    pattern, laugh = _LAUGHTER[lang]
    text = _REPEATS.sub(r"\1", pattern.sub(laugh, text))
    abbreviations = _ABBREVIATIONS[lang]
    return " ".join(abbreviations.get(word, word) for word in text.split())
