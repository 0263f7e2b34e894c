"""Every error of SPEC §4 reaches the user as one line on stderr, exit 1, and changes nothing.

Also: usage errors (exit 2), unexpected errors with and without ``--traceback``, broken
``.gto`` and ``artifacts.yaml``, directories outside git, and ``GTO_EMOJIS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo

from cli.conftest import Cli, DaemonPool, isolate, run_in_process

T0 = 1_700_000_000
GTO_CONFIG = "stages: [dev, staging, prod]\ntypes: [model, dataset]\n"
ANNOTATIONS = "rf:\n  type: model\n  path: models/rf.pkl\n"


def build_setup(repo: Repo) -> Repo:
    """rf@v0.0.1 in prod on HEAD~1; 'old' deprecated; 'gone' v1.0.0 deregistered; a restrictive .gto."""
    repo.git("init", "-q", "-b", "main")
    repo.commit({"artifacts.yaml": ANNOTATIONS, "models/rf.pkl": "rf\n"}, message="annotate")
    for offset, tag in enumerate(
        ["rf@v0.0.1", "rf#prod#1", "old@v1.0.0", "old@deprecated", "gone@v1.0.0", "gone@v1.0.0!"], start=1
    ):
        repo.tag(tag, date=T0 + offset)
    repo.commit()
    (repo.path / ".gto").write_text(GTO_CONFIG)
    return repo


@pytest.fixture
def setup(tmp_path: Path) -> Repo:
    """A fresh copy for tests that change the repository."""
    (tmp_path / "setup").mkdir()
    return build_setup(Repo(tmp_path / "setup"))


@pytest.fixture(scope="module")
def shared_setup(tmp_path_factory: pytest.TempPathFactory, daemons: DaemonPool) -> Iterator[Repo]:
    """One copy for the error cases, which must leave it unchanged (each case checks that)."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        path = tmp_path_factory.mktemp("errors") / "repo"
        path.mkdir()
        built = build_setup(Repo(path))
    daemons.share(str(built.path))
    yield built


def snapshot(repo: Repo) -> tuple[list[str], str]:
    return repo.tags(), (repo.path / "artifacts.yaml").read_text()


ERRORS = [
    (
        ["register", "bad name!"],
        "Invalid artifact name 'bad name!': use NAME or DIR:NAME,"
        " where NAME has letters and digits with '-', '_' or '/' only inside",
    ),
    (
        ["register", "rf", "HEAD~1", "--version", "v0.0.2"],
        "'rf' is already registered in this commit with version 'v0.0.1'",
    ),
    (["register", "rf", "--version", "v0.0.1"], "Version 'v0.0.1' already was registered."),
    (["register", "gone", "--version", "v1.0.0"], "Version 'v1.0.0' already was registered."),
    (["register", "rf", "--version", "1.0.0"], "Supplied version '1.0.0' cannot be parsed"),
    (["register", "rf", "--version", "v1.0"], "Supplied version 'v1.0' cannot be parsed"),
    (["register", "rf", "no-such-ref"], "Ref 'no-such-ref' does not resolve to a commit"),
    (
        ["register", "rf", "--version", "v1.0.0", "--bump-major"],
        "Use only one of --version, --bump-major, --bump-minor and --bump-patch",
    ),
    (
        ["register", "new", "--bump-minor"],
        "Cannot bump the first version of an artifact: give --version, or leave out the bump flag to start at v0.0.1",
    ),
    (
        ["assign", "rf", "qa", "--version", "v0.0.1"],
        "Stage 'qa' is not allowed. Allowed stages are: dev, staging, prod",
    ),
    (
        ["assign", "rf", "prod", "--version", "v0.0.1"],
        "Version 'v0.0.1' is already in stage 'prod'. Use --force to create a new tag anyway.",
    ),
    (["assign", "rf", "dev", "--version", "v0.0.9"], "Version 'v0.0.9' of artifact 'rf' is not registered"),
    (["assign", "rf", "dev", "no-such-ref"], "Ref 'no-such-ref' does not resolve to a commit"),
    (
        ["promote", "rf", "--stage", "prod", "HEAD~1"],
        "Version 'v0.0.1' is already in stage 'prod'. Use --force to create a new tag anyway.",
    ),
    (["unassign", "rf", "v0.0.1", "dev"], "Stage 'dev' is not assigned to version 'v0.0.1'"),
    (["unassign", "rf", "v0.0.1", "dev", "--delete"], "Stage 'dev' was never assigned to version 'v0.0.1'"),
    (["unassign", "nope", "v0.0.1", "prod"], "Cannot find artifact 'nope'"),
    (["deregister", "nope", "v1.0.0"], "Cannot find artifact 'nope'"),
    (["deregister", "rf", "v0.0.9"], "Version 'v0.0.9' of artifact 'rf' is not registered"),
    (["deregister", "gone", "v1.0.0"], "Version 'v1.0.0' of artifact 'gone' is already deregistered"),
    (["deprecate", "old"], "Artifact 'old' is already deprecated"),
    (["deprecate", "nope"], "Cannot find artifact 'nope'"),
    (["deprecate", "nope", "--delete"], "Cannot find artifact 'nope'"),
    (["deprecate", "rf", "v0.0.9"], "Version 'v0.0.9' of artifact 'rf' is not registered"),
    (["deprecate", "rf", "v0.0.1", "dev"], "Stage 'dev' is not assigned to version 'v0.0.1'"),
    (
        ["annotate", "other", "--path", "models/rf.pkl"],
        "Path 'models/rf.pkl' is already used by artifact 'rf'",
    ),
    (
        ["annotate", "other", "--path", "models"],
        "Path 'models' is already used by artifact 'rf' (it contains 'models/rf.pkl')",
    ),
    (["annotate", "rf", "--path", "missing.bin", "--must-exist"], "Path 'missing.bin' does not exist"),
    (
        ["annotate", "rf", "--type", "script"],
        "Type 'script' is not allowed. Allowed types are: model, dataset",
    ),
    (
        ["annotate", "bad name!"],
        "Invalid artifact name 'bad name!': use NAME or DIR:NAME,"
        " where NAME has letters and digits with '-', '_' or '/' only inside",
    ),
    (["remove", "nope"], "Cannot find artifact 'nope'"),
    (["show", "nope"], "Cannot find artifact 'nope'"),
    (["history", "nope"], "Cannot find artifact 'nope'"),
    (["latest", "nope"], "Cannot find artifact 'nope'"),
    (["which", "nope", "prod"], "Cannot find artifact 'nope'"),
    (["describe", "nope"], "Cannot find artifact 'nope'"),
    (["describe", "rf", "--rev", "no-such-ref"], "Ref 'no-such-ref' does not resolve to a commit"),
]


@pytest.mark.parametrize(("args", "message"), ERRORS, ids=[" ".join(args) for args, _ in ERRORS])
def test_errors_are_one_line_exit_1_and_change_nothing(
    cli: Cli, shared_setup: Repo, args: list[str], message: str
) -> None:
    before = snapshot(shared_setup)
    result = cli(*args, "-r", str(shared_setup.path))
    assert (result.code, result.out, result.err) == (1, "", f"❌ {message}\n")
    assert snapshot(shared_setup) == before


def test_an_error_through_the_executable(gto_exe: Cli, setup: Repo) -> None:
    before = snapshot(setup)
    result = gto_exe("deprecate", "old", "-r", str(setup.path))
    assert (result.code, result.out, result.err) == (1, "", "❌ Artifact 'old' is already deprecated\n")
    assert snapshot(setup) == before


def test_not_a_git_repository(cli: Cli, gto_exe: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    for runner in (cli, gto_exe):
        result = runner("show", "-r", str(outside))
        assert (result.code, result.out, result.err) == (1, "", f"❌ '{outside}' is not a git repository\n")
    assert cli("register", "rf", "-r", str(tmp_path / "missing")).code == 1


def test_any_directory_inside_the_work_tree_works(cli: Cli, setup: Repo) -> None:
    result = cli("latest", "rf", "-r", str(setup.path / "models"))
    assert (result.code, result.out) == (0, "v0.0.1\n")


def test_broken_config_is_an_error_naming_the_file(cli: Cli, setup: Repo) -> None:
    (setup.path / ".gto").write_text("stages: [dev\n")
    result = cli("show", "-r", str(setup.path))
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("❌ Invalid config in .gto: line ")
    assert result.err.count("\n") == 1
    (setup.path / ".gto").write_text("stagez: [dev]\n")
    before = snapshot(setup)
    result = cli("register", "rf", "--version", "v9.0.0", "-r", str(setup.path))
    assert result.code == 1 and result.err.startswith("❌ Invalid config in .gto:") and "stagez" in result.err
    assert snapshot(setup) == before
    # --help and --version never read the config.
    assert cli("show", "--help", "-r", str(setup.path)).code == 0
    assert cli("--version").code == 0


def test_broken_annotations_warn_once_and_reads_carry_on(cli: Cli, gto_exe: Cli, setup: Repo) -> None:
    setup.commit({"artifacts.yaml": "rf: [unclosed\n"}, message="break it")
    result = gto_exe("show", "--name", "-r", str(setup.path))
    assert result.code == 0
    assert result.out == "gone\nrf\n"
    assert result.err.startswith("⚠️ artifacts.yaml at HEAD is invalid and was ignored: line ")
    assert result.err.count("\n") == 1
    result = cli("history", "rf", "--json", "-r", str(setup.path), environ={"GTO_EMOJIS": "false"})
    assert result.code == 0
    assert result.err.startswith("artifacts.yaml at HEAD is invalid and was ignored: line ")


def test_annotate_refuses_a_broken_work_tree_file(cli: Cli, setup: Repo) -> None:
    (setup.path / "artifacts.yaml").write_text("rf: [unclosed\n")
    result = cli("annotate", "rf", "--type", "model", "-r", str(setup.path))
    assert result.code == 1
    assert result.err.startswith("❌ artifacts.yaml is invalid: line ")
    assert (setup.path / "artifacts.yaml").read_text() == "rf: [unclosed\n"


def test_emojis_can_be_switched_off(cli: Cli, setup: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GTO_EMOJIS", "false")
    assert cli("deprecate", "old", "-r", str(setup.path)).err == "Artifact 'old' is already deprecated\n"
    assert cli("check-ref", "rf@v0.0.1", "-r", str(setup.path)).out == (
        'Version "v0.0.1" of artifact "rf" was registered\n'
    )
    assert cli("show", "-r", str(setup.path / "nowhere")).err.startswith("'")
    monkeypatch.delenv("GTO_EMOJIS")
    (setup.path / ".gto").write_text("emojis: false\n")
    assert cli("deprecate", "old", "-r", str(setup.path)).err == "Artifact 'old' is already deprecated\n"


def test_usage_errors_exit_2_with_the_framework_message(cli: Cli, gto_exe: Cli, setup: Repo) -> None:
    result = gto_exe("register", "-r", str(setup.path))
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "Usage: gto register [OPTIONS] {NAME} [REF]\nTry 'gto"
        " register -h' for help.\n\nError: Missing argument 'NAME'.\n"
    )
    result = cli("show", "--no-such-option")
    assert result.code == 2 and result.err.endswith("Error: No such option: --no-such-option\n")
    result = cli("no-such-command")
    assert result.code == 2 and result.err.endswith("Error: No such command 'no-such-command'.\n")
    result = cli("register", "rf", "--simple", "maybe", "-r", str(setup.path))
    assert result.code == 2 and "'maybe' is not one of 'true', 'false', 'auto'" in result.err
    result = cli("assign", "rf", "-r", str(setup.path))
    assert result.code == 2 and result.err.endswith(
        "Error: Invalid value for 'STAGE': missing the stage: give it as an argument or as --stage\n"
    )
    result = cli("assign", "rf", "HEAD", "extra", "--stage", "dev", "-r", str(setup.path))
    assert result.code == 2 and result.err.endswith(
        "Error: Invalid value for '--stage': give the stage either as an argument or as --stage, not both\n"
    )
    result = cli("annotate", "rf", "--custom", "novalue", "-r", str(setup.path))
    assert result.code == 2 and result.err.endswith(
        "Error: Invalid value for '--custom': expected KEY=VALUE, got 'novalue'\n"
    )
    assert setup.tags() == [
        "gone@v1.0.0",
        "gone@v1.0.0!",
        "old@deprecated",
        "old@v1.0.0",
        "rf#prod#1",
        "rf@v0.0.1",
    ]


def test_unexpected_errors_are_one_line_unless_traceback(setup: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    # The failure is injected into this process, so the command must run here, not in a daemon.
    from gto import api

    cli = run_in_process

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api, "load", broken)
    result = cli("show", "-r", str(setup.path))
    assert (result.code, result.out, result.err) == (
        1,
        "",
        "❌ Unexpected error: RuntimeError: disk on fire (run with --traceback for details)\n",
    )
    for args in (["--traceback", "show"], ["show", "--traceback"]):
        result = cli(*args, "-r", str(setup.path))
        assert result.code == 1
        assert result.err.startswith("Traceback (most recent call last):\n")
        assert result.err.endswith("RuntimeError: disk on fire\n❌ Unexpected error: RuntimeError: disk on fire\n")
    # The flag of one command line does not leak into the next.
    assert "Traceback" not in cli("show", "-r", str(setup.path)).err


def test_traceback_also_shows_where_a_gto_error_came_from(cli: Cli, setup: Repo) -> None:
    result = cli("--traceback", "deprecate", "old", "-r", str(setup.path))
    assert result.code == 1
    assert result.err.startswith("Traceback (most recent call last):\n")
    assert result.err.endswith("❌ Artifact 'old' is already deprecated\n")
