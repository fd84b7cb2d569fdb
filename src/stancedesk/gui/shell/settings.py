"""Desk state kept between runs (QSettings "StanceDesk"/"StanceDesk"): who is annotating, the
last document of each database, window layout, view choices."""

from __future__ import annotations

import hashlib
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "StanceDesk"
APPLICATION = "StanceDesk"


class DeskSettings:
    def __init__(self, database_url: str) -> None:
        self._qs = QSettings(ORGANISATION, APPLICATION)
        self._db = "db_" + hashlib.sha1(database_url.encode("utf-8")).hexdigest()[:16]

    def _get(self, key: str, default: Any = None) -> Any:
        value = self._qs.value(key, default)
        return default if value is None else value

    def _set(self, key: str, value: Any) -> None:
        if self._qs.contains(key) and self._qs.value(key) == value:
            return  # the desk sets who and where at every start: no file to rewrite then
        self._qs.setValue(key, value)
        self._qs.sync()  # a killed desk still remembers who and where

    @property
    def annotator(self) -> str:
        return str(self._get("annotator", ""))

    @annotator.setter
    def annotator(self, name: str) -> None:
        self._set("annotator", name)

    @property
    def last_document(self) -> str:
        return str(self._get(f"{self._db}/lastDocument", ""))

    @last_document.setter
    def last_document(self, document_id: str) -> None:
        self._set(f"{self._db}/lastDocument", document_id)

    def reviewer(self, annotator: str) -> bool:
        return str(self._get(f"{self._db}/reviewer/{annotator}", "false")).lower() == "true"

    def set_reviewer(self, annotator: str, on: bool) -> None:
        self._set(f"{self._db}/reviewer/{annotator}", "true" if on else "false")

    @property
    def colour_by(self) -> str:
        return str(self._get("view/colourBy", ""))

    @colour_by.setter
    def colour_by(self, layer: str) -> None:
        self._set("view/colourBy", layer)

    @property
    def theme(self) -> str:
        return str(self._get("view/theme", "system"))

    @theme.setter
    def theme(self, mode: str) -> None:
        self._set("view/theme", mode)

    @property
    def suggestions(self) -> bool:
        """Show suggested attributions (on unless turned off, e.g. for an agreement study)."""
        return str(self._get("view/suggestions", "true")).lower() == "true"

    @suggestions.setter
    def suggestions(self, on: bool) -> None:
        self._set("view/suggestions", "true" if on else "false")

    def hidden_columns(self, table: str) -> list[str] | None:
        """Column keys the person hid in a table, or None if they never chose."""
        value = self._qs.value(f"view/{table}/hiddenColumns")
        if value is None:
            return None
        if isinstance(value, str):  # QSettings hands back one-item lists as a string
            return [v for v in value.split(",") if v]
        return [str(v) for v in value]

    def set_hidden_columns(self, table: str, keys: list[str]) -> None:
        self._set(f"view/{table}/hiddenColumns", ",".join(keys))

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geometry = self._qs.value("window/geometry")
        state = self._qs.value("window/state")
        return (geometry if isinstance(geometry, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._set("window/state", state)

    def folder(self, purpose: str) -> str:
        return str(self._get(f"folders/{purpose}", ""))

    def set_folder(self, purpose: str, folder: str) -> None:
        self._set(f"folders/{purpose}", folder)
