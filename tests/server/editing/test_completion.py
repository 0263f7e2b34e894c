"""Completion in artifacts.yaml and .gto: what is offered where, and what it replaces."""

from __future__ import annotations

import pytest

from gto.annotations import Annotation
from gto.config import Config
from gto.positions import Span
from gto.server.editing.completion import Suggestion, annotations_completions, config_completions

from .states import registry_state

CONFIG = Config(types=("model", "dataset"), stages=("dev", "staging", "prod"))


def cursor(text: str) -> tuple[str, int, int]:
    """The text without its ``|`` mark, and the mark's line and column."""
    before, _, after = text.partition("|")
    line = before.count("\n")
    return before + after, line, len(before) - (before.rfind("\n") + 1)


def labels(suggestions: list[Suggestion]) -> list[str]:
    return [suggestion.label for suggestion in suggestions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("rf:\n  type: model\n|", ["ds", "nn", "seg"], id="artifacts-with-tags-but-no-entry"),
        pytest.param("rf:\n  type: model\nn|", ["ds", "nn", "seg"], id="artifact-being-typed"),
        pytest.param("ds:\nnn:\nrf:\nseg:\n|", [], id="every-tagged-artifact-has-an-entry"),
        pytest.param(
            "rf:\n  type: model\n  |\n",
            ["path", "virtual", "labels", "description", "custom"],
            id="fields-not-yet-set",
        ),
        pytest.param(
            "rf:\n  ty|\nnn:\n", ["type", "path", "virtual", "labels", "description", "custom"], id="field-typed"
        ),
        pytest.param("rf:\n  type: |\n", ["model", "dataset"], id="configured-types"),
        pytest.param("rf:\n  virtual: f|\n", ["true", "false"], id="virtual"),
        pytest.param(
            "rf:\n  labels: [ml]\nnn:\n  labels: [tab, ml]\nds:\n  labels: [|\n",
            ["ml", "tab"],
            id="labels-of-the-file-in-a-flow-list-being-typed",
        ),
        pytest.param(
            "rf:\n  labels: [ml, nlp]\nnn:\n  labels:\n    - ml\n    - |\n",
            ["nlp"],
            id="labels-not-yet-in-this-block-list",
        ),
        pytest.param("rf:\n  custom:\n    |\n", [], id="nothing-inside-custom"),
        pytest.param("rf:\n  description: |\n", [], id="nothing-for-free-text"),
        pytest.param("# |\nrf:\n", [], id="nothing-in-comments"),
    ],
)
def test_annotations_completions(text: str, expected: list[str]) -> None:
    source, line, col = cursor(text)
    assert labels(annotations_completions(source, line, col, CONFIG, registry_state())) == expected


def test_suggestions_replace_the_word_before_the_cursor() -> None:
    source, line, col = cursor("rf:\n  type: mo|\n")
    [first, *_] = annotations_completions(source, line, col, CONFIG, registry_state())
    assert first.replace == Span(1, 8, 1, 10)
    assert first.new_text == "model"
    source, line, col = cursor("rf:\n  ty|\n")
    [field, *_] = annotations_completions(source, line, col, CONFIG, registry_state())
    assert (field.label, field.replace, field.new_text) == ("type", Span(1, 2, 1, 4), "type: ")
    source, line, col = cursor("rf:\nn|\n")
    [artifact, *_] = annotations_completions(source, line, col, CONFIG, registry_state())
    assert (artifact.label, artifact.detail, artifact.new_text) == ("ds", "has tags (latest v1.0.0)", "ds:")


def test_types_in_use_without_configured_types() -> None:
    state = registry_state({"rf": Annotation(type="model")})
    source, line, col = cursor("x:\n  type: dataset\ny:\n  type: |\n")
    assert labels(annotations_completions(source, line, col, Config(), state)) == ["dataset", "model"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("types: [model]\n|", ["stages", "emojis", "index", "daemon"], id="keys-not-yet-set"),
        pytest.param("stages: [prod, |", ["dev", "staging"], id="stages-in-use-flow"),
        pytest.param("stages:\n  - dev\n  - |\n", ["prod", "staging"], id="stages-in-use-block"),
        pytest.param("types: [|]\n", ["dataset", "model"], id="types-in-use"),
        pytest.param("emojis: |\n", ["true", "false"], id="booleans"),
        pytest.param("daemon:\n  |\n", ["autostart"], id="daemon-keys"),
    ],
)
def test_config_completions(text: str, expected: list[str]) -> None:
    source, line, col = cursor(text)
    annotations = {"rf": Annotation(type="model"), "ds": Annotation(type="dataset")}
    assert labels(config_completions(source, line, col, registry_state(), annotations)) == expected


def test_monorepo_names_open_blocks_too() -> None:
    source, line, col = cursor("models/nlp:churn:\n  |\n")
    assert labels(annotations_completions(source, line, col, CONFIG, registry_state()))[:2] == ["type", "path"]
