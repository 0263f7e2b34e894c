"""``gto check-ref``: what CI jobs triggered by a tag push call (SPEC §5)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import Repo

from cli.conftest import Cli, Registry


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("rf@v1.0.0", '✅ Version "v1.0.0" of artifact "rf" was registered\n'),
        ("rf@v0.9.0!", '✅ Version "v0.9.0" of artifact "rf" was deregistered\n'),
        ("rf#prod#1", '✅ Stage "prod" was assigned to version "v1.0.0" of artifact "rf"\n'),
        ("refs/tags/rf#dev#2", '✅ Stage "dev" was assigned to version "v1.1.0" of artifact "rf"\n'),
        ("seg@deprecated", '✅ Artifact "seg" was deprecated\n'),
        ("main", ""),
        ("v1.0.0", ""),
        ("rf@v7.7.7", ""),
        ("rf@created", ""),
    ],
)
def test_sentences(cli: Cli, registry: Registry, ref: str, expected: str) -> None:
    result = cli("check-ref", ref, "-r", registry.path)
    assert (result.code, result.out, result.err) == (0, expected, "")


def test_commit_versions_are_named_in_full(cli: Cli, registry: Registry) -> None:
    assert cli("check-ref", "nn#dev#1", "-r", registry.path).out == (
        f'✅ Stage "dev" was assigned to version "{registry.c3}" of artifact "nn"\n'
    )


def test_json_through_the_executable(gto_exe: Cli, registry: Registry) -> None:
    result = gto_exe("check-ref", "rf#prod#1", "--json", "-r", registry.path)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "{\n"
        '  "artifact": "rf",\n'
        '  "event": "assignment",\n'
        '  "version": "v1.0.0",\n'
        '  "stage": "prod",\n'
        '  "created_at": "2023-11-14T22:18:20+00:00",\n'
        '  "author": "Alice",\n'
        '  "author_email": "alice@example.com",\n'
        '  "message": "message of rf#prod#1",\n'
        f'  "commit_hexsha": "{registry.c1}",\n'
        '  "tag": "rf#prod#1"\n'
        "}\n"
    )


def test_json_leaves_out_what_does_not_apply(cli: Cli, registry: Registry) -> None:
    deprecation = json.loads(cli("check-ref", "seg@deprecated", "--json", "-r", registry.path).out)
    assert "version" not in deprecation and "stage" not in deprecation
    registration = json.loads(cli("check-ref", "rf@v1.0.0", "--json", "-r", registry.path).out)
    assert registration["version"] == "v1.0.0" and "stage" not in registration
    assert cli("check-ref", "main", "--json", "-r", registry.path).out == ""


@pytest.mark.parametrize(
    ("ref", "flag", "expected"),
    [
        ("rf#dev#2", "--name", "rf\n"),
        ("rf#dev#2", "--version", "v1.1.0\n"),
        ("rf#dev#2", "--stage", "dev\n"),
        ("rf#dev#2", "--event", "assignment\n"),
        ("rf@v1.0.0", "--stage", ""),
        ("seg@deprecated", "--version", ""),
        ("seg@deprecated", "--event", "deprecation\n"),
        ("main", "--name", ""),
    ],
)
def test_single_fields(cli: Cli, registry: Registry, ref: str, flag: str, expected: str) -> None:
    result = cli("check-ref", ref, flag, "-r", registry.path)
    assert (result.code, result.out) == (0, expected)


def test_only_one_field_flag(cli: Cli, registry: Registry) -> None:
    result = cli("check-ref", "rf@v1.0.0", "--name", "--json", "-r", registry.path)
    assert result.code == 2
    assert result.err.endswith(
        "Error: Invalid value for '--name': use only one of --json, --name, --version, --stage, --event\n"
    )


def test_unassignment_and_the_tagger_offset(cli: Cli, repo: Repo) -> None:
    repo.tag("rf@v1.0.0", date=1_700_000_000)
    repo.tag("rf#prod#1", date=1_700_000_060)
    env = {**os.environ, "GIT_COMMITTER_DATE": "1700000120 +0130"}
    subprocess.run(["git", "tag", "-a", "rf#prod!#2", "-m", "roll back"], cwd=repo.path, env=env, check=True)
    path = str(repo.path)
    assert cli("check-ref", "rf#prod!#2", "-r", path).out == (
        '✅ Stage "prod" was unassigned from version "v1.0.0" of artifact "rf"\n'
    )
    event = json.loads(cli("check-ref", "rf#prod!#2", "--json", "-r", path).out)
    assert event["created_at"] == "2023-11-14T23:45:20+01:30"
    assert event["event"] == "unassignment" and event["message"] == "roll back"
