"""Errors a user can cause, each with a translated message that says what rule refused it.

Views and the API map them to pages and HTTP statuses (api/errors.py):
InvalidInput 400, NotPermitted 403, NotFound 404, StageConflict 409, RuleViolation 422.
"""


class DomainError(Exception):
    code = "error"

    def __init__(self, message, **details):
        super().__init__(str(message))
        self.message = str(message)
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"


class NotPermitted(DomainError):
    code = "not_permitted"


class NotFound(DomainError):
    code = "not_found"


class RuleViolation(DomainError):
    """An action refused by a rule; the message names the rule, its source and what
    would satisfy it."""

    code = "rule_violation"

    def __init__(self, message, *, rule=None, **details):
        super().__init__(message, **details)
        self.rule = rule


class StageConflict(DomainError):
    """The transaction is not (or no longer) in a stage where the action is possible;
    typically someone else changed it first."""

    code = "stage_conflict"


__all__ = ["DomainError", "InvalidInput", "NotFound", "NotPermitted", "RuleViolation", "StageConflict"]
