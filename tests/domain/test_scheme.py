"""The scheme: the default file is valid and complete; bad schemes are refused with reasons."""

from __future__ import annotations

import copy

import pytest

from stancedesk.domain import LayerKind, Scheme, SchemeError
from stancedesk.domain.scheme import normalise_shortcut
from stancedesk.services.project import default_scheme


def test_default_scheme_has_the_required_layers_and_labels() -> None:
    scheme = default_scheme()
    assert scheme.layer_keys == ("stance", "target", "sourcing", "reliability", "credibility")
    assert scheme.layer("stance").label_keys == ("favor", "against", "neutral")
    assert scheme.layer("target").kind is LayerKind.FREE
    assert scheme.layer("sourcing").label_keys == (
        "anonymous", "official", "diplomat", "expert", "media", "document", "other")
    assert scheme.layer("reliability").label_keys == tuple("ABCDEF")
    assert scheme.layer("credibility").label_keys == tuple("123456")
    for layer in scheme.layers:
        assert layer.description
        for label in layer.labels:
            assert label.description and label.shortcut and label.color.startswith("#")
    assert scheme.targets, "the default project offers stance targets"


def test_default_scheme_shortcuts_are_unique() -> None:
    scheme = default_scheme()
    shortcuts = scheme.shortcut_map()
    n_labels = sum(len(layer.labels) for layer in scheme.layers)
    assert len(shortcuts) == n_labels + 1  # every label plus the target editor
    assert shortcuts["shift+a"] == ("reliability", "A")
    assert shortcuts["a"] == ("stance", "against")


def test_scheme_round_trips_through_dict() -> None:
    scheme = default_scheme()
    again = Scheme.from_dict(scheme.to_dict())
    assert again == scheme
    assert again.to_dict() == scheme.to_dict()


def test_shortcut_normalisation_ignores_case_and_modifier_order() -> None:
    assert normalise_shortcut("Ctrl+Shift+K") == normalise_shortcut("shift+ctrl+k")


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda d: d.update(colour="red"), "unknown key 'colour'"),
    (lambda d: d["layers"][0].update(kinds="closed"), "unknown key 'kinds'"),
    (lambda d: d["layers"][0]["labels"][0].update(shortcut="U"), "duplicate shortcut 'U'"),
    (lambda d: d["layers"][0].update(labels=[]), "closed but has no labels"),
    (lambda d: d["layers"][0].update(kind="multi"), "'kind' must be 'closed' or 'free'"),
    (lambda d: d["layers"][2]["labels"][0].update(color="purple"), "must look like #1a2b3c"),
    (lambda d: d["layers"][1].update(key="stance"), "duplicate layer key 'stance'"),
    (lambda d: d["layers"][1].update(key="note"), "reserved for a CSV column"),
    (lambda d: d.update(layers=[]), "'layers' must be a non-empty list"),
])
def test_invalid_schemes_are_refused_with_a_reason(mutate, expected) -> None:
    data = copy.deepcopy(default_scheme().to_dict())
    mutate(data)
    with pytest.raises(SchemeError) as info:
        Scheme.from_dict(data, source="mine.json")
    assert expected in str(info.value)
    assert str(info.value).startswith("mine.json: ")


def test_all_problems_are_reported_at_once() -> None:
    data = copy.deepcopy(default_scheme().to_dict())
    data["bogus"] = 1
    data["layers"][0]["labels"][0]["shortcut"] = "O"
    with pytest.raises(SchemeError) as info:
        Scheme.from_dict(data)
    assert len(info.value.problems) == 2


def test_check_value_names_the_allowed_labels() -> None:
    scheme = default_scheme()
    assert scheme.check_value("stance", "favor") is None
    assert scheme.check_value("target", "anything at all") is None
    assert "allowed: favor, against, neutral" in (scheme.check_value("stance", "pro") or "")
    assert "unknown layer" in (scheme.check_value("stnace", "favor") or "")
