"""``gto annotate`` and ``gto remove``: editing the work-tree ``artifacts.yaml`` (SPEC §4, §7)."""

from __future__ import annotations

from conftest import Repo

from cli.conftest import Cli

EXISTING = "# the registry\nzeta:\n  type: data  # keep me\n"


def test_annotate_creates_and_updates_an_entry(cli: Cli, gto_exe: Cli, repo: Repo) -> None:
    (repo.path / "models").mkdir()
    (repo.path / "models" / "rf.pkl").write_text("rf\n")
    (repo.path / "artifacts.yaml").write_text(EXISTING)
    path = str(repo.path)
    result = gto_exe(
        "annotate", "rf", "--type", "model", "--path", "models/rf.pkl", "--must-exist",
        "--label", "b", "--label", "a", "--description", "Random forest",
        "--custom", "owner=alice", "--custom", "max_depth=5", "--custom", "prod=yes", "--custom", "note=",
        "-r", path,
    )  # fmt: skip
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (repo.path / "artifacts.yaml").read_text() == EXISTING + (
        "rf:\n"
        "  type: model\n"
        "  path: models/rf.pkl\n"
        "  virtual: false\n"
        "  labels:\n"
        "    - a\n"
        "    - b\n"
        "  description: Random forest\n"
        "  custom:\n"
        "    owner: alice\n"
        "    max_depth: 5\n"
        "    prod: true\n"
        "    note: ''\n"
    )
    # Labels merge; the other values stay.
    assert cli("annotate", "rf", "--label", "c", "--label", "a", "--must_exist", "-r", path).code == 0
    assert "    - a\n    - b\n    - c\n" in (repo.path / "artifacts.yaml").read_text()
    # A new path without --must-exist makes the entry virtual again.
    assert cli("annotate", "rf", "--path", "s3://bucket/rf.pkl", "-r", path).code == 0
    text = (repo.path / "artifacts.yaml").read_text()
    assert "  path: s3://bucket/rf.pkl\n" in text and "virtual" not in text
    repo.commit()
    assert cli("describe", "rf", "--path", "-r", path).out == "s3://bucket/rf.pkl\n"


def test_remove(cli: Cli, gto_exe: Cli, repo: Repo) -> None:
    (repo.path / "artifacts.yaml").write_text(EXISTING + "rf:\n  type: model\n")
    result = gto_exe("remove", "zeta", "-r", str(repo.path))
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (repo.path / "artifacts.yaml").read_text() == "# the registry\nrf:\n  type: model\n"
    result = cli("remove", "zeta", "-r", str(repo.path))
    assert (result.code, result.err) == (1, "❌ Cannot find artifact 'zeta'\n")


def test_schema_prints_the_json_schema_of_artifacts_yaml(gto_exe: Cli, tmp_path: object) -> None:
    import json

    from gto.annotations import annotations_schema

    # No repository is needed: the schema is the same everywhere.
    result = gto_exe("schema", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == annotations_schema()
    assert result.out.startswith('{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n')
