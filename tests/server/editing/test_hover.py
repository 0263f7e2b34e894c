"""Hover on artifact keys: the entry as written and the artifact's place in the registry."""

from __future__ import annotations

from gto.config import Config
from gto.positions import Span
from gto.server.editing.hover import artifact_hover

from .states import registry_state

TEXT = """\
rf:
  type: model
  path: models/rf.pkl
  virtual: false
  description: Random forest
nn:
seg:
new:
"""


def test_a_registered_artifact() -> None:
    card = artifact_hover(TEXT, 0, 1, registry_state(), Config(stages=("dev", "staging", "prod")))
    assert card is not None
    assert card.span == Span(0, 0, 0, 2)
    assert card.markdown == "\n".join(
        [
            "**rf** · model",
            "",
            "path `models/rf.pkl` (committed in the repository)",
            "",
            "Random forest",
            "",
            "---",
            "",
            "latest **v1.2.4**",
            "- staging: v1.2.4",
            "- prod: v1.2.3",
            "",
            "Last events:",
            "",
            "- 2026-01-01 00:04:00 +0000 · assignment v1.2.4 to staging `rf#staging#2` · Alice",
            "- 2026-01-01 00:03:00 +0000 · assignment v1.2.3 to prod `rf#prod#1` · Alice",
            "- 2026-01-01 00:02:00 +0000 · registration v1.2.4 `rf@v1.2.4` · Alice",
            "- 2026-01-01 00:01:00 +0000 · registration v1.2.3 `rf@v1.2.3` · Alice",
        ]
    )


def test_unregistered_deprecated_and_untagged_artifacts() -> None:
    state = registry_state()
    nn = artifact_hover(TEXT, 5, 0, state)
    assert nn is not None
    assert nn.markdown.splitlines()[4:7] == ["no registered version", "- dev: 3333333", ""]
    seg = artifact_hover(TEXT, 6, 3, state)
    assert seg is not None
    assert seg.markdown.startswith("**seg** · *deprecated*\n")
    new = artifact_hover(TEXT, 7, 2, state)
    assert new is not None
    assert new.markdown == "**new**\n\n---\n\nNot registered: no registry tags yet."


def test_no_hover_away_from_artifact_keys() -> None:
    assert artifact_hover(TEXT, 1, 4, registry_state()) is None
    assert artifact_hover("rf: [\n", 0, 0, registry_state()) is None
