"""Diagnostics of artifacts.yaml and .gto: exact spans, severities and messages."""

from __future__ import annotations

import pytest

from gto.annotations import Annotation
from gto.config import Config
from gto.positions import Severity, Span
from gto.server.editing.diagnostics import annotations_diagnostics, config_diagnostics

from .states import registry_state

E = Severity.ERROR
W = Severity.WARNING
NAME_RULE = "letters and digits, with '-', '_' or '/' only inside"
CONFIG = Config(types=("model", "dataset"), stages=("dev", "staging", "prod"))


def missing(path: str) -> bool:
    return path == "models/rf.pkl"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "rf: [unclosed\n",
            [
                (
                    Span(0, 4, 0, 13),
                    E,
                    "Could not parse YAML (while parsing a flow sequence: expected ',' or ']', but got '<stream end>')",
                )
            ],
            id="syntax-error",
        ),
        pytest.param(
            "- a\n- b\n",
            [(Span(0, 0, 1, 3), E, "The top level must be a mapping of artifact names to entries, got a list")],
            id="top-level-list",
        ),
        pytest.param(
            "Bad Name:\n  type: model\n",
            [
                (
                    Span(0, 0, 0, 8),
                    E,
                    "Invalid artifact name 'Bad Name': use NAME or DIR:NAME, where NAME has letters and digits"
                    " with '-', '_' or '/' only inside",
                )
            ],
            id="invalid-artifact-name",
        ),
        pytest.param(
            "rf:\n  type: Model X\n  labels: [ok, -bad]\n",
            [
                (Span(1, 8, 1, 15), E, f"'type' of artifact 'rf' must be a name ({NAME_RULE}), got 'Model X'"),
                (Span(2, 15, 2, 19), E, f"Label '-bad' of artifact 'rf' is not a name ({NAME_RULE})"),
            ],
            id="invalid-type-and-label",
        ),
        pytest.param(
            "rf:\n  type: table\n",
            [(Span(1, 8, 1, 13), E, "Type 'table' of artifact 'rf' is not allowed. Allowed types are: model, dataset")],
            id="type-not-allowed",
        ),
        pytest.param(
            "rf:\n  tpye: model\n  virtual: maybe\n",
            [
                (Span(1, 2, 1, 6), W, "Unknown field 'tpye' of artifact 'rf' is ignored (did you mean 'type'?)"),
                (Span(2, 11, 2, 16), E, "'virtual' of artifact 'rf' must be true or false, got 'maybe'"),
            ],
            id="unknown-and-wrongly-typed-fields",
        ),
        pytest.param(
            "rf:\n  type: model\nrf:\n  type: dataset\n",
            [(Span(2, 0, 2, 2), E, "Duplicate artifact 'rf': it is already defined on line 1")],
            id="duplicate-artifact",
        ),
        pytest.param(
            "rf:\n  labels: [a, b, a]\n  labels: []\n",
            [
                (
                    Span(1, 17, 1, 18),
                    W,
                    "Label 'a' of artifact 'rf' is repeated (first on line 2): each label is expected once",
                ),
                (Span(2, 2, 2, 8), E, "Duplicate field 'labels' of artifact 'rf': it is already set on line 2"),
            ],
            id="duplicate-label-and-field",
        ),
        pytest.param(
            "rf:\n  path: models\nnn:\n  path: models/nn.pt\n",
            [(Span(3, 8, 3, 20), E, "Path 'models/nn.pt' is already used by artifact 'rf' (it is inside 'models')")],
            id="nested-paths",
        ),
        pytest.param(
            "rf:\n  path: models/rf.pkl\n  virtual: false\nnn:\n  virtual: false\n",
            [
                (
                    Span(1, 8, 1, 21),
                    W,
                    "Path 'models/rf.pkl' of artifact 'rf' does not exist, but 'virtual: false' says it is"
                    " committed in the repository",
                ),
                (Span(4, 11, 4, 16), W, "Artifact 'nn' has 'virtual: false' but no path"),
            ],
            id="committed-path-missing",
        ),
        pytest.param(
            "ds:\n  type: dataset\n",
            [
                (
                    Span(0, 0, 0, 2),
                    W,
                    "Tag 'ds@v1.1.0' is lightweight: CI may act on it, but the registry ignores it"
                    " (recreate it with 'git tag -a')",
                )
            ],
            id="lightweight-tag-of-the-artifact",
        ),
        pytest.param("rf:\n  type: model\n  path: s3://bucket/rf\nnn:\n", [], id="clean"),
        pytest.param("", [], id="empty"),
    ],
)
def test_annotations_diagnostics(text: str, expected: list[tuple[Span, Severity, str]]) -> None:
    problems = annotations_diagnostics(text, CONFIG, registry_state(), lambda path: not missing(path))
    assert [(problem.span, problem.severity, problem.message) for problem in problems] == expected


def test_columns_count_code_points() -> None:
    # The emoji is one code point (two UTF-16 units): the span of the type after it starts at 8.
    problems = annotations_diagnostics('rf:\n  description: "😀"\n  type: 😀x\n')
    assert [(problem.span, problem.message) for problem in problems] == [
        (Span(2, 8, 2, 10), f"'type' of artifact 'rf' must be a name ({NAME_RULE}), got '😀x'")
    ]


def test_without_registry_or_work_tree_only_the_text_is_checked() -> None:
    text = "ds:\n  path: models/rf.pkl\n  virtual: false\n  type: anything\n"
    assert annotations_diagnostics(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "types: [model]\ncolour: red\n",
            [(Span(1, 0, 1, 6), E, "Unknown key 'colour' (allowed: types, stages, emojis, index, daemon)")],
            id="unknown-key",
        ),
        pytest.param(
            "stages: [dev, Bad Stage]\n",
            [
                (
                    Span(0, 14, 0, 23),
                    E,
                    f"'stages' has an invalid name 'Bad Stage': use {NAME_RULE}",
                )
            ],
            id="invalid-stage",
        ),
        pytest.param(
            "types: [model, -x]\n",
            [
                (
                    Span(0, 15, 0, 17),
                    E,
                    f"'types' has an invalid name '-x': use {NAME_RULE}",
                )
            ],
            id="invalid-type",
        ),
        pytest.param(
            "stages:\n  - prod\n  - staging\ntypes: [model]\n",
            [
                (
                    Span(0, 0, 0, 6),
                    W,
                    "Stage 'dev' is used by tag 'nn#dev#1' but is not in 'stages':"
                    " add it, or gto show will not list it",
                ),
                (
                    Span(3, 0, 3, 5),
                    W,
                    "Type 'dataset' is used by artifact 'ds' but is not in 'types': add it,"
                    " or artifacts.yaml becomes invalid",
                ),
            ],
            id="names-in-use-left-out",
        ),
        pytest.param("stages: [dev, staging, prod]\ntypes: [model, dataset]\nemojis: false\n", [], id="clean"),
        pytest.param(
            "log_level: debug\n",
            [(Span(0, 0, 0, 9), W, "Key 'log_level' is written by other GTO versions and is ignored")],
            id="legacy-key",
        ),
    ],
)
def test_config_diagnostics(text: str, expected: list[tuple[Span, Severity, str]]) -> None:
    annotations = {"rf": Annotation(type="model"), "ds": Annotation(type="dataset")}
    problems = config_diagnostics(text, registry_state(), annotations)
    assert [(problem.span, problem.severity, problem.message) for problem in problems] == expected


def test_config_names_in_use_are_not_checked_while_the_file_has_errors() -> None:
    problems = config_diagnostics("stages: [prod]\ncolour: red\n", registry_state(), {})
    assert [problem.severity for problem in problems] == [E]
