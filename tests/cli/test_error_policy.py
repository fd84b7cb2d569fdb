"""The CLI error policy: a UserError is one line, exit 2; a bug is a traceback, exit 1, logged."""

from __future__ import annotations

import pytest

from stancedesk import logs
from stancedesk.cli import annotators, main
from stancedesk.domain.errors import UserError


def _boom(_args: object) -> int:
    raise ZeroDivisionError("division by zero in a command")


def _refuse(_args: object) -> int:
    raise UserError("stancedesk.sqlite: this is something you can fix")


def test_a_bug_prints_its_traceback_exits_1_and_is_logged(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    monkeypatch.setattr(annotators.span_service, "spans_per_annotator", _boom)
    assert main(["--db", str(tmp_path / "x.sqlite"), "db", "upgrade"]) == 0
    capsys.readouterr()
    code = main(["--db", str(tmp_path / "x.sqlite"), "annotators"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback (most recent call last)" in err and "ZeroDivisionError" in err
    assert "this is a bug in StanceDesk" in err
    logged = logs.log_path().read_text(encoding="utf-8")
    assert "bug in 'stancedesk annotators'" in logged and "ZeroDivisionError" in logged


def test_a_user_error_is_one_line_and_exits_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    monkeypatch.setattr(annotators.span_service, "spans_per_annotator", _refuse)
    assert main(["--db", str(tmp_path / "x.sqlite"), "db", "upgrade"]) == 0
    capsys.readouterr()
    code = main(["--db", str(tmp_path / "x.sqlite"), "annotators"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "stancedesk: error: stancedesk.sqlite: this is something you can fix\n"


def test_log_level_and_log_path_are_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--log-level" in out and str(logs.log_path()) in out
