"""Tests for gto.positions: spans of YAML nodes, YAML errors as problems, mapping entries, values."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gto.positions import (
    Problem,
    Severity,
    Span,
    construct_value,
    content_end,
    describe_node,
    is_null,
    is_string,
    mapping_entries,
    node_span,
    read_yaml,
    yaml_problem,
)


def root_of(text: str) -> yaml.Node:
    document = read_yaml(text)
    assert document.problem is None
    assert document.root is not None
    return document.root


def mapping_of(text: str) -> yaml.MappingNode:
    root = root_of(text)
    assert isinstance(root, yaml.MappingNode)
    return root


def test_span_and_problem_lines_are_one_based_for_people() -> None:
    span = Span(2, 4, 2, 9)
    problem = Problem("bad", span, Severity.ERROR)
    assert (span.line, problem.line) == (3, 3)
    assert problem.field is None and problem.artifact is None
    assert Severity.WARNING == "warning"


def test_spans_order_by_start_then_end() -> None:
    spans = [Span(1, 0, 1, 2), Span(0, 5, 0, 6), Span(0, 1, 3, 0)]
    assert sorted(spans) == [Span(0, 1, 3, 0), Span(0, 5, 0, 6), Span(1, 0, 1, 2)]


@pytest.mark.parametrize("text", ["", "   \n\n", " \t\n\t", "# only a comment\n", "# a\n\n# b"])
def test_empty_texts_have_no_root_and_no_problem(text: str) -> None:
    assert read_yaml(text).root is None
    assert read_yaml(text).problem is None


@pytest.mark.parametrize(
    ("text", "message", "span"),
    [
        pytest.param(
            "a: b: c\n",
            "could not parse YAML (mapping values are not allowed here)",
            Span(0, 4, 0, 7),
            id="mapping-value-in-plain-scalar",
        ),
        pytest.param(
            "a: 1\r\nb: c: d\r\n",
            "could not parse YAML (mapping values are not allowed here)",
            Span(1, 4, 1, 7),
            id="crlf-lines-count-once",
        ),
        pytest.param(
            "a:\n\t- b\n",
            "could not parse YAML (while scanning for the next token: found character '\\t' that cannot"
            " start any token)",
            Span(1, 0, 1, 4),
            id="tab-indentation",
        ),
        pytest.param(
            'x: 1\nkey: "unterminated\n',
            "could not parse YAML (while scanning a quoted scalar: found unexpected end of stream)",
            Span(1, 5, 1, 18),
            id="unterminated-quote-points-at-its-start",
        ),
        pytest.param(
            "a: {b: 1\n",
            "could not parse YAML (while parsing a flow mapping: expected ',' or '}', but got '<stream end>')",
            Span(0, 3, 0, 8),
            id="unterminated-flow-mapping",
        ),
        pytest.param(
            "a: *missing\n",
            "could not parse YAML (found undefined alias 'missing')",
            Span(0, 3, 0, 11),
            id="undefined-alias-named",
        ),
        pytest.param(
            "a: 1\n---\nb: 2\n",
            "could not parse YAML (expected a single document in the stream: but found another document)",
            Span(1, 0, 1, 3),
            id="two-documents",
        ),
        pytest.param(
            "ok: 1\na: \x01\n",
            "could not parse YAML (character #x0001 at this place: special characters are not allowed)",
            Span(1, 3, 1, 4),
            id="control-character",
        ),
    ],
)
def test_yaml_errors_become_problems_at_their_place(text: str, message: str, span: Span) -> None:
    document = read_yaml(text)
    assert document.root is None
    assert document.problem == Problem(message, span, Severity.ERROR)


def test_yaml_problem_without_mark_points_at_the_start() -> None:
    problem = yaml_problem(yaml.YAMLError("odd"), "a: 1\n")
    assert problem == Problem("could not parse YAML (odd)", Span(0, 0, 0, 4), Severity.ERROR)


@pytest.mark.parametrize(
    ("text", "path", "span"),
    [
        pytest.param("a: 1\n", ["a"], Span(0, 3, 0, 4), id="plain-scalar"),
        pytest.param("a: 'x y'\n", ["a"], Span(0, 3, 0, 8), id="quoted-scalar"),
        pytest.param(
            "a:\n  b: 1\n# about c\n\nc: 2\n",
            ["a"],
            Span(1, 2, 1, 6),
            id="block-mapping-stops-before-comment",
        ),
        pytest.param("a:\n  - x\n  - yy\n\nb: 1\n", ["a"], Span(1, 2, 2, 6), id="block-list"),
        pytest.param("a: {b: [1, 2]}  # note\n", ["a"], Span(0, 3, 0, 14), id="flow-mapping"),
        pytest.param("a: |\n  one\n  two\n\nb: 1\n", ["a"], Span(0, 3, 4, 0), id="literal-block-ends-on-next-line"),
        pytest.param("é😀: x\nb: 1\n", ["b"], Span(1, 3, 1, 4), id="code-point-columns"),
        pytest.param("a:\nb: 1\n", ["a"], Span(0, 2, 0, 2), id="empty-value-after-colon"),
    ],
)
def test_node_spans(text: str, path: list[str], span: Span) -> None:
    node: yaml.Node = mapping_of(text)
    for key in path:
        assert isinstance(node, yaml.MappingNode)
        node = next(value for key_node, value in node.value if key_node.value == key)
    assert node_span(node) == span


def test_content_end_ignores_aliases_to_earlier_text_and_recursion() -> None:
    root = mapping_of("a: &anchor\n  x: 1\nb:\n  y: *anchor\n  z: 2\nc: &loop [1, *loop]\n")
    b_value = root.value[1][1]
    assert (content_end(b_value).line, content_end(b_value).column) == (4, 6)
    loop = root.value[2][1]
    assert node_span(loop) == Span(5, 3, 5, 19)
    block_loop = mapping_of("d: &me\n  - *me\n  - 3\n").value[0][1]
    assert node_span(block_loop) == Span(0, 3, 2, 5)


def test_mapping_entries_mark_duplicates_with_the_first_entry() -> None:
    entries, problems = mapping_entries(mapping_of("a: 1\nb: 2\na: 3\n"))
    assert problems == []
    assert [(entry.key, entry.value_node.value) for entry in entries] == [("a", "1"), ("b", "2"), ("a", "3")]
    assert [entry.duplicate_of for entry in entries[:2]] == [None, None]
    assert entries[2].duplicate_of is entries[0]
    assert entries[2].key_span == Span(2, 0, 2, 1)
    assert entries[2].value_span == Span(2, 3, 2, 4)


def test_mapping_entries_fold_case_only_when_asked() -> None:
    node = mapping_of("Stages: [a]\nstages: [b]\n")
    entries, _ = mapping_entries(node)
    assert [entry.duplicate_of for entry in entries] == [None, None]
    folded, _ = mapping_entries(node, key_of=str.lower)
    assert folded[1].duplicate_of is folded[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "base: &b {type: model, path: p}\nx:\n  <<: *b\n  path: q\n",
            [("type", "model", True), ("path", "q", False)],
            id="explicit-key-wins-over-merged",
        ),
        pytest.param(
            "one: &one {k: 1}\ntwo: &two {k: 2, m: 3}\nx:\n  <<: [*one, *two]\n",
            [("k", "1", True), ("m", "3", True)],
            id="earlier-merge-wins",
        ),
        pytest.param(
            "inner: &i {k: 1}\nouter: &o {<<: *i, j: 2}\nx:\n  <<: *o\n",
            [("k", "1", True), ("j", "2", True)],
            id="nested-merge",
        ),
    ],
)
def test_merge_keys_are_resolved_in_place(text: str, expected: list[tuple[str, str, bool]]) -> None:
    x_value = mapping_of(text).value[-1][1]
    assert isinstance(x_value, yaml.MappingNode)
    entries, problems = mapping_entries(x_value)
    assert problems == []
    assert [(entry.key, entry.value_node.value, entry.merged) for entry in entries] == expected
    assert all(entry.duplicate_of is None for entry in entries)


def test_merge_of_a_scalar_is_a_problem() -> None:
    entries, problems = mapping_entries(mapping_of("a: 1\n<<: nope\n"))
    assert [entry.key for entry in entries] == ["a"]
    assert problems == [
        Problem(
            "the merge key '<<' needs a mapping or a list of mappings, got 'nope'",
            Span(1, 4, 1, 8),
            Severity.ERROR,
        )
    ]


def test_self_merge_terminates() -> None:
    entries, problems = mapping_entries(mapping_of("a: &a\n  k: 1\n  <<: *a\n").value[0][1])
    assert [(entry.key, entry.merged) for entry in entries] == [("k", False)]
    assert problems == []


def test_non_scalar_keys_have_no_key_text() -> None:
    entries, _ = mapping_entries(mapping_of("? [a, b]\n: 1\n7: seven\n"))
    assert [entry.key for entry in entries] == [None, "7"]


@pytest.mark.parametrize(
    ("text", "shown", "null", "string"),
    [
        ("v: prod", "'prod'", False, True),
        ("v: '123'", "'123'", False, True),
        ("v: 123", "123", False, False),
        ("v: true", "true", False, False),
        ("v: ~", "nothing", True, False),
        ("v:", "nothing", True, False),
        ("v: [a]", "a list", False, False),
        ("v: {a: 1}", "a mapping", False, False),
        ("v: " + "x" * 50, "'" + "x" * 37 + "...'", False, True),
    ],
)
def test_describe_node(text: str, shown: str, null: bool, string: bool) -> None:
    node = mapping_of(text).value[0][1]
    assert (describe_node(node), is_null(node), is_string(node)) == (shown, null, string)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("v: 2024-01-31", "2024-01-31"),
        ("v: 2024-01-31 10:00:00", "2024-01-31 10:00:00"),
        ("v: {a: [1, 2.5, true, null, x]}", {"a": [1, 2.5, True, None, "x"]}),
        ("v: !!str 12", "12"),
    ],
)
def test_construct_value_keeps_json_friendly_values(text: str, value: Any) -> None:
    assert construct_value(mapping_of(text).value[0][1]) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("v: !thing x", "could not determine a constructor for the tag '!thing'"),
        ("v: !!bool maybe", "KeyError: 'maybe'"),
        ("v: {[a]: 1}", "found unhashable key"),
    ],
)
def test_construct_value_explains_failures(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        construct_value(mapping_of(text).value[0][1])
    assert str(raised.value) == reason


@pytest.mark.parametrize(
    ("text", "span"),
    [
        pytest.param("a: " + "[" * 101 + "]" * 101 + "\n", Span(0, 3, 0, 205), id="written-nesting"),
        pytest.param("a: " + "[" * 100 + "]" * 100 + "\n", Span(0, 0, 0, 203), id="one-level-too-many"),
        pytest.param("a: &x " + "[" * 100 + "]" * 100 + "\n", Span(0, 0, 0, 206), id="one-level-too-many-anchored"),
        pytest.param("a: " + "[" * 1000 + "]" * 1000 + "\n", Span(0, 0, 0, 0), id="beyond-the-parser"),
        pytest.param(
            "\n".join(["l0: &l0 [x]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 120)]) + "\n",
            Span(99, 5, 99, 16),
            id="nesting-through-aliases",
        ),
    ],
)
def test_deep_nesting_is_refused_before_any_recursive_walk(text: str, span: Span) -> None:
    assert read_yaml(text).problem == Problem(
        "could not parse YAML (values are nested more than 100 levels deep)", span, Severity.ERROR
    )


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "a: " + "[" * 99 + "]" * 99 + "\n"
    assert read_yaml(text).problem is None
