"""Status changes as data. Inspections, case moderation and findings each declare one table of the moves
they allow: (from, to) → who may make the move and whether it needs a reason. The services refuse any
move not in their table, and the tests walk every (role, from, to) against it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError

from forces.roles import Role


@dataclass(frozen=True)
class Transition:
    """Who may make one move, and whether they must say why."""

    roles: frozenset[Role]
    needs_reason: bool = False


T = TypeVar("T", bound=Transition)


class TransitionTable(Generic[T]):
    def __init__(self, moves: Mapping[tuple[str, str], T]):
        self.moves = dict(moves)

    def rule(self, start: str, end: str) -> T | None:
        return self.moves.get((start, end))

    def targets(self, start: str, role: Role | None) -> list[str]:
        """Where ``role`` may move something that is in ``start``, in table order."""
        return [end for (origin, end), rule in self.moves.items() if origin == start and role in rule.roles]

    def check(self, start: str, end: str, role: Role | None, *, reason: str, refusal: str,
              reason_missing: str | dict[str, str]) -> T:
        """The rule for this move, or ValidationError(``refusal``) when it is not allowed for ``role``, or
        ValidationError(``reason_missing``) when it needs a reason and ``reason`` is blank."""
        rule = self.rule(start, end)
        if rule is None or role not in rule.roles:
            raise ValidationError(refusal)
        if rule.needs_reason and not reason.strip():
            raise ValidationError(reason_missing)
        return rule
