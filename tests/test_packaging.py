"""The installed package carries migrations, resources and the sample corpus."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from stancedesk.formats.frontmatter import split_front_matter

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT / "src").parts)
             for p in (ROOT / "src" / "stancedesk").rglob("__init__.py")}
    assert found <= listed


def test_package_resources_are_reachable() -> None:
    assert resources.files("stancedesk.migrations").joinpath("env.py").is_file()
    assert resources.files("stancedesk.resources").joinpath("default_scheme.json").is_file()
    articles = [p for p in resources.files("stancedesk.sample_corpus").iterdir()
                if p.name.endswith(".md")]
    assert len(articles) >= 8


def test_sample_articles_have_metadata() -> None:
    for path in sorted((ROOT / "sample_corpus").glob("*.md")):
        fields, body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
        assert {"title", "outlet", "date", "url"} <= set(fields), path.name
        assert len(body.split()) > 300, path.name


def test_runtime_dependencies_exclude_reference_libraries() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = " ".join(config["project"]["dependencies"]).lower()
    for reference in ("krippendorff", "statsmodels", "scikit-learn", "pytest"):
        assert reference not in runtime


def test_pyside_pin_excludes_the_crashing_pair() -> None:
    """PySide6 6.12.0 on CPython 3.11 crashes (none_dealloc); the pin must keep them apart."""
    from packaging.requirements import Requirement

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for spec in config["project"]["dependencies"]:
        req = Requirement(spec)
        applies = req.marker is None or req.marker.evaluate({"python_version": "3.11"})
        if req.name.lower().startswith("pyside6") and applies:
            assert not req.specifier.contains("6.12.0"), spec
