"""mypy and import-linter run in the suite, like ruff: a type error, or an import that breaks
shared/ARCHITECTURE.md's arrows directly or through other modules, fails a test. Both read their
settings from pyproject.toml ([tool.mypy], [tool.importlinter]); the one thing import-linter
cannot say, that every package has a place in the layers, is checked here."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "stancedesk"


def _tool(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(path).exists():
        pytest.fail(f"{name} is not installed; install the test extra: pip install -e '.[test]'")
    return path


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def _children(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in folder.iterdir() if (p / "__init__.py").exists()}


def test_mypy_is_clean() -> None:
    _tool("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy", "src/stancedesk"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_are_kept() -> None:
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 broken" in result.stdout


def test_every_package_has_a_layer() -> None:
    """A module the layers contract does not name is not checked at all: a new package must
    be given its place (and a new gui feature its independence)."""
    (layers,) = [c for c in _contracts() if c["type"] == "layers"]
    named = {name.strip() for layer in layers["layers"] for name in layer.split("|")}
    assert _children(PACKAGE) - named == set()
    (features,) = [c for c in _contracts() if c["type"] == "independence"
                   and all(m.startswith("stancedesk.gui.") for m in c["modules"])]
    listed = {m.removeprefix("stancedesk.gui.") for m in features["modules"]}
    assert {p for p in _children(PACKAGE / "gui") if (PACKAGE / "gui" / p).is_dir()} - listed \
        == {"shell"}
