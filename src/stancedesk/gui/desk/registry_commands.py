"""Undo commands for the source registry: a rename, alias or type edit, and a merge.

The registry is shared by every document, but its edits are made from the desk, so they go on
the desk's undo stack (Ctrl+Z after a merge splits the two sources again). As with the span
commands, the first write happens before the push and ``redo`` on push only shows it; later
steps write through ``services.attribution`` (``put_entity``, ``merge``, ``unmerge``), which
refuse to write over a later edit of the same source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from stancedesk.services import attribution as attr_service
from stancedesk.services.attribution import EntityEdit, EntityMerge
from stancedesk.storage.engine import Database

if TYPE_CHECKING:
    from stancedesk.gui.desk.attribution import DeskAttribution


class _RegistryCommand(QUndoCommand):
    def __init__(self, owner: DeskAttribution, text: str) -> None:
        super().__init__(text)
        self.owner = owner
        self._first = True

    @property
    def database(self) -> Database:
        return self.owner.desk.database

    def _guard(self, step: Callable[[], None]) -> None:
        # as for span commands: nothing escapes into Qt's C++ stack; a refused step drops the
        # command and says why
        try:
            step()
        except Exception as exc:
            self.setObsolete(True)
            self.owner.desk.report_error(exc)


class EntityEditCommand(_RegistryCommand):
    def __init__(self, owner: DeskAttribution, edit: EntityEdit) -> None:
        before, after = edit.before, edit.after
        text = f"Rename source {before.name!r} to {after.name!r}" if before.name != after.name \
            else f"Edit source {after.name!r}"
        super().__init__(owner, text)
        self.edit = edit

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.owner.registry_changed()
            return

        def step() -> None:
            after = attr_service.put_entity(self.database, self.edit.before, self.edit.after)
            self.edit = EntityEdit(self.edit.before, after)
            self.owner.registry_changed()
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            before = attr_service.put_entity(self.database, self.edit.after, self.edit.before)
            self.edit = EntityEdit(before, self.edit.after)
            self.owner.registry_changed()
        self._guard(step)


class MergeCommand(_RegistryCommand):
    def __init__(self, owner: DeskAttribution, merged: EntityMerge) -> None:
        super().__init__(owner, f"Merge source {merged.absorbed.name!r} into "
                                f"{merged.kept_before.name!r}")
        self.merged = merged

    def redo(self) -> None:
        if self._first:
            self._first = False
            self.owner.registry_changed(self.merged.changes)
            return

        def step() -> None:
            self.merged = attr_service.merge(self.database, self.merged.kept_before.id,
                                             self.merged.absorbed.id)
            self.owner.registry_changed(self.merged.changes)
        self._guard(step)

    def undo(self) -> None:
        def step() -> None:
            attr_service.unmerge(self.database, self.merged)
            self.owner.registry_changed(self.merged.changes)
        self._guard(step)


def command_for(owner: DeskAttribution, record: EntityEdit | EntityMerge) -> QUndoCommand:
    if isinstance(record, EntityMerge):
        return MergeCommand(owner, record)
    return EntityEditCommand(owner, record)
