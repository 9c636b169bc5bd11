"""What an inspection audited and what it carried forward from its previous inspection.

A re-inspection may audit only some categories and sources (say violence and sexual offences) and carry the
others forward: the earlier inspection's published figures stand for them. An inspection with no scope
recorded audited everything it reports. Once a scope is recorded, an area (a report category or a result by
source or flag, core.categories.RESULT_AREA_CHOICES) is audited only if it is listed as audited; it is
otherwise carried forward, if listed so, or not audited at all. Reports show an inspection's own figure only
for an area it audited.
"""

from collections.abc import Iterable

from core.categories import RESULT_AREA_LABELS, RESULT_AREA_ORDER

AUDITED = "audited"
CARRIED_FORWARD = "carried_forward"
NOT_AUDITED = "not_audited"


def normalised_areas(areas: Iterable[str]) -> list[str]:
    """Each known area once, in report order; unknown values are left for the field's own validation."""
    chosen = set(areas)
    return [area for area in RESULT_AREA_ORDER if area in chosen] + sorted(chosen - set(RESULT_AREA_ORDER))


def _in_a_sentence(label: str) -> str:
    return label if label[:2].isupper() else label[:1].lower() + label[1:]  # "N100 records" keeps its capitals


def area_list(areas: Iterable[str]) -> str:
    """Areas in words for a sentence: "violence against the person and sexual offences"."""
    labels = [_in_a_sentence(RESULT_AREA_LABELS.get(area, area)) for area in normalised_areas(areas)]
    return " and ".join(filter(None, [", ".join(labels[:-1]), *labels[-1:]]))


def scope_problems(audited: Iterable[str], carried_forward: Iterable[str],
                   has_previous_inspection: bool) -> dict[str, list[str]]:
    """What is wrong with a scope, by field (audited_areas, carried_forward_areas); empty when it is sound."""
    audited, carried_forward = set(audited), set(carried_forward)
    problems: dict[str, list[str]] = {}
    unknown = (audited | carried_forward) - set(RESULT_AREA_ORDER)
    if unknown:
        for name, areas in (("audited_areas", audited), ("carried_forward_areas", carried_forward)):
            if areas & unknown:
                problems.setdefault(name, []).append(f"Not a category or result: {', '.join(sorted(areas & unknown))}.")
    both = audited & carried_forward
    if both:
        problems.setdefault("carried_forward_areas", []).append(
            f"An area cannot be both audited and carried forward: {area_list(both)}. Untick one of the two.")
    if carried_forward and not has_previous_inspection:
        problems.setdefault("carried_forward_areas", []).append(
            "Carrying figures forward needs the previous inspection they come from: choose the previous "
            "inspection, or untick what is carried forward.")
    if carried_forward and not audited:
        problems.setdefault("audited_areas", []).append(
            "Say what this inspection audited: an inspection that carries figures forward audits something itself.")
    return problems


def treatment(area: str, audited: Iterable[str], carried_forward: Iterable[str]) -> str:
    """AUDITED, CARRIED_FORWARD or NOT_AUDITED: with no scope recorded, everything was audited."""
    audited, carried_forward = list(audited), list(carried_forward)
    if not (audited or carried_forward) or area in audited:
        return AUDITED
    return CARRIED_FORWARD if area in carried_forward else NOT_AUDITED
