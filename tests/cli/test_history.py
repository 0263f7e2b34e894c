"""``gto history``: every event, of one artifact, of one version or stage (SPEC §5)."""

from __future__ import annotations

import json

import pytest
from conftest import Repo

from cli.conftest import Cli, Registry


def expected_table(registry: Registry) -> str:
    c1, c2, c3 = registry.c1[:7], registry.c2[:7], registry.c3[:7]
    return (
        "╒═════════════════════╤════════════╤════════════════╤═════════════╤═════════╤══════════╤═════════════════╕\n"  # noqa: E501
        "│ timestamp           │ artifact   │ event          │ version     │ stage   │ commit   │ ref             │\n"  # noqa: E501
        "╞═════════════════════╪════════════╪════════════════╪═════════════╪═════════╪══════════╪═════════════════╡\n"  # noqa: E501
        f"│ 2023-11-14 22:31:40 │ seg        │ deprecation    │ -           │ -       │ {c3}  │ seg@deprecated  │\n"  # noqa: E501
        f"│ 2023-11-14 22:30:00 │ seg        │ registration   │ v0.1.0-rc.1 │ -       │ {c3}  │ seg@v0.1.0-rc.1 │\n"  # noqa: E501
        f"│ 2023-11-14 22:28:20 │ nn         │ assignment     │ {c3}     │ dev     │ {c3}  │ nn#dev#1        │\n"  # noqa: E501
        f"│ 2023-11-14 22:26:40 │ rf         │ deregistration │ v0.9.0      │ -       │ {c3}  │ rf@v0.9.0!      │\n"  # noqa: E501
        f"│ 2023-11-14 22:25:00 │ rf         │ registration   │ v0.9.0      │ -       │ {c3}  │ rf@v0.9.0       │\n"  # noqa: E501
        f"│ 2023-11-14 22:23:20 │ rf         │ assignment     │ v1.0.0      │ dev     │ {c1}  │ rf#dev#4        │\n"  # noqa: E501
        f"│ 2023-11-14 22:22:20 │ rf         │ commit         │ v0.9.0      │ -       │ {c3}  │ -               │\n"  # noqa: E501
        f"│ 2023-11-14 22:22:20 │ nn         │ commit         │ {c3}     │ -       │ {c3}  │ -               │\n"  # noqa: E501
        f"│ 2023-11-14 22:21:40 │ rf         │ assignment     │ v1.1.0      │ staging │ {c2}  │ rf#staging#3    │\n"  # noqa: E501
        f"│ 2023-11-14 22:20:00 │ rf         │ assignment     │ v1.1.0      │ dev     │ {c2}  │ rf#dev#2        │\n"  # noqa: E501
        f"│ 2023-11-14 22:18:20 │ rf         │ assignment     │ v1.0.0      │ prod    │ {c1}  │ rf#prod#1       │\n"  # noqa: E501
        f"│ 2023-11-14 22:16:40 │ rf         │ registration   │ v1.1.0      │ -       │ {c2}  │ rf@v1.1.0       │\n"  # noqa: E501
        f"│ 2023-11-14 22:15:00 │ rf         │ registration   │ v1.0.0      │ -       │ {c1}  │ rf@v1.0.0       │\n"  # noqa: E501
        "╘═════════════════════╧════════════╧════════════════╧═════════════╧═════════╧══════════╧═════════════════╛\n"  # noqa: E501
    )


def test_whole_history_through_the_executable(gto_exe: Cli, registry: Registry) -> None:
    result = gto_exe("history", "-r", registry.path)
    assert (result.code, result.err) == (0, "")
    assert result.out == expected_table(registry)


def test_ascending_reverses_the_order(cli: Cli, registry: Registry) -> None:
    rows = expected_table(registry).splitlines()[3:-1]
    ascending = cli("history", "--ascending", "-r", registry.path).out.splitlines()[3:-1]
    # Events of equal time, kind and tag (the two commit events) keep their relative order.
    assert sorted(ascending) == sorted(rows)
    assert ascending[0] == rows[-1] and ascending[-1] == rows[0]
    assert [row[:21] for row in ascending] == sorted(row[:21] for row in rows)


def test_plain_history_of_a_stage(cli: Cli, registry: Registry) -> None:
    assert cli("history", "rf#dev", "--plain", "-r", registry.path).out == (
        "timestamp            artifact    event       version    stage    commit    ref\n"
        f"2023-11-14 22:23:20  rf          assignment  v1.0.0     dev      {registry.c1[:7]}   rf#dev#4\n"
        f"2023-11-14 22:20:00  rf          assignment  v1.1.0     dev      {registry.c2[:7]}   rf#dev#2\n"
    )


@pytest.mark.parametrize(
    ("name", "refs"),
    [
        ("rf@v1.1.0", ["rf#staging#3", "rf#dev#2", "rf@v1.1.0"]),
        ("rf@latest", ["rf#staging#3", "rf#dev#2", "rf@v1.1.0"]),
        ("rf@v0.9.0", ["rf@v0.9.0!", "rf@v0.9.0", None]),
        ("rf#prod", ["rf#prod#1"]),
        ("seg", ["seg@deprecated", "seg@v0.1.0-rc.1"]),
        ("ds", []),
    ],
)
def test_history_of_shortcuts_as_json(cli: Cli, registry: Registry, name: str, refs: list[str | None]) -> None:
    result = cli("history", name, "--json", "-r", registry.path)
    assert result.code == 0
    assert [event["ref"] for event in json.loads(result.out)] == refs


def test_json_shape(cli: Cli, registry: Registry) -> None:
    events = json.loads(cli("history", "nn", "--json", "-r", registry.path).out)
    assert events == [
        {
            "timestamp": "2023-11-14T22:28:20+00:00",
            "artifact": "nn",
            "event": "assignment",
            "version": registry.c3,
            "stage": "dev",
            "commit": registry.c3,
            "author": "Alice",
            "author_email": "alice@example.com",
            "message": "message of nn#dev#1",
            "ref": "nn#dev#1",
        },
        {
            "timestamp": "2023-11-14T22:22:20+00:00",
            "artifact": "nn",
            "event": "commit",
            "version": registry.c3,
            "stage": None,
            "commit": registry.c3,
            "author": "Alice",
            "author_email": "alice@example.com",
            "message": "annotate",
            "ref": None,
        },
    ]


def test_times_follow_the_reader_zone(cli: Cli, registry: Registry) -> None:
    result = cli("history", "rf#prod", "--plain", "-r", registry.path, environ={"TZ": "America/New_York"})
    assert result.out.splitlines()[1].startswith("2023-11-14 17:18:20  rf")
    as_json = cli("history", "rf#prod", "--json", "-r", registry.path, environ={"TZ": "America/New_York"})
    assert json.loads(as_json.out)[0]["timestamp"] == "2023-11-14T22:18:20+00:00"


def test_empty_history(cli: Cli, registry: Registry) -> None:
    assert cli("history", "ds", "-r", registry.path).out == "Nothing found in the current workspace\n"
    assert cli("history", "ds", "--json", "-r", registry.path).out == "[]\n"
    assert cli("history", "rf", "--json", "--plain", "-r", registry.path).code == 2


def test_answers_follow_new_tags_and_commits(cli: Cli, repo: Repo) -> None:
    # A daemon remembers answers per registry and what it read of a commit per commit id: each
    # change below must show in the next answer, exactly as a fresh local read shows it.
    path = str(repo.path)

    def events() -> list[tuple[str, str | None, str]]:
        return [
            (e["event"], e["version"], e["message"]) for e in json.loads(cli("history", "rf", "--json", "-r", path).out)
        ]

    def latest() -> list[tuple[str, str | None, dict[str, str | None]]]:
        view = json.loads(cli("show", "--json", "-r", path).out)
        return [(name, row["version"], row["stage"]) for name, row in view.items()]

    repo.commit({"artifacts.yaml": "rf:\n  type: model\n"}, message="add rf")
    repo.tag("rf@v1.0.0")
    first = [("registration", "v1.0.0", "rf@v1.0.0"), ("commit", "v1.0.0", "add rf")]
    assert events() == events() == first
    assert latest() == latest() == [("rf", "v1.0.0", {})]
    # A new commit alone changes no answer; its registration adds a commit event.
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n  path: m.pkl\n"}, message="move rf")
    assert events() == first
    repo.tag("rf@v1.1.0")
    repo.tag("rf#prod#1")
    second = [
        ("assignment", "v1.1.0", "rf#prod#1"),
        ("registration", "v1.1.0", "rf@v1.1.0"),
        ("commit", "v1.1.0", "move rf"),
        *first,
    ]
    assert events() == second
    assert latest() == [("rf", "v1.1.0", {"prod": "v1.1.0"})]
    assert cli("history", "rf#prod", "--plain", "-r", path).out.splitlines()[1].split()[-1] == "rf#prod#1"
    # A version commit whose file no longer lists the artifact has no commit event.
    repo.commit({"artifacts.yaml": "nn:\n  type: model\n"}, message="drop rf")
    repo.tag("rf@v1.2.0")
    assert events() == [("registration", "v1.2.0", "rf@v1.2.0"), *second]
    assert latest() == [("nn", None, {"prod": None}), ("rf", "v1.2.0", {"prod": "v1.1.0"})]
