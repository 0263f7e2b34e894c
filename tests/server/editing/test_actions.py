"""Quick fixes: offered where the fix is obvious, and the text they leave behind."""

from __future__ import annotations

import pytest

from gto.positions import Span
from gto.server.editing.actions import Edit, quick_fixes
from gto.server.editing.outline import line_starts

EVERYWHERE = Span(0, 0, 100, 0)


def apply(text: str, edits: tuple[Edit, ...]) -> str:
    starts = line_starts(text)
    for edit in sorted(edits, key=lambda edit: edit.span, reverse=True):
        start = starts[edit.span.start_line] + edit.span.start_col
        end = starts[edit.span.end_line] + edit.span.end_col
        text = text[:start] + edit.new_text + text[end:]
    return text


def no_path_exists(path: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("before", "title", "after"),
    [
        pytest.param(
            "rf:\n  labels: [a, b, a]\n",
            "Remove the repeated label 'a'",
            "rf:\n  labels: [a, b]\n",
            id="flow-label",
        ),
        pytest.param(
            "rf:\n  labels:\n    - x\n    - x\n    - y\nnn:\n",
            "Remove the repeated label 'x'",
            "rf:\n  labels:\n    - x\n    - y\nnn:\n",
            id="block-label",
        ),
        pytest.param(
            "rf:\n  labels:\n  - x\n  - x",
            "Remove the repeated label 'x'",
            "rf:\n  labels:\n  - x",
            id="block-label-on-the-last-line",
        ),
        pytest.param(
            "rf:\n  type: model\n  virtual: false\n",
            "Add a 'path' field",
            "rf:\n  type: model\n  path: \n  virtual: false\n",
            id="add-path",
        ),
        pytest.param(
            "rf:\n  type: model\n  virtual: false\n",
            "Set 'virtual: true' (the path is not committed in the repository)",
            "rf:\n  type: model\n  virtual: true\n",
            id="no-path-set-virtual",
        ),
        pytest.param(
            "rf:\n  path: models/rf.pkl\n  virtual: no\n",
            "Set 'virtual: true' (the path is not committed in the repository)",
            "rf:\n  path: models/rf.pkl\n  virtual: true\n",
            id="missing-path-set-virtual",
        ),
        pytest.param(
            "rf:\n  tpye: model\n",
            "Rename 'tpye' to 'type'",
            "rf:\n  type: model\n",
            id="near-miss-field",
        ),
    ],
)
def test_fixes_and_their_result(before: str, title: str, after: str) -> None:
    fixes = {fix.title: fix for fix in quick_fixes(before, EVERYWHERE, no_path_exists)}
    assert title in fixes, sorted(fixes)
    assert apply(before, fixes[title].edits) == after


def test_fixes_carry_their_problem_and_only_the_range_counts() -> None:
    text = "rf:\n  labels: [a, a]\nnn:\n  virtual: false\n"
    [fix] = quick_fixes(text, Span(1, 14, 1, 14), no_path_exists)
    assert fix.title == "Remove the repeated label 'a'"
    assert fix.preferred
    assert fix.problem.span == Span(1, 14, 1, 15)
    assert [fix.title for fix in quick_fixes(text, Span(3, 12, 3, 12), no_path_exists)] == [
        "Add a 'path' field",
        "Set 'virtual: true' (the path is not committed in the repository)",
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Bad Name:\n  type: model\n", id="invalid-name-is-not-renamed"),
        pytest.param("rf:\n  colour: red\n", id="unknown-field-without-a-near-miss"),
        pytest.param("rf:\n  tpye: x\n  type: model\n", id="near-miss-already-set"),
        pytest.param("rf: {virtual: false}\n", id="flow-entry-gets-no-path-line"),
        pytest.param("rf:\n  path: here\n  virtual: false\n", id="existing-path"),
    ],
)
def test_no_fix_where_none_is_obvious(text: str) -> None:
    fixes = quick_fixes(text, EVERYWHERE, lambda path: path == "here")
    assert [fix.title for fix in fixes if not fix.title.startswith("Set 'virtual")] == []
