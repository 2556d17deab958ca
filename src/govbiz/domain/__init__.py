"""The pure domain model: no I/O, no clock reads, no globals.

Everything here is an immutable value (attrs, frozen, slots) or a pure
function over them.  The application service `govbiz.Ledger` loads
these from a store, asks the domain to decide, and stores the result.
"""

from govbiz.domain.actors import Actor, Role
from govbiz.domain.circular import Circular
from govbiz.domain.credit_code import is_valid_credit_code, validate_credit_code
from govbiz.domain.enterprise import Contact, Enterprise
from govbiz.domain.events import DomainEvent
from govbiz.domain.handling import (
    Assignment,
    DueDate,
    Extension,
    ExtensionStatus,
    ProgressReport,
    Reminder,
    ReminderKind,
    ResultOutcome,
    ResultReport,
    ReturnVisit,
    Satisfaction,
    Suspension,
)
from govbiz.domain.lasting_rule import LastingRule
from govbiz.domain.lifecycle import TRANSITIONS, Action, ProblemState, Transition
from govbiz.domain.problem import Problem, allowed_actions, replay
from govbiz.domain.session import Chair, ReceptionSession, SessionKind
from govbiz.domain.tenancy import Department, Division, DivisionLevel

__all__ = [
    "TRANSITIONS",
    "Action",
    "Actor",
    "Assignment",
    "Chair",
    "Circular",
    "Contact",
    "Department",
    "Division",
    "DivisionLevel",
    "DomainEvent",
    "DueDate",
    "Enterprise",
    "Extension",
    "ExtensionStatus",
    "LastingRule",
    "Problem",
    "ProblemState",
    "ProgressReport",
    "ReceptionSession",
    "Reminder",
    "ReminderKind",
    "ResultOutcome",
    "ResultReport",
    "ReturnVisit",
    "Role",
    "Satisfaction",
    "SessionKind",
    "Suspension",
    "Transition",
    "allowed_actions",
    "is_valid_credit_code",
    "replay",
    "validate_credit_code",
]
