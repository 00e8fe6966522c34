"""Limits of the bot format: the one home of each number (code, validation and tests import them)."""

MIN_TRIGGERS_PER_INTENT = 2
MAX_TRIGGERS_PER_INTENT = 70
MIN_WORDS_PER_TRIGGER = 2
MIN_BUTTON_OPTIONS = 1
MAX_BUTTON_OPTIONS = 10
MAX_BUTTON_TITLE_CHARS = 20
MAX_MENU_DEPTH = 3
LANGUAGES = ("es", "en", "pt")
BOT_ID_PATTERN = r"^[a-z0-9_-]+$"
