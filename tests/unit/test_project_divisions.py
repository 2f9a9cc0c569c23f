"""A service remembers which county each known project belongs to, and asks the registry
only about codes it does not know (a project's division never changes once registered)."""
from __future__ import annotations

from shared.projects import ProjectDivisions

UNKNOWN = "Unknown project: register it with project.upsert first."
FOREIGN = "Belongs to another county's project registry."


class Registry:
    def __init__(self, projects: dict[str, str]):
        self.projects = projects
        self.asked: list[list[str]] = []

    def get_projects(self, codes: list[str]) -> dict[str, dict]:
        self.asked.append(codes)
        return {code: {"project_code": code, "division": self.projects[code]} for code in codes if code in self.projects}


def test_known_projects_are_answered_without_asking_the_registry_again():
    registry, divisions = Registry({"P1": "430102", "P2": "430103"}), ProjectDivisions()
    assert divisions.refused({"P1", "P2"}, "430102", registry.get_projects) == {"P2": FOREIGN}
    assert divisions.refused({"P1", "P2"}, "430103", registry.get_projects) == {"P1": FOREIGN}
    assert registry.asked == [["P1", "P2"]]


def test_an_unknown_project_is_asked_about_every_time_until_it_is_registered():
    registry, divisions = Registry({}), ProjectDivisions()
    assert divisions.refused({"P9"}, "430102", registry.get_projects) == {"P9": UNKNOWN}
    registry.projects["P9"] = "430102"
    assert divisions.refused({"P9"}, "430102", registry.get_projects) == {}
    assert registry.asked == [["P9"], ["P9"]]


def test_what_is_kept_is_bounded():
    registry = Registry({f"P{i}": "430102" for i in range(5)})
    divisions = ProjectDivisions(limit=2)
    for i in range(5):
        assert divisions.refused({f"P{i}"}, "430102", registry.get_projects) == {}
    assert len(divisions._known) <= 2
    assert divisions.refused({"P0"}, "430102", registry.get_projects) == {} and registry.asked[-1] == ["P0"]
