"""``docs/protocol.md`` documents every request and notification of the server, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from gto.git import RepoPaths
from gto.server import wire
from gto.server.live import LiveRegistry
from gto.server.server import Host, create_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def registered_methods() -> set[str]:
    """The ``gto/`` requests a connection's server answers, as the factory builds it."""
    root = Path("/nonexistent")
    server = create_server(LiveRegistry(RepoPaths(root, root, root), {}), Host(transport="stdio"))
    return {name for name in server.protocol.fm.features if name.startswith("gto/")}


def documented() -> set[str]:
    return set(re.findall(r"^### `(gto/[A-Za-z]+)`$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE))


def test_every_method_and_notification_is_documented() -> None:
    names = registered_methods() | set(wire.NOTIFICATIONS)
    assert "gto/show" in names and "gto/registryChanged" in names
    assert sorted(names - documented()) == [], "missing from docs/protocol.md"


def test_the_document_describes_no_method_the_server_lacks() -> None:
    names = registered_methods() | set(wire.NOTIFICATIONS)
    assert sorted(documented() - names) == []


def test_each_method_has_params_result_errors_and_an_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r"^### (?=`gto/)", text, flags=re.MULTILINE)[1:]
    assert len(sections) == len(documented())
    for section in sections:
        section = re.split(r"^##? ", section, flags=re.MULTILINE)[0]
        name = section.split("`")[1]
        assert "**Params**" in section, name
        if name not in wire.NOTIFICATIONS:
            assert "**Result**" in section and "**Errors**" in section, name
        assert "```json" in section and f'"method": "{name}"' in section, name
