"""The import contract of shared/ARCHITECTURE.md, checked on the source rather than by review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "stancedesk"

# package -> modules (prefixes) it must never import
FORBIDDEN = {
    "domain": ("PySide6", "sqlalchemy", "alembic", "stancedesk.storage", "stancedesk.services",
               "stancedesk.gui", "stancedesk.formats", "stancedesk.agreement", "stancedesk.cli"),
    "agreement": ("PySide6", "sqlalchemy", "stancedesk.storage", "stancedesk.services",
                  "stancedesk.gui", "stancedesk.cli"),
    "formats": ("PySide6", "sqlalchemy", "stancedesk.storage", "stancedesk.services",
                "stancedesk.gui", "stancedesk.cli"),
    "storage": ("PySide6", "stancedesk.services", "stancedesk.gui", "stancedesk.cli"),
    "services": ("PySide6", "stancedesk.gui", "stancedesk.cli"),
    "cli": ("PySide6", "stancedesk.gui"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_the_layers(package: str) -> None:
    offences = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[package]):
                offences.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offences == []


def test_qt_is_imported_only_under_gui() -> None:
    offences = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
                if "gui" not in path.relative_to(PACKAGE).parts[:1]
                and any(n.split(".")[0] == "PySide6" for n in _imports(path))]
    assert offences == []
