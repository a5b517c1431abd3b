"""CITATION.cff: parses, cites the paper as preferred citation, and agrees with the README
and the package version (so a release cannot cite a stale version or another paper)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def load_cff() -> dict:
    return yaml.safe_load((REPO / "CITATION.cff").read_text())


def test_citation_names_the_paper_and_the_workflow() -> None:
    cff = load_cff()
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software" and cff["authors"] and cff["message"]
    paper = cff["preferred-citation"]
    assert paper["type"] == "article" and paper["year"] == 2024
    assert [a["family-names"] for a in paper["authors"]][0] == "Yousif"
    assert len(paper["authors"]) == 8
    assert any(i["value"] == "arXiv:2404.13008" for i in paper["identifiers"])
    assert paper["url"].endswith("2404.13008")


def test_citation_version_is_the_package_version() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert str(load_cff()["version"]) == project["version"]


def test_readme_cites_the_same_paper() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Citing", 1)[1]
    title = re.sub(r"\s+", " ", load_cff()["preferred-citation"]["title"])
    assert title in re.sub(r"\s+", " ", section)
    assert "arXiv:2404.13008" in section and "CITATION.cff" in section
