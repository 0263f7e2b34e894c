"""Tests for gto.config: the .gto file, GTO_* variables, options, precedence, sources and problems."""

from __future__ import annotations

from typing import Any

import pytest

from gto.config import SOURCE_KEYS, Config, config_problems, load_config
from gto.errors import ConfigError, InvalidNameError, StageNotAllowedError, TypeNotAllowedError
from gto.positions import Problem, Severity, Span

ALL_DEFAULT = dict.fromkeys(SOURCE_KEYS, "default")


def values_of(config: Config) -> dict[str, Any]:
    return {
        "types": config.types,
        "stages": config.stages,
        "emojis": config.emojis,
        "annotations_file": config.annotations_file,
        "daemon_autostart": config.daemon_autostart,
    }


DEFAULTS = values_of(Config())


def test_defaults() -> None:
    config = load_config(None, {})
    assert config == Config()
    assert DEFAULTS == {
        "types": None,
        "stages": None,
        "emojis": True,
        "annotations_file": "artifacts.yaml",
        "daemon_autostart": False,
    }
    assert dict(config.sources) == ALL_DEFAULT
    assert config.ignored_keys == ()


def test_config_is_hashable_and_immutable() -> None:
    config = load_config("stages: [dev]\n", {})
    assert hash(config) == hash(Config(stages=("dev",)))
    with pytest.raises(TypeError):
        config.sources["stages"] = "x"  # type: ignore[index]


@pytest.mark.parametrize("text", ["", "  \n\t\n", "# nothing yet\n", "---\n", "~\n", "{}\n"])
def test_empty_files_give_defaults(text: str) -> None:
    config = load_config(text, {})
    assert values_of(config) == DEFAULTS
    assert dict(config.sources) == ALL_DEFAULT


@pytest.mark.parametrize(
    ("text", "changed", "sourced"),
    [
        pytest.param("types: [model, dataset]\n", {"types": ("model", "dataset")}, ["types"], id="types"),
        pytest.param("stages: [dev, staging, prod]\n", {"stages": ("dev", "staging", "prod")}, ["stages"], id="stages"),
        pytest.param("stages: [dev, prod, dev]\n", {"stages": ("dev", "prod")}, ["stages"], id="repeated-once"),
        pytest.param("stages:\n  - Dev-1\n  - a/b_c\n", {"stages": ("Dev-1", "a/b_c")}, ["stages"], id="name-grammar"),
        pytest.param("stages: []\n", {}, ["stages"], id="empty-list-allows-any"),
        pytest.param("stages:\n", {}, [], id="no-value-is-unset"),
        pytest.param("emojis: false\n", {"emojis": False}, ["emojis"], id="emojis"),
        pytest.param("emojis: no\n", {"emojis": False}, ["emojis"], id="yaml-1.1-bool"),
        pytest.param("index: models/annotations.yaml\n", {"annotations_file": "models/annotations.yaml"}, ["index"]),
        pytest.param("daemon:\n  autostart: true\n", {"daemon_autostart": True}, ["daemon.autostart"], id="daemon"),
        pytest.param("daemon: {}\n", {}, [], id="daemon-empty"),
        pytest.param("STAGES: [prod]\nEmojis: false\n", {"stages": ("prod",), "emojis": False}, ["stages", "emojis"]),
        pytest.param("Daemon: {AutoStart: yes}\n", {"daemon_autostart": True}, ["daemon.autostart"], id="nested-case"),
    ],
)
def test_file_values(text: str, changed: dict[str, Any], sourced: list[str]) -> None:
    config = load_config(text, {})
    assert values_of(config) == {**DEFAULTS, **changed}
    assert dict(config.sources) == {**ALL_DEFAULT, **dict.fromkeys(sourced, ".gto")}


def test_legacy_keys_are_accepted_and_ignored() -> None:
    text = "log_level: DEBUG\nDEBUG: true\nenrichments: []\nautoload_enrichments: false\nconfig_file_name: x\n"
    config = load_config(text, {})
    assert values_of(config) == DEFAULTS
    assert config.ignored_keys == (
        "log_level",
        "debug",
        "enrichments",
        "autoload_enrichments",
        "config_file_name",
    )
    assert config_problems("stages: [a]\nlog_level: INFO\n") == [
        Problem(
            "key 'log_level' is written by other GTO versions and is ignored",
            Span(1, 0, 1, 9),
            Severity.WARNING,
            field="log_level",
        )
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "stagse: [dev]\n",
            "Invalid config in .gto: unknown key 'stagse' (allowed: types, stages, emojis, index, daemon)",
            id="unknown-key",
        ),
        pytest.param(
            "stages: prod\n",
            "Invalid config in .gto: 'stages' must be a list of names, got 'prod'",
            id="list-expected",
        ),
        pytest.param(
            "types: {model: 1}\n",
            "Invalid config in .gto: 'types' must be a list of names, got a mapping",
            id="mapping-instead-of-list",
        ),
        pytest.param(
            "stages: [dev, 3]\n",
            "Invalid config in .gto: 'stages' must be a list of names, got 3 in it",
            id="number-in-list",
        ),
        pytest.param(
            "stages: [dev, 'my stage']\n",
            "Invalid config in .gto: 'stages' has an invalid name 'my stage': use letters and digits, with"
            " '-',"
            " '_' or '/' only inside",
            id="bad-name",
        ),
        pytest.param(
            "stages: [-dev]\n",
            "Invalid config in .gto: 'stages' has an invalid name '-dev': use letters and digits, with '-',"
            " '_' or '/' only inside",
            id="dash-outside",
        ),
        pytest.param(
            "emojis: maybe\n",
            "Invalid config in .gto: 'emojis' must be true or false, got 'maybe'",
            id="bool-expected",
        ),
        pytest.param(
            "emojis: 1\n",
            "Invalid config in .gto: 'emojis' must be true or false, got 1",
            id="number-is-not-bool",
        ),
        pytest.param(
            "index: /etc/annotations.yaml\n",
            "Invalid config in .gto: 'index' must be a relative file path inside the repository, got"
            " '/etc/annotations.yaml'",
            id="absolute-index",
        ),
        pytest.param(
            "index: ../elsewhere.yaml\n",
            "Invalid config in .gto: 'index' must be a relative file path inside the repository, got"
            " '../elsewhere.yaml'",
            id="index-outside",
        ),
        pytest.param(
            "index: [a]\n",
            "Invalid config in .gto: 'index' must be a relative file path inside the repository, got a list",
            id="index-list",
        ),
        pytest.param(
            "daemon: true\n",
            "Invalid config in .gto: 'daemon' must be a mapping such as {autostart: true}, got true",
            id="daemon-scalar",
        ),
        pytest.param(
            "daemon:\n  autostrat: true\n",
            "Invalid config in .gto: unknown key 'daemon.autostrat' (allowed: autostart)",
            id="daemon-unknown",
        ),
        pytest.param(
            "daemon:\n  autostart: sometimes\n",
            "Invalid config in .gto: 'daemon.autostart' must be true or false, got 'sometimes'",
            id="daemon-bool",
        ),
        pytest.param(
            "stages: [a]\nStages: [b]\n",
            "Invalid config in .gto: duplicate key 'Stages' (already on line 1)",
            id="duplicate-ignoring-case",
        ),
        pytest.param(
            "- stages\n",
            "Invalid config in .gto: the file must be a mapping of keys to values, got a list",
            id="top-level-list",
        ),
        pytest.param(
            "just text\n",
            "Invalid config in .gto: the file must be a mapping of keys to values, got 'just text'",
            id="top-level-scalar",
        ),
        pytest.param(
            "? [a]\n: 1\n",
            "Invalid config in .gto: keys must be strings, got a list",
            id="list-key",
        ),
        pytest.param(
            "types: [model]\n\nstages: [dev\n",
            "Invalid config in .gto: line 3: could not parse YAML (while parsing a flow sequence: expected"
            " ','"
            " or ']', but got '<stream end>')",
            id="yaml-syntax",
        ),
        pytest.param(
            "types: [model]\nstages: *nowhere\n",
            "Invalid config in .gto: line 2: could not parse YAML (found undefined alias 'nowhere')",
            id="yaml-alias",
        ),
    ],
)
def test_file_errors_name_file_key_and_problem(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(text, {})
    assert str(raised.value) == message


def test_the_first_error_in_text_order_is_raised() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config("emojis: maybe\nstagse: []\n", {})
    assert str(raised.value) == "Invalid config in .gto: 'emojis' must be true or false, got 'maybe'"


def test_file_label_names_the_file_in_errors_and_sources() -> None:
    assert load_config("emojis: false\n", {}, file_label="sub/.gto").sources["emojis"] == "sub/.gto"
    with pytest.raises(ConfigError) as raised:
        load_config("bogus: 1\n", {}, file_label="sub/.gto")
    assert str(raised.value).startswith("Invalid config in sub/.gto: unknown key 'bogus'")


@pytest.mark.parametrize(
    ("env", "changed", "sources"),
    [
        pytest.param(
            {"GTO_STAGES": '["dev", "prod"]'},
            {"stages": ("dev", "prod")},
            {"stages": "GTO_STAGES"},
            id="json",
        ),
        pytest.param({"GTO_STAGES": "dev, prod ,"}, {"stages": ("dev", "prod")}, {"stages": "GTO_STAGES"}, id="commas"),
        pytest.param({"GTO_STAGES": "prod"}, {"stages": ("prod",)}, {"stages": "GTO_STAGES"}, id="one-name"),
        pytest.param({"GTO_TYPES": "model,dataset"}, {"types": ("model", "dataset")}, {"types": "GTO_TYPES"}),
        pytest.param({"GTO_STAGES": "[]"}, {}, {"stages": "GTO_STAGES"}, id="json-empty-allows-any"),
        pytest.param({"GTO_STAGES": ""}, {}, {}, id="empty-is-unset"),
        pytest.param({"GTO_EMOJIS": "   "}, {}, {}, id="blank-is-unset"),
        pytest.param({"GTO_EMOJIS": "false"}, {"emojis": False}, {"emojis": "GTO_EMOJIS"}),
        pytest.param({"GTO_EMOJIS": "0"}, {"emojis": False}, {"emojis": "GTO_EMOJIS"}),
        pytest.param({"GTO_EMOJIS": "No"}, {"emojis": False}, {"emojis": "GTO_EMOJIS"}),
        pytest.param({"GTO_EMOJIS": "TRUE"}, {"emojis": True}, {"emojis": "GTO_EMOJIS"}),
        pytest.param({"GTO_EMOJIS": "1"}, {"emojis": True}, {"emojis": "GTO_EMOJIS"}),
        pytest.param({"GTO_EMOJIS": "yes"}, {"emojis": True}, {"emojis": "GTO_EMOJIS"}),
        pytest.param({"GTO_INDEX": "meta.yaml"}, {"annotations_file": "meta.yaml"}, {"index": "GTO_INDEX"}),
        pytest.param(
            {"GTO_DAEMON_AUTOSTART": "true"},
            {"daemon_autostart": True},
            {"daemon.autostart": "GTO_DAEMON_AUTOSTART"},
        ),
        pytest.param({"gto_emojis": "false"}, {"emojis": False}, {"emojis": "gto_emojis"}, id="lower-case-name"),
        pytest.param(
            {"gto_emojis": "true", "GTO_EMOJIS": "false", "Gto_Emojis": "true"},
            {"emojis": False},
            {"emojis": "GTO_EMOJIS"},
            id="upper-case-spelling-wins",
        ),
        pytest.param(
            {"GTO_DAEMON": "off", "GTO_LOG_LEVEL": "x", "HOME": "/h", "STAGES": "x"},
            {},
            {},
            id="other-variables-ignored",
        ),
    ],
)
def test_environment_variables(env: dict[str, str], changed: dict[str, Any], sources: dict[str, str]) -> None:
    config = load_config(None, env)
    assert values_of(config) == {**DEFAULTS, **changed}
    assert dict(config.sources) == {**ALL_DEFAULT, **sources}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GTO_EMOJIS": "maybe"}, "Invalid config in GTO_EMOJIS: expected true or false, got 'maybe'"),
        ({"gto_emojis": "maybe"}, "Invalid config in gto_emojis: expected true or false, got 'maybe'"),
        (
            {"GTO_STAGES": "[dev"},
            "Invalid config in GTO_STAGES: expected a JSON list of names or comma-separated names, got '[dev'",
        ),
        (
            {"GTO_STAGES": "[1, 2]"},
            "Invalid config in GTO_STAGES: expected a JSON list of names or comma-separated names, got '[1, 2]'",
        ),
        (
            {"GTO_TYPES": "model, my type"},
            "Invalid config in GTO_TYPES: invalid name 'my type' (use letters and digits, with '-', '_' or"
            " '/'"
            " only inside)",
        ),
        (
            {"GTO_INDEX": "/abs.yaml"},
            "Invalid config in GTO_INDEX: expected a relative file path inside the repository, got '/abs.yaml'",
        ),
        (
            {"GTO_DAEMON_AUTOSTART": "on"},
            "Invalid config in GTO_DAEMON_AUTOSTART: expected true or false, got 'on'",
        ),
    ],
)
def test_environment_errors_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(None, env)
    assert str(raised.value) == message


def test_precedence_defaults_file_environment_options() -> None:
    text = "stages: [dev, prod]\ntypes: [model]\nemojis: false\nindex: a.yaml\n"
    env = {"GTO_STAGES": "qa", "GTO_EMOJIS": "true"}
    overrides: dict[str, object] = {"stages": ["live"], "types": None}
    config = load_config(text, env, overrides)
    assert values_of(config) == {
        "types": ("model",),
        "stages": ("live",),
        "emojis": True,
        "annotations_file": "a.yaml",
        "daemon_autostart": False,
    }
    assert dict(config.sources) == {
        "types": ".gto",
        "stages": "option",
        "emojis": "GTO_EMOJIS",
        "index": ".gto",
        "daemon.autostart": "default",
    }


def test_environment_is_checked_even_when_options_override_it() -> None:
    with pytest.raises(ConfigError):
        load_config(None, {"GTO_EMOJIS": "maybe"}, {"emojis": True})


def test_a_valid_environment_does_not_hide_an_invalid_file() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config("stages: prod\n", {"GTO_STAGES": "dev"})
    assert str(raised.value) == "Invalid config in .gto: 'stages' must be a list of names, got 'prod'"


@pytest.mark.parametrize(
    ("overrides", "changed", "sourced"),
    [
        ({"stages": ("dev", "prod")}, {"stages": ("dev", "prod")}, ["stages"]),
        ({"STAGES": ["dev"]}, {"stages": ("dev",)}, ["stages"]),
        ({"stages": "dev,prod"}, {"stages": ("dev", "prod")}, ["stages"]),
        ({"types": []}, {}, ["types"]),
        ({"emojis": False}, {"emojis": False}, ["emojis"]),
        ({"emojis": "no"}, {"emojis": False}, ["emojis"]),
        ({"index": "x.yaml"}, {"annotations_file": "x.yaml"}, ["index"]),
        ({"annotations_file": "x.yaml"}, {"annotations_file": "x.yaml"}, ["index"]),
        ({"daemon_autostart": True}, {"daemon_autostart": True}, ["daemon.autostart"]),
        ({"daemon": {"autostart": True}}, {"daemon_autostart": True}, ["daemon.autostart"]),
        ({"emojis": None, "stages": None}, {}, []),
    ],
)
def test_options(overrides: dict[str, object], changed: dict[str, Any], sourced: list[str]) -> None:
    config = load_config(None, {}, overrides)
    assert values_of(config) == {**DEFAULTS, **changed}
    assert dict(config.sources) == {**ALL_DEFAULT, **dict.fromkeys(sourced, "option")}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"stagse": ["a"]},
            "Invalid config in options: unknown key 'stagse' (allowed: types, stages, emojis, index, daemon)",
        ),
        ({"stages": [1]}, "Invalid config in options: 'stages' must be a list of names, got [1]"),
        (
            {"stages": ["a b"]},
            "Invalid config in options: 'stages' has an invalid name 'a b': use letters and digits, with '-',"
            " '_' or '/' only inside",
        ),
        ({"emojis": "maybe"}, "Invalid config in options: 'emojis': expected true or false, got 'maybe'"),
        ({"emojis": 3}, "Invalid config in options: 'emojis' must be true or false, got 3"),
        ({"index": 3}, "Invalid config in options: 'index' must be a relative file path, got 3"),
        (
            {"daemon": {"nope": True}},
            "Invalid config in options: unknown key 'daemon.nope' (allowed: types, stages, emojis, index, daemon)",
        ),
    ],
)
def test_option_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(None, {}, overrides)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("config", "stage", "error", "message"),
    [
        (Config(), "anything", None, ""),
        (Config(stages=("dev", "staging", "prod")), "prod", None, ""),
        (
            Config(stages=("dev", "staging", "prod")),
            "qa",
            StageNotAllowedError,
            "Stage 'qa' is not allowed. Allowed stages are: dev, staging, prod",
        ),
        (
            Config(),
            "my stage",
            InvalidNameError,
            "Invalid stage 'my stage': use letters and digits, with '-', '_' or '/' only inside",
        ),
        (
            Config(stages=("dev",)),
            "dev!",
            InvalidNameError,
            "Invalid stage 'dev!': use letters and digits, with '-', '_' or '/' only inside",
        ),
    ],
)
def test_check_stage(config: Config, stage: str, error: type[Exception] | None, message: str) -> None:
    if error is None:
        config.check_stage(stage)
        return
    with pytest.raises(error) as raised:
        config.check_stage(stage)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("config", "type_", "error", "message"),
    [
        (Config(), "model", None, ""),
        (Config(types=("model", "dataset")), "dataset", None, ""),
        (
            Config(types=("model", "dataset")),
            "notebook",
            TypeNotAllowedError,
            "Type 'notebook' is not allowed. Allowed types are: model, dataset",
        ),
        (
            Config(),
            "_x",
            InvalidNameError,
            "Invalid type '_x': use letters and digits, with '-', '_' or '/' only inside",
        ),
    ],
)
def test_check_type(config: Config, type_: str, error: type[Exception] | None, message: str) -> None:
    if error is None:
        config.check_type(type_)
        return
    with pytest.raises(error) as raised:
        config.check_type(type_)
    assert str(raised.value) == message


def test_config_problems_lists_everything_with_spans() -> None:
    text = (
        "# registry settings\n"
        "stagse: [dev]\n"
        "stages: [dev, 'bad name']\n"
        "emojis: maybe\n"
        "debug: true\n"
        "daemon:\n"
        "  autostart: 7\n"
        "  other: 1\n"
        "STAGES: [x]\n"
    )
    assert config_problems(text) == [
        Problem(
            "unknown key 'stagse' (allowed: types, stages, emojis, index, daemon)",
            Span(1, 0, 1, 6),
            Severity.ERROR,
            field="stagse",
        ),
        Problem(
            "'stages' has an invalid name 'bad name': use letters and digits, with '-', '_' or '/' only inside",
            Span(2, 14, 2, 24),
            Severity.ERROR,
            field="stages",
        ),
        Problem("'emojis' must be true or false, got 'maybe'", Span(3, 8, 3, 13), Severity.ERROR, field="emojis"),
        Problem(
            "key 'debug' is written by other GTO versions and is ignored",
            Span(4, 0, 4, 5),
            Severity.WARNING,
            field="debug",
        ),
        Problem(
            "'daemon.autostart' must be true or false, got 7",
            Span(6, 13, 6, 14),
            Severity.ERROR,
            field="daemon.autostart",
        ),
        Problem(
            "unknown key 'daemon.other' (allowed: autostart)",
            Span(7, 2, 7, 7),
            Severity.ERROR,
            field="daemon.other",
        ),
        Problem("duplicate key 'STAGES' (already on line 3)", Span(8, 0, 8, 6), Severity.ERROR, field="stages"),
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", []),
        ("stages: [dev]\n", []),
        (
            "stages: [dev\n",
            [
                Problem(
                    "could not parse YAML (while parsing a flow sequence: expected ',' or ']', but got '<stream end>')",
                    Span(0, 8, 0, 12),
                    Severity.ERROR,
                )
            ],
        ),
        (
            "[1]\n",
            [
                Problem(
                    "the file must be a mapping of keys to values, got a list",
                    Span(0, 0, 0, 3),
                    Severity.ERROR,
                )
            ],
        ),
        (
            "base: &b {a: 1}\nother:\n  <<: 3\n",
            [
                Problem(
                    "unknown key 'base' (allowed: types, stages, emojis, index, daemon)",
                    Span(0, 0, 0, 4),
                    Severity.ERROR,
                    field="base",
                ),
                Problem(
                    "unknown key 'other' (allowed: types, stages, emojis, index, daemon)",
                    Span(1, 0, 1, 5),
                    Severity.ERROR,
                    field="other",
                ),
            ],
        ),
    ],
)
def test_config_problems_never_raise(text: str, problems: list[Problem]) -> None:
    assert config_problems(text) == problems
