"""Small read commands: latest, which, stages, describe, doctor, parse-tag, --version and help."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

from cli.conftest import Cli, Registry
from gto import __version__


def test_latest(cli: Cli, gto_exe: Cli, registry: Registry) -> None:
    result = gto_exe("latest", "rf", "-r", registry.path)
    assert (result.code, result.out, result.err) == (0, "v1.1.0\n", "")
    assert cli("latest", "rf", "--ref", "-r", registry.path).out == "rf@v1.1.0\n"
    assert cli("latest", "nn", "-r", registry.path) == cli("latest", "ds", "-r", registry.path)
    result = cli("latest", "nn", "-r", registry.path)
    assert (result.code, result.out) == (0, "")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["rf", "dev"], "v1.0.0\n"),
        (["rf", "dev", "--ref"], "rf#dev#4\n"),
        (["rf", "dev", "--vs", "-1"], "v1.0.0\nv1.1.0\n"),
        (["rf", "dev", "--versions-per-stage", "-1", "--ref"], "rf#dev#4\nrf#dev#2\n"),
        (["rf", "dev", "--sort", "semver"], "v1.1.0\n"),
        (["rf", "dev", "--av", "1", "--vs", "-1"], "v1.0.0\n"),
        (["rf", "staging", "--assignments-per-version", "1"], "v1.1.0\n"),
        (["rf", "qa"], ""),
    ],
)
def test_which(cli: Cli, registry: Registry, args: list[str], expected: str) -> None:
    result = cli("which", *args, "-r", registry.path)
    assert (result.code, result.out, result.err) == (0, expected, "")


def test_which_through_the_executable_names_commit_versions_in_full(gto_exe: Cli, registry: Registry) -> None:
    assert gto_exe("which", "nn", "dev", "-r", registry.path).out == f"{registry.c3}\n"


def test_stages(cli: Cli, gto_exe: Cli, registry: Registry, repo: Repo) -> None:
    assert gto_exe("stages", "-r", registry.path).out == "dev\nprod\nstaging\n"
    assert cli("stages", "--used", "--json", "-r", registry.path).out == '[\n  "dev",\n  "prod",\n  "staging"\n]\n'
    assert cli("stages", "--allowed", "-r", registry.path).out == ""
    assert cli("stages", "--allowed", "--json", "-r", registry.path).out == "[]\n"
    (repo.path / ".gto").write_text("stages: [prod, dev]\n")
    repo.tag("rf#qa")
    assert cli("stages", "-r", str(repo.path)).out == "prod\ndev\n"
    assert cli("stages", "--allowed", "-r", str(repo.path)).out == "prod\ndev\n"
    assert cli("stages", "--used", "-r", str(repo.path)).out == "qa\n"
    assert cli("stages", "--allowed", "--used", "-r", str(repo.path)).code == 2


def test_describe(cli: Cli, gto_exe: Cli, registry: Registry) -> None:
    result = gto_exe("describe", "rf", "-r", registry.path)
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == {
        "type": "model",
        "path": "models/rf.pkl",
        "labels": ["ml", "tabular"],
        "description": "Random forest",
    }
    assert result.out.startswith('{\n  "type": "model",\n  "path": "models/rf.pkl",\n  "labels": [\n')
    assert json.loads(cli("describe", "nn", "-r", registry.path).out) == {
        "type": "model",
        "path": "models/nn.pt",
        "virtual": False,
    }
    assert cli("describe", "rf", "--path", "-r", registry.path).out == "models/rf.pkl\n"
    assert cli("describe", "rf", "--type", "-r", registry.path).out == "model\n"
    assert cli("describe", "rf", "--description", "-r", registry.path).out == "Random forest\n"
    assert cli("describe", "ds", "--description", "-r", registry.path).out == ""
    # At the commit of a version (v1.0.0 predates artifacts.yaml), at a stage, at a revision.
    assert cli("describe", "rf@v1.0.0", "-r", registry.path).out == ""
    assert cli("describe", "rf#staging", "-r", registry.path).out == ""
    assert cli("describe", "rf", "--rev", registry.c1, "-r", registry.path).out == ""
    assert cli("describe", "rf", "--rev", registry.c3, "--path", "-r", registry.path).out == "models/rf.pkl\n"
    assert cli("describe", "rf", "--path", "--type", "-r", registry.path).code == 2


def test_doctor_on_a_clean_repository(gto_exe: Cli, registry: Registry) -> None:
    result = gto_exe("doctor", "-r", registry.path)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        f"gto version: {__version__}\n"
        f"repository: {registry.path}\n"
        "config:\n"
        "  key               value           source\n"
        "  types             -               default\n"
        "  stages            -               default\n"
        "  emojis            true            default\n"
        "  index             artifacts.yaml  default\n"
        "  daemon.autostart  false           default\n"
        "No problems found\n"
    )


def test_doctor_reports_problems_and_exits_1(cli: Cli, repo: Repo) -> None:
    repo.lightweight_tag("rf@v1.0.0")
    repo.tag("rf@created")
    (repo.path / ".gto").write_text("stages: [dev]\n")
    repo.commit({"artifacts.yaml": "rf:\n  colour: red\n"})
    result = cli("doctor", "-r", str(repo.path), environ={"GTO_EMOJIS": "false"})
    assert result.code == 1
    assert result.out.splitlines()[4:] == [
        "  types             -               default",
        "  stages            dev             .gto",
        "  emojis            false           GTO_EMOJIS",
        "  index             artifacts.yaml  default",
        "  daemon.autostart  false           default",
        "problems (3):",
        "  kind                 where               message",
        "  annotations warning  artifacts.yaml:2:3  Unknown field 'colour' of artifact 'rf' is ignored"
        " (known fields: type, path, virtual, labels, description, custom)",
        "  unparseable          rf@created          Tag 'rf@created' looks like a registry tag but matches"
        " no GTO tag shape",
        "  lightweight          rf@v1.0.0           Tag 'rf@v1.0.0' is lightweight: CI may act on it, but"
        " the registry ignores it (recreate it with 'git tag -a')",
    ]


def test_doctor_reports_a_broken_config_instead_of_failing(cli: Cli, repo: Repo) -> None:
    (repo.path / ".gto").write_text("stages: [dev\n")
    result = cli("doctor", "-r", str(repo.path))
    assert result.code == 1
    assert "\n  config  .gto     Invalid config in .gto: line 1: could not parse YAML" in result.out


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (
            "rf@v1.0.0",
            {"artifact": "rf", "action": "register", "version": "v1.0.0", "stage": None, "counter": None},
        ),
        (
            "rf@v1.0.0!",
            {"artifact": "rf", "action": "deregister", "version": "v1.0.0", "stage": None, "counter": None},
        ),
        (
            "models=rf#prod#3",
            {"artifact": "models:rf", "action": "assign", "version": None, "stage": "prod", "counter": 3},
        ),
        (
            "rf#prod!",
            {"artifact": "rf", "action": "unassign", "version": None, "stage": "prod", "counter": None},
        ),
        (
            "refs/tags/rf@deprecated#2",
            {"artifact": "rf", "action": "deprecate", "version": None, "stage": None, "counter": 2},
        ),
    ],
)
def test_parse_tag(cli: Cli, tag: str, expected: dict[str, object]) -> None:
    result = cli("parse-tag", tag)
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == expected


def test_parse_tag_of_a_non_registry_tag_prints_nothing(cli: Cli, gto_exe: Cli) -> None:
    assert cli("parse-tag", "v1.0.0") == cli("parse-tag", "rf@created")
    result = gto_exe("parse-tag", "release-1")
    assert (result.code, result.out, result.err) == (0, "", "")
    result = gto_exe("parse-tag", "rf#prod#1")
    assert json.loads(result.out)["stage"] == "prod"


def test_version(cli: Cli, gto_exe: Cli) -> None:
    assert cli("--version").out == f"gto {__version__}\n"
    result = gto_exe("--version")
    assert (result.code, result.out, result.err) == (0, f"gto {__version__}\n", "")
