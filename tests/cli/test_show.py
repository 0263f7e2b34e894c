"""``gto show``: the registry view, the artifact view, shortcuts and every option (SPEC §5)."""

from __future__ import annotations

import json

import pytest

from cli.conftest import Cli, Registry


def test_registry_table_through_the_executable(gto_exe: Cli, registry: Registry) -> None:
    result = gto_exe("show", "-r", registry.path)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "╒════════╤══════════╤═════════╤═════════╤════════════╕\n"
        "│ name   │ latest   │ #dev    │ #prod   │ #staging   │\n"
        "╞════════╪══════════╪═════════╪═════════╪════════════╡\n"
        "│ ds     │ -        │ -       │ -       │ -          │\n"
        f"│ nn     │ -        │ {registry.c3[:7]} │ -       │ -          │\n"
        "│ rf     │ v1.1.0   │ v1.0.0  │ v1.0.0  │ v1.1.0     │\n"
        "╘════════╧══════════╧═════════╧═════════╧════════════╛\n"
    )


def test_registry_plain(cli: Cli, registry: Registry) -> None:
    result = cli("show", "--plain", "-r", registry.path)
    assert result.out == (
        "name    latest    #dev     #prod    #staging\n"
        "ds      -         -        -        -\n"
        f"nn      -         {registry.c3[:7]}  -        -\n"
        "rf      v1.1.0    v1.0.0   v1.0.0   v1.1.0\n"
    )


def test_registry_json(cli: Cli, registry: Registry) -> None:
    result = cli("show", "--json", "-r", registry.path)
    assert result.code == 0
    no_stage = {"dev": None, "prod": None, "staging": None}
    assert json.loads(result.out) == {
        "ds": {"version": None, "stage": no_stage, "registered": False, "active": True},
        "nn": {
            "version": None,
            "stage": {**no_stage, "dev": registry.c3},
            "registered": False,
            "active": True,
        },
        "rf": {
            "version": "v1.1.0",
            "stage": {"dev": "v1.0.0", "prod": "v1.0.0", "staging": "v1.1.0"},
            "registered": True,
            "active": True,
        },
    }
    assert result.out == json.dumps(json.loads(result.out), indent=2, ensure_ascii=False) + "\n"


def test_deprecated_artifacts_only_with_d(cli: Cli, registry: Registry) -> None:
    assert "seg" not in cli("show", "--name", "-r", registry.path).out
    result = cli("show", "-d", "--plain", "-r", registry.path)
    assert result.out.splitlines()[-1] == "seg     v0.1.0-rc.1  -        -        -"
    assert json.loads(cli("show", "--deprecated", "--json", "-r", registry.path).out)["seg"]["active"] is False


def test_registered_only_hides_commit_versions(cli: Cli, registry: Registry) -> None:
    for flag in ("--ro", "--registered-only"):
        lines = cli("show", flag, "--plain", "-r", registry.path).out.splitlines()
        assert lines[2] == "nn      -         -       -        -"


def test_name_and_version_columns_of_the_registry(cli: Cli, registry: Registry) -> None:
    assert cli("show", "--name", "-r", registry.path).out == "ds\nnn\nrf\n"
    assert cli("show", "--version", "-r", registry.path).out == "v1.1.0\n"


def test_artifact_table(cli: Cli, registry: Registry) -> None:
    result = cli("show", "rf", "-r", registry.path)
    assert result.out == (
        "╒════════════╤═══════════╤═══════════╤═════════════════════╤═══════════╕\n"
        "│ artifact   │ version   │ stage     │ created_at          │ ref       │\n"
        "╞════════════╪═══════════╪═══════════╪═════════════════════╪═══════════╡\n"
        "│ rf         │ v1.1.0    │ staging   │ 2023-11-14 22:16:40 │ rf@v1.1.0 │\n"
        "│ rf         │ v1.0.0    │ dev, prod │ 2023-11-14 22:15:00 │ rf@v1.0.0 │\n"
        "╘════════════╧═══════════╧═══════════╧═════════════════════╧═══════════╛\n"
    )


def test_artifact_plain_and_commit_versions_shortened(cli: Cli, registry: Registry) -> None:
    assert cli("show", "nn", "--plain", "-r", registry.path).out == (
        "artifact    version    stage    created_at           ref\n"
        f"nn          {registry.c3[:7]}    dev      2023-11-14 22:28:20  nn#dev#1\n"
    )


def test_artifact_times_follow_the_reader_time_zone(
    gto_exe: Cli, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    lines = gto_exe("show", "rf", "--plain", "-r", registry.path).out.splitlines()
    assert lines[1] == "rf          v1.1.0     staging    2023-11-15 07:16:40  rf@v1.1.0"


def test_artifact_json(cli: Cli, registry: Registry) -> None:
    assert json.loads(cli("show", "rf", "--json", "-r", registry.path).out) == [
        {
            "artifact": "rf",
            "version": "v1.1.0",
            "stage": "staging",
            "created_at": "2023-11-14T22:16:40+00:00",
            "ref": "rf@v1.1.0",
            "commit": registry.c2,
            "registered": True,
            "author": "Alice",
            "author_email": "alice@example.com",
        },
        {
            "artifact": "rf",
            "version": "v1.0.0",
            "stage": "dev, prod",
            "created_at": "2023-11-14T22:15:00+00:00",
            "ref": "rf@v1.0.0",
            "commit": registry.c1,
            "registered": True,
            "author": "Alice",
            "author_email": "alice@example.com",
        },
    ]
    assert json.loads(cli("show", "ds", "--json", "-r", registry.path).out) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["rf", "--name"], "rf\nrf\n"),
        (["rf", "--version"], "v1.1.0\nv1.0.0\n"),
        (["rf", "--stage"], "staging\ndev, prod\n"),
        (["rf", "--ref"], "rf@v1.1.0\nrf@v1.0.0\n"),
        (["rf@latest", "--version"], "v1.1.0\n"),
        (["rf@greatest", "--ref"], "rf@v1.1.0\n"),
        (["rf@v1.0.0", "--version"], "v1.0.0\n"),
        (["rf@v1.0.0", "--stage"], "dev, prod\n"),
        (["rf#prod", "--version"], "v1.0.0\n"),
        (["rf#staging", "--ref"], "rf@v1.1.0\n"),
        (["rf#qa", "--version"], ""),
        (["rf@v9.9.9", "--version"], ""),
        (["nn", "--version"], None),
    ],
)
def test_shortcuts_and_single_columns(cli: Cli, registry: Registry, args: list[str], expected: str | None) -> None:
    result = cli("show", *args, "-r", registry.path)
    assert (result.code, result.err) == (0, "")
    assert result.out == (expected if expected is not None else registry.c3 + "\n")


def test_versions_per_stage_assignments_per_version_and_sort(cli: Cli, registry: Registry) -> None:
    def stages(*args: str) -> str:
        return cli("show", "rf", "--stage", *args, "-r", registry.path).out

    assert stages("--vs", "-1") == "staging, dev\ndev, prod\n"
    assert stages("--versions-per-stage", "-1", "--av", "1") == "staging\ndev\n"
    assert stages("--vs", "-1", "--assignments-per-version", "1") == "staging\ndev\n"
    assert stages("--sort", "semver") == "staging, dev\nprod\n"
    assert stages("--av", "0") == "-\n-\n"
    kanban = cli("show", "--av", "1", "--vs", "-1", "--plain", "-r", registry.path).out.splitlines()
    assert kanban[3] == "rf      v1.1.0    v1.0.0   -        v1.1.0"


def test_empty_registry_says_nothing_found(cli: Cli, make_repo: object) -> None:
    repo = make_repo()  # type: ignore[operator]
    for args in ([], ["--plain"]):
        result = cli("show", *args, "-r", str(repo.path))
        assert (result.code, result.out, result.err) == (0, "Nothing found in the current workspace\n", "")
    assert cli("show", "--json", "-r", str(repo.path)).out == "{}\n"


def test_unknown_artifact_and_invalid_shortcuts_are_errors(cli: Cli, registry: Registry) -> None:
    result = cli("show", "nope", "-r", registry.path)
    assert (result.code, result.out, result.err) == (1, "", "❌ Cannot find artifact 'nope'\n")
    result = cli("show", "rf@1.0", "-r", registry.path)
    assert (result.code, result.out, result.err) == (1, "", "❌ Supplied version '1.0' cannot be parsed\n")
    result = cli("show", "rf#-bad", "-r", registry.path)
    assert result.code == 1
    assert result.err.startswith("❌ Invalid stage name '-bad'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--json", "--plain"],
            "Error: Invalid value for '--plain': use only one of --json, --plain, --name, --version, --stage, --ref",
        ),
        (["--stage"], "Error: Invalid value for '--stage': needs an artifact NAME"),
        (["--ref"], "Error: Invalid value for '--ref': needs an artifact NAME"),
        (
            ["--av", "-2"],
            "Error: Invalid value for '--av' /"
            " '--assignments-per-version': Input should be greater than or equal to -1",
        ),
        (
            ["--vs", "-5"],
            "Error: Invalid value for '--vs' / '--versions-per-stage': Input should be greater than or equal to -1",
        ),
        (
            ["--sort", "newest"],
            "Error: Invalid value for '--sort': Value error, 'newest' is not one of 'timestamp', 'semver'.",
        ),
    ],
)
def test_usage_errors_exit_2(cli: Cli, registry: Registry, args: list[str], message: str) -> None:
    result = cli("show", *args, "-r", registry.path)
    assert (result.code, result.out) == (2, "")
    assert result.err.splitlines() == [
        "Usage: gto show [OPTIONS] [NAME]",
        "Try 'gto show -h' for help.",
        "",
        message,
    ]
