"""role, link, name-source, sources and profile on the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from stancedesk.cli import main
from stancedesk.services import spans as span_service
from stancedesk.services.project import open_database
from tests.services.test_attribution import TEXT, add_doc


@pytest.fixture
def project(tmp_path: Path) -> tuple[str, dict[str, str]]:
    path = str(tmp_path / "p.sqlite")
    db = open_database(path, seed_sample=False)
    doc = add_doc(db)

    def make(phrase: str, **labels: str) -> str:
        start = TEXT.index(phrase)
        return span_service.create_span(db, doc, "ana", start, start + len(phrase), labels).id

    ids = {"doc": doc,
           "claim": make("the meeting was postponed", stance="against", credibility="3"),
           "source": make("a source with knowledge of the talks", sourcing="anonymous"),
           "reuters": make("Reuters", sourcing="media", reliability="B")}
    db.dispose()
    return path, ids


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_roles_links_registry_and_profile(project: tuple[str, dict[str, str]],
                                          capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    db, ids = project
    assert run(capsys, "--db", db, "role", ids["claim"], "claim")[0] == 0
    assert run(capsys, "--db", db, "role", ids["source"], "source")[0] == 0
    assert run(capsys, "--db", db, "role", ids["reuters"], "source")[0] == 0
    code, out, _ = run(capsys, "--db", db, "link", ids["claim"], "attributed_to", ids["source"])
    assert code == 0 and "--attributed_to-->" in out
    assert run(capsys, "--db", db, "link", ids["source"], "via", ids["reuters"])[0] == 0
    code, _, err = run(capsys, "--db", db, "link", ids["reuters"], "via", ids["source"])
    assert code == 2 and "via links form a cycle" in err

    assert run(capsys, "--db", db, "sources", "add", "Reuters", "--sourcing", "media",
               "--alias", "the agency")[0] == 0
    assert run(capsys, "--db", db, "name-source", ids["reuters"], "the agency")[0] == 0
    code, out, _ = run(capsys, "--db", db, "sources", "--json")
    [entry] = json.loads(out)
    assert (entry["name"], entry["mentions"], entry["claims"], entry["documents"],
            entry["current_grade"]) == ("Reuters", 1, 0, 1, "B")
    out_csv = tmp_path / "registry.csv"
    assert run(capsys, "--db", db, "sources", "export", "-o", str(out_csv))[0] == 0
    with out_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["name"] == "Reuters" and rows[0]["aliases"] == "the agency"
    code, _, err = run(capsys, "--db", db, "sources", "add", "REUTERS")
    assert code == 2 and "already in the registry" in err

    code, out, _ = run(capsys, "--db", db, "profile", "--by", "outlet", "--json")
    [group] = json.loads(out)["groups"]
    assert group["group"] == "Meridian" and group["claims"] == 1
    assert group["anonymous"]["count"] == 1 and group["relayed_via_media"]["count"] == 1
    assert group["stance_by_sourcing"] == {"anonymous": {"against": 1}}
    profile_csv = tmp_path / "profile.csv"
    assert run(capsys, "--db", db, "profile", "--csv", str(profile_csv))[0] == 0
    with profile_csv.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert {"document": ids["doc"], "claims": "1", "measure": "relayed_via_media",
            "value": "yes", "count": "1", "share": "1.0000"} in table


def test_unknown_ids_and_sources_are_one_line(project: tuple[str, dict[str, str]],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    db, ids = project
    code, _, err = run(capsys, "--db", db, "link", "nope", "via", ids["source"])
    assert (code, err) == (2, "stancedesk: error: no span with id nope\n")
    code, _, err = run(capsys, "--db", db, "sources", "claims", "Nobody")
    assert (code, err) == (2, "stancedesk: error: no source 'Nobody' in the registry\n")
    code, _, err = run(capsys, "--db", db, "profile", "--annotators", "zed")
    assert (code, err) == (2, "stancedesk: error: unknown annotator(s): zed\n")
