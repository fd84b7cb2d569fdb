"""Scheme labels marked "no grade": optional in old files, kept by export and import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancedesk.domain import Scheme, SchemeError
from stancedesk.services import schemes
from stancedesk.services.project import open_database

OLD = {"name": "old", "layers": [{"key": "grade", "name": "Grade", "ordered": True, "labels": [
    {"key": "A", "name": "A"}, {"key": "B", "name": "B"}, {"key": "X", "name": "cannot say"}]}]}


def test_a_scheme_without_the_new_key_loads_and_has_no_no_grade_labels() -> None:
    scheme = Scheme.from_dict(OLD)
    assert scheme.layer("grade").no_grade_keys == ()
    assert "no_grade" not in json.dumps(scheme.to_dict())


def test_no_grade_survives_export_and_import(tmp_path: Path) -> None:
    data = json.loads(json.dumps(OLD))
    data["layers"][0]["labels"][2]["no_grade"] = True
    scheme = Scheme.from_dict(data)
    assert scheme.layer("grade").no_grade_keys == ("X",)
    assert Scheme.from_dict(scheme.to_dict()) == scheme
    database = open_database(str(tmp_path / "s.sqlite"), seed_sample=False)
    try:
        path = tmp_path / "scheme.json"
        path.write_text(schemes.scheme_to_json(scheme), encoding="utf-8")
        schemes.import_scheme_file(database, path)
        assert schemes.get_scheme(database).layer("grade").no_grade_keys == ("X",)
        assert "(no grade)" in schemes.describe_scheme(schemes.get_scheme(database))
    finally:
        database.dispose()


def test_no_grade_must_be_a_boolean() -> None:
    data = json.loads(json.dumps(OLD))
    data["layers"][0]["labels"][2]["no_grade"] = "yes"
    with pytest.raises(SchemeError, match="'no_grade' must be true or false"):
        Scheme.from_dict(data)
