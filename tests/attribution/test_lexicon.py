"""Lexicons are data: a project folder extends them, and a bad line names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from stancedesk.attribution import find_attributions, load_lexicon
from stancedesk.attribution.lexicon import LexiconError
from stancedesk.domain.errors import UserError

TEXT = "The ceasefire would hold, the envoy opined on Sunday."


def test_a_project_folder_adds_a_verb_and_keeps_the_defaults(tmp_path: Path) -> None:
    assert find_attributions(TEXT) == []
    (tmp_path / "speech_verbs.txt").write_text("# ours\nopined *\n", encoding="utf-8")
    lexicon = load_lexicon(tmp_path)
    found = find_attributions(TEXT, lexicon)
    assert [(s.source.text, s.sourcing, s.claim.text) for s in found] == [
        ("the envoy", "diplomat", "The ceasefire would hold")]
    assert "said" in lexicon.verbs  # the built-in list is still there


def test_a_project_folder_adds_a_media_name(tmp_path: Path) -> None:
    text = "Nordbladet reported that the bridge had been closed."
    assert find_attributions(text)[0].sourcing == "other"
    (tmp_path / "media_names.txt").write_text("Nordbladet\n", encoding="utf-8")
    assert find_attributions(text, load_lexicon(tmp_path))[0].sourcing == "media"


def test_a_bad_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "source_nouns.txt"
    path.write_text("expert\tanalyst\nnot-a-kind\tcolumnist\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"source_nouns\.txt, line 2: expected KIND") as err:
        load_lexicon(tmp_path)
    assert isinstance(err.value, UserError)


def test_a_file_that_is_not_utf8_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "speech_verbs.txt").write_bytes(b"said\n\xff\xfe\n")
    with pytest.raises(LexiconError, match=r"speech_verbs\.txt: cannot be read as UTF-8"):
        load_lexicon(tmp_path)


def test_stored_extension_texts_extend_like_a_folder() -> None:
    lexicon = load_lexicon(extension={"speech_verbs.txt": "# ours\nopined *\n"})
    assert [s.claim.text for s in find_attributions(TEXT, lexicon)] == [
        "The ceasefire would hold"]
    assert "said" in lexicon.verbs


def test_a_bad_stored_line_names_the_stored_file_and_line() -> None:
    with pytest.raises(LexiconError, match=r"^project lexicons/anaphors\.txt, line 3: expected "
                                           r"KIND<TAB>words"):
        load_lexicon(extension={"anaphors.txt": "person\thim\n\nsomeone\n"})
    with pytest.raises(LexiconError, match=r"project lexicons/verbs\.txt: not a lexicon file"):
        load_lexicon(extension={"verbs.txt": "opined\n"})


def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path: Path) -> None:
    (tmp_path / "speech_verbs.txt").write_text("\ufeffopined *\n", encoding="utf-8")
    assert "opined" in load_lexicon(tmp_path).verbs
