"""Write commands: register, assign/promote, unassign, deregister, deprecate (all modes) and --push."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import Repo

from cli.conftest import Cli

HINT = "To push the changes upstream, run:"


def tag_info(repo: Repo, tag: str) -> str:
    """Tagger, date and message of one tag, as git stores them."""
    return repo.git(
        "for-each-ref",
        f"refs/tags/{tag}",
        "--format=%(taggername) %(taggeremail) %(taggerdate:raw) %(contents:subject)",
    )


def test_register_through_the_executable(gto_exe: Cli, repo: Repo) -> None:
    result = gto_exe("register", "rf", "-r", str(repo.path))
    assert (result.code, result.err) == (0, "")
    assert result.out == (f"Created git tag 'rf@v0.0.1' that registers a version\n{HINT}\ngit push origin rf@v0.0.1\n")
    assert repo.tags() == ["rf@v0.0.1"]
    assert tag_info(repo, "rf@v0.0.1") == (
        "Alice <alice@example.com> 1767225600 +0000 Registering artifact rf version v0.0.1"
    )


def test_register_numbering_and_options(cli: Cli, repo: Repo) -> None:
    path = str(repo.path)
    assert cli("register", "rf", "--version", "v1.2.3-rc.1", "-r", path).code == 0
    repo.commit()
    assert cli("register", "rf", "-r", path).out.startswith("Created git tag 'rf@v1.2.4' ")
    repo.commit()
    assert cli("register", "rf", "--bump-minor", "-r", path).out.startswith("Created git tag 'rf@v1.3.0' ")
    repo.commit()
    assert cli("register", "rf", "--bump-major", "-r", path).out.startswith("Created git tag 'rf@v2.0.0' ")
    repo.commit()
    assert cli("register", "rf", "--bump-patch", "-r", path).out.startswith("Created git tag 'rf@v2.0.1' ")
    first = repo.git("rev-list", "--max-parents=0", "HEAD")
    result = cli(
        "register",
        "other",
        first,
        "-m",
        "first model",
        "--author",
        "Bob",
        "--author-email",
        "bob@example.com",
        "--simple",
        "false",
        "-r",
        path,
    )
    assert result.out.splitlines()[0] == "Created git tag 'other@v0.0.1#1' that registers a version"
    assert tag_info(repo, "other@v0.0.1#1") == "Bob <bob@example.com> 1767225900 +0000 first model"
    assert repo.git("rev-list", "-n1", "other@v0.0.1#1") == first


def test_register_with_force_registers_a_second_version_on_a_commit(cli: Cli, repo: Repo) -> None:
    cli("register", "rf", "-r", str(repo.path))
    result = cli("register", "rf", "--version", "v1.0.0", "--force", "-r", str(repo.path))
    assert (result.code, result.out.splitlines()[0]) == (
        0,
        "Created git tag 'rf@v1.0.0' that registers a version",
    )


def test_assign_forms(cli: Cli, gto_exe: Cli, repo: Repo) -> None:
    path = str(repo.path)
    result = gto_exe("assign", "rf", "prod", "-r", path)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "Created git tag 'rf@v0.0.1' that registers a version\n"
        "Created git tag 'rf#prod#1' that assigns a stage to 'v0.0.1'\n"
        f"{HINT}\n"
        "git push origin rf@v0.0.1 'rf#prod#1'\n"
    )
    assert cli("assign", "rf", "--stage", "dev", "-r", path).out.splitlines()[0] == (
        "Created git tag 'rf#dev#2' that assigns a stage to 'v0.0.1'"
    )
    assert cli("promote", "rf", "staging", "--version", "v0.0.1", "-r", path).out.splitlines()[0] == (
        "Created git tag 'rf#staging#3' that assigns a stage to 'v0.0.1'"
    )
    assert cli("assign", "rf", "qa", "HEAD", "--simple", "true", "-r", path).out.splitlines()[0] == (
        "Created git tag 'rf#qa' that assigns a stage to 'v0.0.1'"
    )
    result = cli("assign", "rf", "prod", "--version", "v0.0.1", "--force", "-m", "again", "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf#prod#4' that assigns a stage to 'v0.0.1'"
    assert tag_info(repo, "rf#prod#4").endswith(" again")


def test_assign_registers_a_new_commit_with_the_given_version_or_skips_registration(cli: Cli, repo: Repo) -> None:
    path = str(repo.path)
    cli("register", "rf", "-r", path)
    second = repo.commit()
    result = cli("assign", "rf", "--stage", "prod", "HEAD", "--version", "v1.0.0", "-r", path)
    assert result.out.splitlines()[:2] == [
        "Created git tag 'rf@v1.0.0' that registers a version",
        "Created git tag 'rf#prod#1' that assigns a stage to 'v1.0.0'",
    ]
    third = repo.commit()
    result = cli("assign", "rf", "dev", "--sr", "-r", path)
    assert result.out.splitlines()[0] == f"Created git tag 'rf#dev#2' that assigns a stage to '{third}'"
    assert cli("which", "rf", "dev", "-r", path).out == f"{third}\n"
    result = cli("assign", "rf", "qa", second, "--skip-registration", "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf#qa#3' that assigns a stage to 'v1.0.0'"


def test_unassign_and_its_delete(cli: Cli, gto_exe: Cli, repo: Repo) -> None:
    path = str(repo.path)
    cli("assign", "rf", "prod", "-r", path)
    result = gto_exe("unassign", "rf", "v0.0.1", "prod", "-r", path)
    assert result.out == (
        f"Created git tag 'rf#prod!#2' that unassigns a stage from 'v0.0.1'\n{HINT}\ngit push origin 'rf#prod!#2'\n"
    )
    assert cli("which", "rf", "prod", "-r", path).out == ""
    cli("assign", "rf", "prod", "--version", "v0.0.1", "-r", path)
    assert cli("unassign", "rf", "v0.0.1", "prod", "--simple", "true", "-r", path).out.splitlines()[0] == (
        "Created git tag 'rf#prod!' that unassigns a stage from 'v0.0.1'"
    )
    result = cli("unassign", "rf", "v0.0.1", "prod", "--delete", "-r", path)
    assert (
        result.out
        == (
            "Deleted git tag 'rf#prod!' that unassigned a stage from 'v0.0.1'.\n"
            "Deleted git tag 'rf#prod!#2' that unassigned a stage from 'v0.0.1'.\n"
            "Deleted git tag 'rf#prod#1' that assigned a stage to 'v0.0.1'.\n"
            "Deleted git tag 'rf#prod#3' that assigned a stage to 'v0.0.1'.\n"
            f"{HINT}\n"
            "git push origin --delete 'rf#prod!' 'rf#prod!#2' 'rf#prod#1' 'rf#prod#3'\n"
        )
        or result.out.count("Deleted git tag") == 4
    )
    assert repo.tags() == ["rf@v0.0.1"]


def test_deregister_and_its_delete(cli: Cli, gto_exe: Cli, repo: Repo) -> None:
    path = str(repo.path)
    cli("assign", "rf", "prod", "-r", path)
    result = gto_exe("deregister", "rf", "v0.0.1", "-r", path)
    assert result.out == (
        f"Created git tag 'rf@v0.0.1!' that deregisters a version\n{HINT}\ngit push origin 'rf@v0.0.1!'\n"
    )
    assert cli("show", "rf", "--version", "-r", path).out == ""
    result = cli("deregister", "rf", "v0.0.1", "--delete", "-r", path)
    assert sorted(result.out.splitlines()[:3]) == [
        "Deleted git tag 'rf#prod#1' that assigned a stage to 'v0.0.1'.",
        "Deleted git tag 'rf@v0.0.1!' that deregistered a version.",
        "Deleted git tag 'rf@v0.0.1' that registered a version.",
    ]
    assert repo.tags() == []


def test_deprecate_in_each_mode(cli: Cli, gto_exe: Cli, repo: Repo) -> None:
    path = str(repo.path)
    cli("assign", "rf", "prod", "-r", path)
    assert cli("deprecate", "rf", "v0.0.1", "prod", "-r", path).out.splitlines()[0] == (
        "Created git tag 'rf#prod!#2' that unassigns a stage from 'v0.0.1'"
    )
    assert cli("deprecate", "rf", "v0.0.1", "-r", path).out.splitlines()[0] == (
        "Created git tag 'rf@v0.0.1!' that deregisters a version"
    )
    result = gto_exe("deprecate", "rf", "-r", path)
    assert result.out == (
        f"Created git tag 'rf@deprecated' that deprecates an artifact\n{HINT}\ngit push origin rf@deprecated\n"
    )
    assert cli("show", "--name", "-r", path).out == ""
    result = cli("deprecate", "rf", "--force", "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf@deprecated#3' that deprecates an artifact"
    result = cli("deprecate", "rf", "--delete", "-r", path)
    assert result.code == 0
    assert result.out.splitlines()[-1] == (
        "git push origin --delete 'rf#prod!#2' 'rf#prod#1' rf@deprecated 'rf@deprecated#3' rf@v0.0.1 'rf@v0.0.1!'"
    )
    assert repo.tags() == []


def test_deprecate_delete_of_a_stage_and_of_a_version(cli: Cli, repo: Repo) -> None:
    path = str(repo.path)
    cli("assign", "rf", "prod", "-r", path)
    cli("assign", "rf", "dev", "-r", path)
    assert cli("deprecate", "rf", "v0.0.1", "dev", "--delete", "-r", path).out.splitlines()[0] == (
        "Deleted git tag 'rf#dev#2' that assigned a stage to 'v0.0.1'."
    )
    assert repo.tags() == ["rf#prod#1", "rf@v0.0.1"]
    assert cli("deprecate", "rf", "v0.0.1", "--delete", "-r", path).code == 0
    assert repo.tags() == []


# --- pushing -----------------------------------------------------------------------------------


@pytest.fixture
def remote(repo: Repo, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    repo.git("remote", "add", "backup", str(bare))
    return bare


def remote_tags(bare: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-remote", "--tags", str(bare)], capture_output=True, text=True, check=True)
    return sorted(line.split("refs/tags/")[1] for line in listed.stdout.splitlines() if "^{}" not in line)


def test_push_sends_exactly_the_created_and_deleted_tags(cli: Cli, gto_exe: Cli, repo: Repo, remote: Path) -> None:
    path = str(repo.path)
    cli("register", "local-only", "-r", path)
    result = gto_exe("assign", "rf", "prod", "--push", "-r", path)
    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "Created git tag 'rf@v0.0.1' that registers a version\n"
        "Created git tag 'rf#prod#1' that assigns a stage to 'v0.0.1'\n"
        "Pushed tags 'rf@v0.0.1', 'rf#prod#1' to remote 'origin'\n"
    )
    assert remote_tags(remote) == ["rf#prod#1", "rf@v0.0.1"]
    result = cli("unassign", "rf", "v0.0.1", "prod", "--delete", "--push", "--remote", "backup", "-r", path)
    assert result.out == (
        "Deleted git tag 'rf#prod#1' that assigned a stage to 'v0.0.1'.\nDeleted tags 'rf#prod#1' on remote 'backup'\n"
    )
    assert remote_tags(remote) == ["rf@v0.0.1"]
    assert "local-only@v0.0.1" in repo.tags()


def test_hint_names_the_chosen_remote(cli: Cli, repo: Repo) -> None:
    result = cli("register", "rf", "--remote", "upstream", "-r", str(repo.path))
    assert result.out.splitlines()[-1] == "git push upstream rf@v0.0.1"


def test_failed_push_keeps_the_local_tag_and_exits_1(gto_exe: Cli, repo: Repo, tmp_path: Path) -> None:
    repo.git("remote", "add", "origin", str(tmp_path / "missing.git"))
    result = gto_exe("register", "rf", "--push", "-r", str(repo.path))
    assert result.code == 1
    assert result.out == "Created git tag 'rf@v0.0.1' that registers a version\n"
    lines = result.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("❌ Pushing to 'origin' failed: ")
    assert lines[1] == "The tag 'rf@v0.0.1' was created locally but not pushed to 'origin'"
    assert repo.tags() == ["rf@v0.0.1"]


def test_common_options_of_unassign_deregister_and_deprecate(cli: Cli, repo: Repo) -> None:
    path = str(repo.path)
    cli("assign", "rf", "prod", "-r", path)
    who = ["--author", "Bob", "--author-email", "bob@example.com"]
    result = cli("unassign", "rf", "v0.0.1", "prod", "-m", "roll back", *who, "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf#prod!#2' that unassigns a stage from 'v0.0.1'"
    assert tag_info(repo, "rf#prod!#2") == "Bob <bob@example.com> 1767225660 +0000 roll back"
    # Already unassigned: only --force writes another tag.
    assert cli("unassign", "rf", "v0.0.1", "prod", "-r", path).code == 1
    result = cli("unassign", "rf", "v0.0.1", "prod", "--force", "--simple", "true", "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf#prod!' that unassigns a stage from 'v0.0.1'"
    result = cli("deregister", "rf", "v0.0.1", "--simple", "false", "-m", "gone", *who, "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf@v0.0.1!#3' that deregisters a version"
    assert tag_info(repo, "rf@v0.0.1!#3") == "Bob <bob@example.com> 1767225840 +0000 gone"
    result = cli("deregister", "rf", "v0.0.1", "--force", "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf@v0.0.1!' that deregisters a version"
    result = cli("deprecate", "rf", "--simple", "false", "-m", "retired", *who, "-r", path)
    assert result.out.splitlines()[0] == "Created git tag 'rf@deprecated#4' that deprecates an artifact"
    assert tag_info(repo, "rf@deprecated#4") == "Bob <bob@example.com> 1767225960 +0000 retired"
