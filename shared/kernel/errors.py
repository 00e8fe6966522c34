"""The exception tree of the platform library.

Everything the library raises on purpose derives from ``CharlaError`` so entry
points can tell our failures from bugs. ``TransientError`` means "try again"
(the entry point raises so Pub/Sub redelivers); ``PermanentError`` means the
input can never succeed (acknowledge it and record why).
"""


class CharlaError(Exception):
    """Base of every error the platform raises on purpose."""


class ConfigurationError(CharlaError):
    """Settings are missing or contradictory; raised at start-up."""


class TransientError(CharlaError):
    """A dependency failed in a way that a retry may fix."""


class PermanentError(CharlaError):
    """The input can never be processed; retrying would not help."""


class InvalidInput(PermanentError):
    """A request or message is malformed; the message names the problem."""


class InvalidField(InvalidInput):
    """One named field of a request is missing or wrong; ``field`` names it (dotted for nested ones)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(CharlaError):
    """A named thing (document, secret, blob, account) does not exist."""


class AlreadyExists(CharlaError):
    """A create-only write found the target already present."""


class ContentionError(TransientError):
    """A transaction kept losing to concurrent writers and gave up."""


class BotDefinitionError(CharlaError):
    """A bot file is invalid; the message names file, line, key and expectation."""


class DeliveryRefused(PermanentError):
    """A message can never reach the customer as it is (the provider refused it for good, or it falls
    outside the channel's window): acknowledged and recorded as a failed delivery, not retried."""


class Unauthenticated(CharlaError):
    """No valid session: missing, malformed, expired or ended token, or wrong email or password."""


class Forbidden(CharlaError):
    """The caller is known but its role or workspace does not allow the action."""
