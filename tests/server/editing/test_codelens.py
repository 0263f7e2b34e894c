"""Code lens titles: latest version and stages, or not registered."""

from __future__ import annotations

from gto.config import Config
from gto.positions import Span
from gto.server.editing.codelens import code_lenses

from .states import registry_state

TEXT = "rf:\n  type: model\nnn:\nseg: {}\nds:\nnew:\nrf:\n"


def test_one_lens_per_entry() -> None:
    lenses = code_lenses(TEXT, registry_state())
    assert [(lens.span, lens.title, lens.artifact) for lens in lenses] == [
        (Span(0, 0, 0, 2), "latest v1.2.4 · prod v1.2.3 · staging v1.2.4", "rf"),
        (Span(2, 0, 2, 2), "dev 3333333", "nn"),
        (Span(3, 0, 3, 3), "deprecated · latest v0.1.0", "seg"),
        (Span(4, 0, 4, 2), "latest v1.0.0", "ds"),
        (Span(5, 0, 5, 3), "not registered", "new"),
    ]


def test_stages_follow_the_configured_order() -> None:
    [rf, *_] = code_lenses(TEXT, registry_state(), Config(stages=("dev", "staging", "prod")))
    assert rf.title == "latest v1.2.4 · staging v1.2.4 · prod v1.2.3"


def test_without_a_registry_every_entry_is_not_registered() -> None:
    assert {lens.title for lens in code_lenses(TEXT, None)} == {"not registered"}
