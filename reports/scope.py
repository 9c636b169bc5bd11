"""What a report shows for an inspection's scope (audits/scope.py): which areas are its own figures, which are
carried forward from its previous inspection's published record (labelled so), and the additionally
recorded crimes a year between the two inspections."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from audits.scope import AUDITED, CARRIED_FORWARD, NOT_AUDITED, treatment
from reports.figures import Figure
from reports.results import Group

TREATMENT_LABELS = {AUDITED: "Audited", CARRIED_FORWARD: "Carried forward", NOT_AUDITED: "Not audited"}
NOT_IN_OLD_RECORD = ("Not in this version's published record: it was frozen before the app computed additional "
                     "crimes a year.")


def carried_from_title(inspection: object) -> str:
    """How an inspection is named where a figure is carried forward from it."""
    return str(inspection)


@dataclass(frozen=True)
class Scope:
    """An inspection's scope with the figures it carries forward. Empty (the default): everything audited."""

    audited: tuple[str, ...] = ()
    carried_forward: tuple[str, ...] = ()
    previous_title: str = ""
    previous_version: int | None = None  # the version of the previous inspection's record carried from
    carried: Mapping[str, Figure] = field(default_factory=dict)  # area -> figure, labelled carried forward

    @property
    def recorded(self) -> bool:
        return bool(self.audited or self.carried_forward)

    def treatment(self, area: str) -> str:
        return treatment(area, self.audited, self.carried_forward)

    def audits(self, area: str) -> bool:
        return self.treatment(area) == AUDITED

    def carried_figure(self, area: str) -> Figure | None:
        return self.carried.get(area) if self.treatment(area) == CARRIED_FORWARD else None

    def treatment_label(self, area: str) -> str:
        return TREATMENT_LABELS[self.treatment(area)]

    def label(self, area: str) -> str:
        if self.treatment(area) == CARRIED_FORWARD:
            return f"Carried forward from {self.previous_title or 'a previous inspection no longer recorded'}"
        return self.treatment_label(area)


@dataclass(frozen=True)
class AdditionalRow:
    """Additionally recorded crimes a year in one category (reports.statistics.ADDITIONAL_EXPLANATION), computed
    beside the figure the report published; ``missing`` says why there is no computed one."""

    group: Group
    previous_title: str
    earlier_rate: float | None
    later_rate: float | None
    volume: int | None
    volume_period_end: date | None
    volume_source: str
    additional: float | None
    missing: str = ""
    published: int | None = None
