"""Tests for gto.annotations: reading artifacts.yaml with problems and spans, merging, checking,
and rewriting one entry while the rest of the file stays as written."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gto.annotations import (
    Annotation,
    check_annotation,
    load_annotations,
    merge_annotation,
    parse_annotations,
    remove_annotation,
    set_annotation,
)
from gto.config import Config
from gto.errors import (
    AnnotationsError,
    ArtifactNotFoundError,
    InvalidNameError,
    PathConflictError,
    TypeNotAllowedError,
)
from gto.positions import Severity, Span

E = Severity.ERROR
W = Severity.WARNING
NAME_RULE = "letters and digits, with '-', '_' or '/' only inside"
FIELDS_HINT = "type, path, virtual, labels, description, custom"

CHURN = """\
# Models of the churn team.
churn:
  type: model
  path: models/churn.pkl
  virtual: false
  labels: [ml, churn]
  description: Predicts churn
  custom:
    owner: alice
    trained: 2024-01-31
"""


# -- reading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "\n\n", "# nothing yet\n# really\n", "{}\n", "~\n", "---\n"])
def test_empty_documents_are_valid_and_empty(text: str | None) -> None:
    document = parse_annotations(text)
    assert (document.entries, document.problems, document.key_spans) == ({}, (), {})


def test_a_full_entry_with_spans() -> None:
    document = parse_annotations(CHURN)
    assert document.problems == ()
    assert document.entries == {
        "churn": Annotation(
            type="model",
            path="models/churn.pkl",
            virtual=False,
            labels=("ml", "churn"),
            description="Predicts churn",
            custom={"owner": "alice", "trained": "2024-01-31"},
        )
    }
    assert document.key_spans == {"churn": Span(1, 0, 1, 5)}
    assert document.field_spans == {
        "churn": {
            "type": Span(2, 8, 2, 13),
            "path": Span(3, 8, 3, 24),
            "virtual": Span(4, 11, 4, 16),
            "labels": Span(5, 10, 5, 21),
            "description": Span(6, 15, 6, 29),
            "custom": Span(8, 4, 9, 23),
        }
    }
    assert document.unknown_fields == {}


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        ("churn:\n", {"churn": Annotation()}),
        ("churn: ~\nrf: {}\n", {"churn": Annotation(), "rf": Annotation()}),
        ("churn:\n  type:\n  labels:\n", {"churn": Annotation()}),
        ("models/nlp:churn: {type: model}\n", {"models/nlp:churn": Annotation(type="model")}),
        ("2024: {}\n", {"2024": Annotation()}),
        ("a: {virtual: no, path: x}\n", {"a": Annotation(virtual=False, path="x")}),
        ("a: {type: M-1/x_y, labels: []}\n", {"a": Annotation(type="M-1/x_y")}),
        (
            "a: {description: '', custom: [1, {b: null}]}\n",
            {"a": Annotation(description="", custom=[1, {"b": None}])},
        ),
        ("a: {description: \"12\", path: '3'}\n", {"a": Annotation(description="12", path="3")}),
        (
            "defaults: &d {type: model, labels: [x]}\nrf:\n  <<: *d\n  type: dataset\n",
            {
                "defaults": Annotation(type="model", labels=("x",)),
                "rf": Annotation(type="dataset", labels=("x",)),
            },
        ),
    ],
)
def test_valid_entries(text: str, entries: dict[str, Annotation]) -> None:
    document = parse_annotations(text)
    assert document.problems == ()
    assert document.entries == entries
    assert list(document.entries) == list(entries)


def problems_of(document: Any) -> list[tuple[str, Span, Severity, str | None, str | None]]:
    return [(p.message, p.span, p.severity, p.field, p.artifact) for p in document.problems]


@pytest.mark.parametrize(
    ("text", "entries", "problems"),
    [
        pytest.param(
            "ok: {}\nbad: [\n",
            [],
            [
                (
                    "could not parse YAML (while parsing a flow node: expected the node content, but found"
                    " '<stream end>')",
                    Span(2, 0, 2, 0),
                    E,
                    None,
                    None,
                )
            ],
            id="yaml-syntax-leaves-no-entries",
        ),
        pytest.param(
            "- churn\n- rf\n",
            [],
            [
                (
                    "The top level must be a mapping of artifact names to entries, got a list",
                    Span(0, 0, 1, 4),
                    E,
                    None,
                    None,
                )
            ],
            id="top-level-list",
        ),
        pytest.param(
            "churn\n",
            [],
            [
                (
                    "The top level must be a mapping of artifact names to entries, got 'churn'",
                    Span(0, 0, 0, 5),
                    E,
                    None,
                    None,
                )
            ],
            id="top-level-scalar",
        ),
        pytest.param(
            "my model: {}\nok: {}\n",
            ["ok"],
            [
                (
                    "Invalid artifact name 'my model': use NAME or DIR:NAME, where NAME has letters and"
                    " digits"
                    " with '-', '_' or '/' only inside",
                    Span(0, 0, 0, 8),
                    E,
                    None,
                    None,
                )
            ],
            id="invalid-name",
        ),
        pytest.param(
            "models/..:x: {}\n",
            [],
            [
                (
                    "Invalid artifact name 'models/..:x': use NAME or DIR:NAME, where NAME has letters and"
                    " digits"
                    " with '-', '_' or '/' only inside",
                    Span(0, 0, 0, 11),
                    E,
                    None,
                    None,
                )
            ],
            id="dir-escaping",
        ),
        pytest.param(
            "? [a, b]\n: {}\n",
            [],
            [("Artifact names must be strings, got a list", Span(0, 2, 0, 8), E, None, None)],
            id="list-as-name",
        ),
        pytest.param(
            "churn: model\nrf: [a]\n",
            [],
            [
                (
                    f"The entry of artifact 'churn' must be a mapping of fields ({FIELDS_HINT}), got 'model'",
                    Span(0, 7, 0, 12),
                    E,
                    None,
                    "churn",
                ),
                (
                    f"The entry of artifact 'rf' must be a mapping of fields ({FIELDS_HINT}), got a list",
                    Span(1, 4, 1, 7),
                    E,
                    None,
                    "rf",
                ),
            ],
            id="entry-not-mapping",
        ),
        pytest.param(
            "a:\n  type: my model\nb:\n  type: 1\nc:\n  type: [x]\n",
            [],
            [
                (
                    f"'type' of artifact 'a' must be a name ({NAME_RULE}), got 'my model'",
                    Span(1, 8, 1, 16),
                    E,
                    "type",
                    "a",
                ),
                (
                    f"'type' of artifact 'b' must be a name ({NAME_RULE}), got 1",
                    Span(3, 8, 3, 9),
                    E,
                    "type",
                    "b",
                ),
                (
                    f"'type' of artifact 'c' must be a name ({NAME_RULE}), got a list",
                    Span(5, 8, 5, 11),
                    E,
                    "type",
                    "c",
                ),
            ],
            id="type-not-name",
        ),
        pytest.param(
            "c:\n  labels: a\nd:\n  labels: [ok, 'b c']\ne:\n  labels:\n    - 3\n",
            [],
            [
                (
                    "'labels' of artifact 'c' must be a list of names, got 'a'",
                    Span(1, 10, 1, 11),
                    E,
                    "labels",
                    "c",
                ),
                (
                    f"Label 'b c' of artifact 'd' is not a name ({NAME_RULE})",
                    Span(3, 15, 3, 20),
                    E,
                    "labels",
                    "d",
                ),
                (f"Label 3 of artifact 'e' is not a name ({NAME_RULE})", Span(6, 6, 6, 7), E, "labels", "e"),
            ],
            id="labels-not-names",
        ),
        pytest.param(
            "e:\n  virtual: maybe\nf:\n  virtual: 1\n",
            [],
            [
                (
                    "'virtual' of artifact 'e' must be true or false, got 'maybe'",
                    Span(1, 11, 1, 16),
                    E,
                    "virtual",
                    "e",
                ),
                (
                    "'virtual' of artifact 'f' must be true or false, got 1",
                    Span(3, 11, 3, 12),
                    E,
                    "virtual",
                    "f",
                ),
            ],
            id="virtual-not-bool",
        ),
        pytest.param(
            "f:\n  path: ''\ng:\n  path: [x]\nh:\n  path: 12\n",
            [],
            [
                (
                    "'path' of artifact 'f' must be a non-empty string, got ''",
                    Span(1, 8, 1, 10),
                    E,
                    "path",
                    "f",
                ),
                (
                    "'path' of artifact 'g' must be a non-empty string, got a list",
                    Span(3, 8, 3, 11),
                    E,
                    "path",
                    "g",
                ),
                (
                    "'path' of artifact 'h' must be a non-empty string, got 12",
                    Span(5, 8, 5, 10),
                    E,
                    "path",
                    "h",
                ),
            ],
            id="path-not-string",
        ),
        pytest.param(
            "h:\n  description: 12\ni:\n  description: {a: 1}\n",
            [],
            [
                (
                    "'description' of artifact 'h' must be a string, got 12",
                    Span(1, 15, 1, 17),
                    E,
                    "description",
                    "h",
                ),
                (
                    "'description' of artifact 'i' must be a string, got a mapping",
                    Span(3, 15, 3, 21),
                    E,
                    "description",
                    "i",
                ),
            ],
            id="description-not-string",
        ),
        pytest.param(
            "i:\n  custom: !thing 1\n",
            [],
            [
                (
                    "'custom' of artifact 'i' cannot be read: could not determine a constructor for the tag '!thing'",
                    Span(1, 10, 1, 18),
                    E,
                    "custom",
                    "i",
                )
            ],
            id="custom-unreadable",
        ),
        pytest.param(
            "j:\n  tpye: m\n  owner: x\n",
            ["j"],
            [
                (
                    "Unknown field 'tpye' of artifact 'j' is ignored (did you mean 'type'?)",
                    Span(1, 2, 1, 6),
                    W,
                    "tpye",
                    "j",
                ),
                (
                    f"Unknown field 'owner' of artifact 'j' is ignored (known fields: {FIELDS_HINT})",
                    Span(2, 2, 2, 7),
                    W,
                    "owner",
                    "j",
                ),
            ],
            id="unknown-fields-warn",
        ),
        pytest.param(
            "k:\n  extra: !thing 1\n",
            [],
            [
                (
                    "'extra' of artifact 'k' cannot be read: could not determine a constructor for the tag '!thing'",
                    Span(1, 9, 1, 17),
                    E,
                    "extra",
                    "k",
                )
            ],
            id="unknown-field-unreadable",
        ),
        pytest.param(
            "a:\n  type: m\nb: {}\na:\n  type: n\n",
            ["a", "b"],
            [("Duplicate artifact 'a': it is already defined on line 1", Span(3, 0, 3, 1), E, None, "a")],
            id="duplicate-artifact-keeps-first",
        ),
        pytest.param(
            "b:\n  type: m\n  type: n\n",
            [],
            [
                (
                    "Duplicate field 'type' of artifact 'b': it is already set on line 2",
                    Span(2, 2, 2, 6),
                    E,
                    "type",
                    "b",
                )
            ],
            id="duplicate-field",
        ),
        pytest.param(
            "x:\n  <<: 3\n",
            [],
            [
                (
                    "The merge key '<<' needs a mapping or a list of mappings, got 3",
                    Span(1, 6, 1, 7),
                    E,
                    None,
                    "x",
                )
            ],
            id="bad-merge",
        ),
        pytest.param(
            "? [a]\n: 1\nok:\n  ? [t]\n  : 1\n",
            [],
            [
                ("Artifact names must be strings, got a list", Span(0, 2, 0, 5), E, None, None),
                ("Field names must be strings, got a list", Span(3, 4, 3, 7), E, None, "ok"),
            ],
            id="list-as-field-name",
        ),
    ],
)
def test_problems(text: str, entries: list[str], problems: list[Any]) -> None:
    document = parse_annotations(text)
    assert list(document.entries) == entries
    assert problems_of(document) == problems


def test_type_not_allowed_keeps_the_entry() -> None:
    text = "a:\n  type: model\nb:\n  type: notebook\n"
    document = parse_annotations(text, Config(types=("model", "dataset")))
    assert list(document.entries) == ["a", "b"]
    assert problems_of(document) == [
        (
            "Type 'notebook' of artifact 'b' is not allowed. Allowed types are: model, dataset",
            Span(3, 8, 3, 16),
            E,
            "type",
            "b",
        )
    ]
    assert parse_annotations(text, Config()).problems == ()


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        (
            "a: {path: models}\nb: {path: models}\n",
            "Path 'models' is already used by artifact 'a'",
            Span(1, 10, 1, 16),
        ),
        (
            "a: {path: models}\nb: {path: ./models/}\n",
            "Path './models/' is already used by artifact 'a'",
            Span(1, 10, 1, 19),
        ),
        (
            "a: {path: models}\nb: {path: models/b.pkl}\n",
            "Path 'models/b.pkl' is already used by artifact 'a' (it is inside 'models')",
            Span(1, 10, 1, 22),
        ),
        (
            "a: {path: models/a/x.pkl}\nb: {path: models}\n",
            "Path 'models' is already used by artifact 'a' (it contains 'models/a/x.pkl')",
            Span(1, 10, 1, 16),
        ),
        (
            "a: {path: .}\nb: {path: x}\n",
            "Path 'x' is already used by artifact 'a' (it is inside '.')",
            Span(1, 10, 1, 11),
        ),
        (
            "a: {path: 's3://bucket/m'}\nb: {path: 's3://bucket/m/v1'}\n",
            "Path 's3://bucket/m/v1' is already used by artifact 'a' (it is inside 's3://bucket/m')",
            Span(1, 10, 1, 28),
        ),
    ],
)
def test_path_conflicts(text: str, message: str, span: Span) -> None:
    document = parse_annotations(text)
    assert list(document.entries) == ["a", "b"]
    assert problems_of(document) == [(message, span, E, "path", "b")]


@pytest.mark.parametrize(
    "text",
    [
        "a: {path: models}\nb: {path: models2}\n",
        "a: {path: models/a}\nb: {path: models/b}\n",
        "a: {path: 's3://x/m'}\nb: {path: 's3://x/m2'}\n",
    ],
)
def test_paths_that_do_not_conflict(text: str) -> None:
    assert parse_annotations(text).problems == ()


def test_each_conflict_is_reported_once_against_the_first_claim() -> None:
    text = "a: {path: m}\nb: {path: m}\nc: {path: m/x}\n"
    assert [problem.message for problem in parse_annotations(text).problems] == [
        "Path 'm' is already used by artifact 'a'",
        "Path 'm/x' is already used by artifact 'a' (it is inside 'm')",
    ]


def test_missing_paths_warn_only_for_committed_artifacts() -> None:
    text = "a:\n  path: p\n  virtual: false\nb:\n  virtual: false\nc:\n  path: q\nd:\n  path: here\n  virtual: false\n"
    asked: list[str] = []

    def exists(path: str) -> bool:
        asked.append(path)
        return path == "here"

    document = parse_annotations(text, existing_paths=exists)
    assert list(document.entries) == ["a", "b", "c", "d"]
    assert asked == ["p", "here"]
    assert problems_of(document) == [
        (
            "Path 'p' of artifact 'a' does not exist, but 'virtual: false' says it is committed in the repository",
            Span(1, 8, 1, 9),
            W,
            "path",
            "a",
        ),
        ("Artifact 'b' has 'virtual: false' but no path", Span(4, 11, 4, 16), W, "virtual", "b"),
    ]


def test_problems_come_in_text_order_and_split_by_severity() -> None:
    text = "b:\n  path: x\n  what: 1\na:\n  path: x\n  type: 'no good'\n"
    document = parse_annotations(text)
    assert [problem.span.start_line for problem in document.problems] == [2, 5]
    assert [problem.severity for problem in document.errors] == [E]
    assert [problem.severity for problem in document.warnings] == [W]
    assert list(document.entries) == ["b"]
    assert document.unknown_fields == {"b": {"what": 1}}
    assert set(document.key_spans) == {"a", "b"}
    assert document.field_spans["a"] == {"path": Span(4, 8, 4, 9), "type": Span(5, 8, 5, 17)}


def test_load_annotations_returns_entries_and_ignores_warnings() -> None:
    assert load_annotations("a:\n  type: m\n  colour: red\n") == {"a": Annotation(type="m")}
    assert load_annotations(None) == {}


@pytest.mark.parametrize(
    ("text", "config", "message"),
    [
        (
            "a: {}\nb:\n  virtual: maybe\n",
            None,
            "Invalid artifacts.yaml: line 3: 'virtual' of artifact 'b' must be true or false, got 'maybe'",
        ),
        (
            "a: [\n",
            None,
            "Invalid artifacts.yaml: line 2: could not parse YAML (while parsing a flow node: expected the"
            " node"
            " content, but found '<stream end>')",
        ),
        (
            "a: {type: x}\n",
            Config(types=("model",), annotations_file="meta/index.yaml"),
            "Invalid meta/index.yaml: line 1: Type 'x' of artifact 'a' is not allowed. Allowed types are: model",
        ),
    ],
)
def test_load_annotations_raises_the_first_error(text: str, config: Config | None, message: str) -> None:
    with pytest.raises(AnnotationsError) as raised:
        load_annotations(text, config)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("annotation", "json"),
    [
        (Annotation(), {}),
        (
            Annotation(type="model", path="models/churn.pkl", virtual=False),
            {"type": "model", "path": "models/churn.pkl", "virtual": False},
        ),
        (
            Annotation(description="d", labels=("b", "a"), custom={"k": 1}, virtual=True, type="t"),
            {"type": "t", "labels": ["b", "a"], "description": "d", "custom": {"k": 1}},
        ),
        (Annotation(custom=0, description=""), {"description": "", "custom": 0}),
    ],
)
def test_to_json_omits_defaults_in_field_order(annotation: Annotation, json: dict[str, Any]) -> None:
    assert annotation.to_json() == json
    assert list(annotation.to_json()) == list(json)


def test_annotation_is_frozen_and_strict_about_fields() -> None:
    annotation = Annotation(labels=["a"])  # type: ignore[arg-type]
    assert annotation.labels == ("a",)
    with pytest.raises(TypeError, match="colour"):
        Annotation(colour="red")  # type: ignore[call-arg]
    with pytest.raises(FrozenInstanceError):
        annotation.type = "x"  # type: ignore[misc]


# -- merging and checking --------------------------------------------------------------------------

BASE = Annotation(type="model", path="m.pkl", virtual=False, labels=("b", "a"), description="d", custom={"x": "1"})


@pytest.mark.parametrize(
    ("existing", "options", "expected"),
    [
        pytest.param(None, {}, Annotation(), id="new-empty"),
        pytest.param(
            None,
            {"type": "model", "path": "p", "must_exist": True, "labels": ["z", "a", "z"]},
            Annotation(type="model", path="p", virtual=False, labels=("a", "z")),
            id="new-full",
        ),
        pytest.param(BASE, {}, replace(BASE, labels=("a", "b")), id="labels-sorted-anyway"),
        pytest.param(
            BASE,
            {"type": "dataset", "description": "new"},
            replace(BASE, type="dataset", description="new", labels=("a", "b")),
            id="given-values-replace",
        ),
        pytest.param(
            BASE,
            {"labels": ["c", "a"]},
            replace(BASE, labels=("a", "b", "c")),
            id="labels-merge",
        ),
        pytest.param(
            BASE,
            {"path": "other.pkl"},
            replace(BASE, path="other.pkl", virtual=True, labels=("a", "b")),
            id="path-alone-makes-virtual",
        ),
        pytest.param(
            BASE,
            {"must_exist": False},
            replace(BASE, virtual=True, labels=("a", "b")),
            id="must-exist-false",
        ),
        pytest.param(
            Annotation(path="p"),
            {"path": "q", "must_exist": True},
            Annotation(path="q", virtual=False),
            id="path-and-must-exist",
        ),
        pytest.param(
            BASE,
            {"custom": {"y": "2", "x": "3"}},
            replace(BASE, custom={"x": "3", "y": "2"}, labels=("a", "b")),
            id="custom-merges",
        ),
        pytest.param(Annotation(), {"custom": {"k": "v"}}, Annotation(custom={"k": "v"}), id="custom-from-none"),
        pytest.param(Annotation(custom=[1]), {"custom": {}}, Annotation(custom=[1]), id="empty-custom-keeps"),
    ],
)
def test_merge_annotation(existing: Annotation | None, options: dict[str, Any], expected: Annotation) -> None:
    assert merge_annotation(existing, **options) == expected


def test_merge_refuses_custom_pairs_into_a_list() -> None:
    with pytest.raises(AnnotationsError) as raised:
        merge_annotation(Annotation(custom=[1, 2]), custom={"k": "v"})
    assert str(raised.value) == "Cannot add custom values: the existing 'custom' is a list, not a mapping"


OTHERS = {
    "a": Annotation(path="models/a.pkl"),
    "b": Annotation(path="data"),
    "c": Annotation(),
}


@pytest.mark.parametrize(
    ("name", "annotation", "config", "error", "message"),
    [
        ("new", Annotation(type="model", path="models/new.pkl"), Config(), None, ""),
        ("a", Annotation(path="models/a.pkl"), Config(), None, ""),
        ("new", Annotation(path="here", virtual=False), Config(), None, ""),
        (
            "bad name",
            Annotation(),
            Config(),
            InvalidNameError,
            "Invalid artifact name 'bad name': use NAME or DIR:NAME, where NAME has letters and digits with"
            " '-',"
            " '_' or '/' only inside",
        ),
        (
            "new",
            Annotation(type="my type"),
            Config(),
            InvalidNameError,
            f"Invalid type 'my type': use {NAME_RULE}",
        ),
        (
            "new",
            Annotation(type="notebook"),
            Config(types=("model",)),
            TypeNotAllowedError,
            "Type 'notebook' is not allowed. Allowed types are: model",
        ),
        (
            "new",
            Annotation(labels=("ok", "no way")),
            Config(),
            InvalidNameError,
            f"Invalid label 'no way': use {NAME_RULE}",
        ),
        (
            "new",
            Annotation(virtual=False),
            Config(),
            PathConflictError,
            "Artifact 'new' must exist (virtual: false) but has no path",
        ),
        (
            "new",
            Annotation(path="gone", virtual=False),
            Config(),
            PathConflictError,
            "Path 'gone' does not exist",
        ),
        (
            "new",
            Annotation(path="./models/a.pkl"),
            Config(),
            PathConflictError,
            "Path './models/a.pkl' is already used by artifact 'a'",
        ),
        (
            "new",
            Annotation(path="data/x.csv"),
            Config(),
            PathConflictError,
            "Path 'data/x.csv' is already used by artifact 'b' (it is inside 'data')",
        ),
        (
            "new",
            Annotation(path="models"),
            Config(),
            PathConflictError,
            "Path 'models' is already used by artifact 'a' (it contains 'models/a.pkl')",
        ),
    ],
)
def test_check_annotation(
    name: str, annotation: Annotation, config: Config, error: type[Exception] | None, message: str
) -> None:
    def exists(path: str) -> bool:
        return path == "here"

    if error is None:
        check_annotation(name, annotation, OTHERS, config, exists)
        return
    with pytest.raises(error) as raised:
        check_annotation(name, annotation, OTHERS, config, exists)
    assert str(raised.value) == message


# -- rewriting -------------------------------------------------------------------------------------

FILE = """\
# Artifacts of the demo repository.

churn:
  type: model   # the production model
  path: models/churn.pkl
  labels:
    - ml

# Data sets below.
rf:
  type: dataset
  path: data/rf.csv
  owner: data-team
features: {type: dataset}
"""


@pytest.mark.parametrize(
    ("before", "name", "annotation", "after"),
    [
        pytest.param(None, "churn", Annotation(), "churn: {}\n", id="none"),
        pytest.param("", "churn", Annotation(type="model"), "churn:\n  type: model\n", id="empty"),
        pytest.param("{}\n", "churn", Annotation(type="model"), "churn:\n  type: model\n", id="empty-flow"),
        pytest.param("# c\nnull\n# d\n", "a", Annotation(), "# c\na: {}\n# d\n", id="explicit-null"),
        pytest.param("# only\n# comments", "a", Annotation(), "# only\n# comments\na: {}\n", id="comments-only"),
        pytest.param("a: {}", "b", Annotation(), "a: {}\nb: {}\n", id="no-trailing-newline"),
        pytest.param("a: {}\nb: 1", "b", Annotation(), "a: {}\nb: {}\n", id="replace-last-without-newline"),
        pytest.param(
            "a:\n  type: m\n",
            "b",
            Annotation(
                type="t",
                path="p",
                virtual=False,
                labels=("x", "y"),
                description="two\nlines\n",
                custom={"k": [1, "2"], "when": "2024-01-31"},
            ),
            "a:\n  type: m\nb:\n  type: t\n  path: p\n  virtual: false\n  labels:\n    - x\n    - y\n"
            "  description: |\n    two\n    lines\n  custom:\n    k:\n      - 1\n      - '2'\n"
            "    when: '2024-01-31'\n",
            id="all-fields-in-order",
        ),
        pytest.param(
            "a:\n    type: m\n    labels:\n    - x\n",
            "b",
            Annotation(type="t", labels=("p",)),
            "a:\n    type: m\n    labels:\n    - x\nb:\n    type: t\n    labels:\n    - p\n",
            id="four-spaces-indentless-lists",
        ),
        pytest.param(
            "a: &x\n   type: m\n",
            "b",
            Annotation(type="t"),
            "a: &x\n   type: m\nb:\n   type: t\n",
            id="indent-from-first-field-not-anchor",
        ),
        pytest.param(
            "a:\r\n  type: m\r\n",
            "b",
            Annotation(type="t"),
            "a:\r\n  type: m\r\nb:\r\n  type: t\r\n",
            id="crlf",
        ),
        pytest.param(
            "  a:\n    type: m\n",
            "b",
            Annotation(type="t"),
            "  a:\n    type: m\n  b:\n    type: t\n",
            id="margin",
        ),
        pytest.param(
            "x: {}\na: {}\nx: {type: y}\nz: {}",
            "x",
            Annotation(type="t"),
            "x:\n  type: t\na: {}\nz: {}",
            id="duplicates-removed",
        ),
        pytest.param(
            "a:\n  description: |\n    one\n\n    two\n\n# c\nb: {}\n",
            "a",
            Annotation(type="t"),
            "a:\n  type: t\n\n# c\nb: {}\n",
            id="block-scalar-keeps-following-blank-line",
        ),
        pytest.param("{a: {type: m}}\n", "b", Annotation(type="t"), "a:\n  type: m\nb:\n  type: t\n", id="flow-root"),
        pytest.param(
            "a: &x\n  type: m\nb:\n  <<: *x\n  path: p\n",
            "a",
            Annotation(type="n"),
            "a:\n  type: n\nb:\n  type: m\n  path: p\n",
            id="anchor-used-elsewhere-renders-all",
        ),
        pytest.param("a: 1\n...\n", "b", Annotation(), "a: 1\nb: {}\n", id="document-end-marker"),
        pytest.param("'yes': {}\n", "true", Annotation(), "'yes': {}\n'true': {}\n", id="quoted-keys"),
        pytest.param("a: {}\n", "models/nlp:churn", Annotation(), "a: {}\nmodels/nlp:churn: {}\n", id="monorepo-name"),
    ],
)
def test_set_annotation(before: str | None, name: str, annotation: Annotation, after: str) -> None:
    result = set_annotation(before, name, annotation)
    assert result == after
    assert parse_annotations(result).entries[name] == annotation


def test_set_annotation_replaces_only_the_entry_block() -> None:
    updated = merge_annotation(
        load_annotations(FILE)["churn"], labels=["nlp"], must_exist=True, custom={"owner": "alice"}
    )
    result = set_annotation(FILE, "churn", updated)
    assert result == FILE.replace(
        "churn:\n  type: model   # the production model\n  path: models/churn.pkl\n  labels:\n    - ml\n",
        "churn:\n  type: model\n  path: models/churn.pkl\n  virtual: false\n  labels:\n    - ml\n    - nlp\n"
        "  custom:\n    owner: alice\n",
    )


def test_set_annotation_keeps_unknown_fields_unless_told() -> None:
    kept = set_annotation(FILE, "rf", Annotation(type="dataset", path="data/rf2.csv"))
    assert kept == FILE.replace("  path: data/rf.csv\n", "  path: data/rf2.csv\n")
    dropped = set_annotation(FILE, "rf", Annotation(type="dataset"), {})
    assert dropped == FILE.replace("  path: data/rf.csv\n  owner: data-team\n", "")
    replaced = set_annotation(FILE, "rf", Annotation(), {"owner": "x", "type": "ignored"})
    assert replaced == FILE.replace("  type: dataset\n  path: data/rf.csv\n  owner: data-team\n", "  owner: x\n")


def test_set_annotation_of_a_flow_entry_in_a_block_file() -> None:
    result = set_annotation(FILE, "features", Annotation(type="dataset", labels=("a",)))
    assert result == FILE.replace("features: {type: dataset}\n", "features:\n  type: dataset\n  labels:\n    - a\n")


@pytest.mark.parametrize(
    ("text", "name", "error", "message"),
    [
        (
            "a: [\n",
            "a",
            AnnotationsError,
            "Cannot rewrite artifacts.yaml: line 2: could not parse YAML (while parsing a flow node:"
            " expected the"
            " node content, but found '<stream end>')",
        ),
        (
            "- a\n",
            "a",
            AnnotationsError,
            "Cannot rewrite artifacts.yaml: the top level must be a mapping of artifact names to entries, got a list",
        ),
        (
            "a: {}\n",
            "bad name",
            InvalidNameError,
            "Invalid artifact name 'bad name': use NAME or DIR:NAME, where NAME has letters and digits with"
            " '-',"
            " '_' or '/' only inside",
        ),
        (
            "a:\n  odd: !thing 1\n",
            "a",
            AnnotationsError,
            "Cannot rewrite artifact 'a': 'odd' of artifact 'a' cannot be read: could not determine a"
            " constructor"
            " for the tag '!thing'",
        ),
    ],
)
def test_set_annotation_refuses(text: str, name: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as raised:
        set_annotation(text, name, Annotation())
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("before", "name", "after"),
    [
        pytest.param(FILE, "churn", FILE.replace(FILE[FILE.index("churn:") : FILE.index("\n# Data")], ""), id="first"),
        pytest.param(
            FILE,
            "rf",
            FILE.replace("rf:\n  type: dataset\n  path: data/rf.csv\n  owner: data-team\n", ""),
            id="middle-keeps-comment-above",
        ),
        pytest.param(FILE, "features", FILE.replace("features: {type: dataset}\n", ""), id="last"),
        pytest.param("a: {}\nb: {}", "b", "a: {}\n", id="last-without-newline"),
        pytest.param("# c\na:\n  type: m\n", "a", "# c\n", id="only-entry"),
        pytest.param("a: {}\nb: {}\na: {x: 1}\n", "a", "b: {}\n", id="duplicates"),
        pytest.param("# h\n{a: {type: m}, b: {}}\n# tail\n", "a", "# h\nb: {}\n", id="flow-root"),
        pytest.param("{a: {}}\n", "a", "", id="flow-root-last"),
    ],
)
def test_remove_annotation(before: str, name: str, after: str) -> None:
    result = remove_annotation(before, name)
    assert result == after
    assert name not in parse_annotations(result).entries


@pytest.mark.parametrize("text", ["", "a: {}\n", "# no entries\n"])
def test_remove_annotation_of_an_absent_artifact(text: str) -> None:
    with pytest.raises(ArtifactNotFoundError) as raised:
        remove_annotation(text, "churn")
    assert str(raised.value) == "Cannot find artifact 'churn'"


# -- round trips -----------------------------------------------------------------------------------

names = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9_/-]{0,8}[a-zA-Z0-9])?", fullmatch=True)
texts = st.text(st.characters(exclude_categories=("Cs", "Co", "Cn")), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    texts,
)
customs = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)),
    max_leaves=8,
)
annotation_values = st.builds(
    Annotation,
    type=st.none() | names,
    path=st.none() | texts.filter(bool),
    virtual=st.booleans(),
    labels=st.lists(names, max_size=3).map(tuple),
    description=st.none() | texts,
    custom=customs,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.dictionaries(names, annotation_values, max_size=4),
    target=names,
    annotation=annotation_values,
    style=st.sampled_from(["a:\n  type: m\n", "a:\n    labels:\n    - x\n", "a:\r\n  type: m\r\n", "{}", ""]),
)
def test_round_trip(entries: dict[str, Annotation], target: str, annotation: Annotation, style: str) -> None:
    text: str = style
    expected = parse_annotations(style).entries
    comments: list[str] = []
    for name, value in entries.items():
        text = set_annotation(text, name, value)
        comments.append(f"# after {name}\n")
        text += comments[-1]
        expected[name] = value
    document = parse_annotations(text)
    assert document.errors == tuple(p for p in document.errors if p.message.startswith("Path "))
    assert {name: document.entries.get(name) for name in expected} == expected

    updated = set_annotation(text, target, annotation)
    after = parse_annotations(updated).entries
    assert after[target] == annotation
    assert {name: value for name, value in after.items() if name != target} == {
        name: value for name, value in expected.items() if name != target
    }
    for comment in comments:
        assert comment in updated

    removed = remove_annotation(updated, target)
    assert parse_annotations(removed).entries == {name: value for name, value in after.items() if name != target}


# -- JSON Schema -----------------------------------------------------------------------------------


def test_schema_of_artifacts_yaml_follows_the_model_and_the_name_rules() -> None:
    import re

    from gto.annotations import FIELD_DESCRIPTIONS, annotations_schema
    from gto.tags import is_valid_artifact, is_valid_name

    schema = annotations_schema()
    entry = schema["definitions"]["Annotation"]
    assert entry["additionalProperties"] is False
    assert list(entry["properties"]) == list(FIELD_DESCRIPTIONS) == [f.name for f in fields(Annotation)]
    assert schema["additionalProperties"] == {"anyOf": [{"$ref": "#/definitions/Annotation"}, {"type": "null"}]}
    # JSON Schema patterns are ECMA-262 regular expressions; these ones read the same in Python.
    artifact = re.compile(schema["propertyNames"]["pattern"])
    name = re.compile(entry["properties"]["type"]["anyOf"][0]["pattern"])
    for text in ["rf", "a/b", "models/nlp:churn", "./m:x", "..a:rf", "a/..b:rf", "../x:rf", "a/../b:rf", "m/..:x",
                 "..:x", "a:b:c", "-x", "x-", "A_b", "Bad Name", ""]:  # fmt: skip
        assert bool(artifact.match(text)) == is_valid_artifact(text), text
        assert bool(name.match(text)) == is_valid_name(text), text
