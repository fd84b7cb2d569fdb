"""Light and dark looks that follow the system colour scheme, and the reading font.

Fusion plus an explicit palette renders the same on every platform (and offscreen); small
touches come from ``desk.qss`` which refers only to palette roles, so one sheet serves both.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
READING_FAMILIES = ["Charter", "Georgia", "Iowan Old Style", "Source Serif 4", "Source Serif Pro",
                    "Noto Serif", "Literata", "DejaVu Serif", "Liberation Serif", "Times New Roman",
                    "serif"]

_LIGHT = {
    "window": "#f4f3ef", "base": "#fbfaf7", "alt": "#f0eee8", "text": "#23262b",
    "mid": "#d8d5cc", "button": "#eeece6", "highlight": "#3b6fd8", "hl_text": "#ffffff",
    "muted": "#6b6f76", "link": "#2f5fc4", "tooltip": "#fffdf5",
}
_DARK = {
    "window": "#1f2226", "base": "#181a1d", "alt": "#22252a", "text": "#e3e1dc",
    "mid": "#3a3e45", "button": "#2a2e34", "highlight": "#5b8def", "hl_text": "#0e1013",
    "muted": "#9aa0a8", "link": "#8fb3ff", "tooltip": "#2a2e34",
}


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def resolve_dark(mode: str) -> bool:
    if mode == "dark":
        return True
    if mode == "light":
        return False
    return system_is_dark()


def make_palette(dark: bool) -> QPalette:
    c = _DARK if dark else _LIGHT
    p = QPalette()
    role = QPalette.ColorRole
    for r, key in ((role.Window, "window"), (role.Base, "base"), (role.AlternateBase, "alt"),
                   (role.WindowText, "text"), (role.Text, "text"), (role.ButtonText, "text"),
                   (role.Button, "button"), (role.Highlight, "highlight"),
                   (role.HighlightedText, "hl_text"), (role.ToolTipBase, "tooltip"),
                   (role.ToolTipText, "text"), (role.PlaceholderText, "muted"),
                   (role.Link, "link"), (role.Mid, "mid"), (role.Midlight, "alt"),
                   (role.Dark, "mid"), (role.Light, "base")):
        p.setColor(r, QColor(c[key]))
    muted = QColor(c["muted"])
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, muted)
    return p


def stylesheet(dark: bool) -> str:
    raw = resources.files("stancedesk.resources").joinpath("desk.qss").read_text(
        encoding="utf-8")
    c = _DARK if dark else _LIGHT
    for key, value in c.items():
        raw = raw.replace(f"@{key}", value)
    return raw


def apply_theme(app: QApplication, mode: str = "system") -> bool:
    """Apply the light or dark look; returns True when dark."""
    dark = resolve_dark(mode)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(make_palette(dark))
    app.setStyleSheet(stylesheet(dark))
    return dark


def icon_colour(dark: bool) -> str:
    return "#c9ccd1" if dark else "#4a4f57"


def reading_font(point_size: float = 12.5) -> QFont:
    """A serif reading face from the first family installed; Qt falls back if none is."""
    font = QFont()
    installed = set(QFontDatabase.families())
    families = [f for f in READING_FAMILIES if f in installed] or ["serif"]
    font.setFamilies(families)
    font.setPointSizeF(point_size)
    font.setStyleHint(QFont.StyleHint.Serif)
    font.setHintingPreference(QFont.HintingPreference.PreferVerticalHinting)
    return font
