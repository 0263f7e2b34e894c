"""End to end: a standard LSP client (pytest-lsp over pygls) drives ``gto server --stdio`` in a
real git repository with real tags, configured with nothing but that command.

Every wait is for a message from the server (a diagnostics notification, a code lens refresh
request), never a sleep; each wait has a timeout so a missing message fails the test.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from gto.errors import ArtifactNotFoundError

GTO = Path(sys.executable).parent / "gto"
TIMEOUT = 20
T0 = 1_767_225_600  # 2026-01-01 00:00:00 UTC

ANNOTATIONS = """\
rf:
  type: model
  path: models/rf.pkl
  virtual: false
  description: Random forest
nn:
  type: model
"""


@pytest.fixture
def registry(repo: Repo) -> Repo:
    """rf: v1.2.3 in prod, v1.2.4 in staging; nn: no tags; ds: tags but no entry; .gto sets types and stages."""
    c1 = repo.commit({"models/rf.pkl": "rf 1\n", "artifacts.yaml": ANNOTATIONS}, message="rf 1")
    c2 = repo.commit(
        {"models/rf.pkl": "rf 2\n", ".gto": "types: [model, dataset]\nstages: [dev, staging, prod]\n"}, message="rf 2"
    )
    for offset, tag, commit in [
        (100, "rf@v1.2.3", c1),
        (200, "rf@v1.2.4", c2),
        (300, "rf#prod#1", c1),
        (400, "rf#staging#2", c2),
        (500, "ds@v0.1.0", c2),
    ]:
        repo.tag(tag, commit, date=T0 + offset)
    return repo


class Editor:
    """One client connection to ``gto server --stdio``, with what the server sent it."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.lens_refreshes = 0
        # Set by each workspace/codeLens/refresh request; the test clears it before it waits.
        self.lens_refreshed = asyncio.Event()
        self.initialized: types.InitializeResult | None = None
        self._versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        uri = from_fs_path(str(self.root / name))
        assert uri is not None
        return uri

    def open(self, name: str, text: str) -> str:
        uri = self.uri(name)
        self._versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        self._versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self._versions[uri]),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def diagnostics(
        self, uri: str, until: Callable[[Sequence[types.Diagnostic]], bool]
    ) -> Sequence[types.Diagnostic]:
        """Wait for diagnostics of ``uri`` that satisfy ``until``."""

        async def wait() -> Sequence[types.Diagnostic]:
            while uri not in self.client.diagnostics or not until(self.client.diagnostics[uri]):
                await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            return self.client.diagnostics[uri]

        return await asyncio.wait_for(wait(), TIMEOUT)

    async def lenses(self, uri: str) -> list[tuple[int, str, list[Any]]]:
        """Each code lens as (line, title, command arguments); every lens runs ``gto.show``."""
        found = await self.client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        lenses = []
        for lens in found or []:
            assert lens.command is not None and lens.command.command == "gto.show"
            lenses.append((lens.range.start.line, lens.command.title, list(lens.command.arguments or [])))
        return lenses


@asynccontextmanager
async def editor(root: Path, client_spec: str = "visual-studio-code") -> AsyncIterator[Editor]:
    """Start ``gto server --stdio`` in ``root`` and initialize it as the client ``client_spec`` would."""
    client = make_test_lsp_client()
    session = Editor(client, root)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        session.lens_refreshes += 1
        session.lens_refreshed.set()

    await client.start_io(str(GTO), "server", "--stdio", cwd=str(root))
    root_uri = from_fs_path(str(root))
    session.initialized = await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(client_spec),
            root_uri=root_uri,
            workspace_folders=[types.WorkspaceFolder(uri=root_uri or "", name="repo")],
        )
    )
    try:
        yield session
    finally:
        await client.shutdown_session()
        await client.stop()


def at(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(
        start=types.Position(line=start[0], character=start[1]), end=types.Position(line=end[0], character=end[1])
    )


def described(diagnostics: Sequence[types.Diagnostic]) -> list[tuple[types.Range, str, str]]:
    return [(d.range, str(d.severity.name if d.severity else None), d.message) for d in diagnostics]


BROKEN = """\
rf:
  description: "😀 forest"
  type: model
  labels: [ml, ml]
  path: models/rf.pkl
ds:
  path: models
  tpye: dataset
nn:
  type: Model X
seg: {type: table}
Bad Name: {}
"""

FIXED = """\
rf:
  description: "😀 forest"
  type: model
  labels: [ml]
  path: models/rf.pkl
  virtual: false
ds:
  path: data/ds.csv
  type: dataset
"""


async def test_diagnostics_of_unsaved_text_with_exact_ranges_then_cleared(registry: Repo) -> None:
    async with editor(registry.path) as session:
        uri = session.open("artifacts.yaml", BROKEN)
        diagnostics = await session.diagnostics(uri, lambda found: len(found) > 0)
        assert described(diagnostics) == [
            (
                at((3, 15), (3, 17)),
                "Warning",
                "Label 'ml' of artifact 'rf' is repeated (first on line 4): each label is expected once",
            ),
            (
                at((6, 8), (6, 14)),
                "Error",
                "Path 'models' is already used by artifact 'rf' (it contains 'models/rf.pkl')",
            ),
            (
                at((7, 2), (7, 6)),
                "Warning",
                "Unknown field 'tpye' of artifact 'ds' is ignored (did you mean 'type'?)",
            ),
            (
                at((9, 8), (9, 15)),
                "Error",
                "'type' of artifact 'nn' must be a name (letters and digits, with '-', '_' or '/' only inside),"
                " got 'Model X'",
            ),
            (
                at((10, 12), (10, 17)),
                "Error",
                "Type 'table' of artifact 'seg' is not allowed. Allowed types are: model, dataset",
            ),
            (
                at((11, 0), (11, 8)),
                "Error",
                "Invalid artifact name 'Bad Name': use NAME or DIR:NAME, where NAME has letters and digits"
                " with '-', '_' or '/' only inside",
            ),
        ]
        assert {d.source for d in diagnostics} == {"gto"}

        session.change(uri, 'rf:\n  description: "😀 x" ]\n')
        [syntax] = await session.diagnostics(uri, lambda found: len(found) == 1)
        # The stray "]" is code point 21 of the line, but UTF-16 unit 22: the emoji takes two units.
        assert syntax.range == at((1, 22), (1, 23))
        assert syntax.message.startswith("Could not parse YAML (")

        session.change(uri, FIXED)
        assert list(await session.diagnostics(uri, lambda found: len(found) == 0)) == []


async def test_quick_fixes_and_document_symbols(registry: Repo) -> None:
    async with editor(registry.path) as session:
        uri = session.open("artifacts.yaml", "rf:\n  labels: [a, b, a]\n  virtual: false\n")
        await session.diagnostics(uri, lambda found: len(found) == 2)
        actions = await session.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=at((1, 17), (1, 17)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert actions is not None
        [remove] = [action for action in actions if isinstance(action, types.CodeAction)]
        assert remove.title == "Remove the repeated label 'a'"
        assert remove.kind == types.CodeActionKind.QuickFix
        assert remove.edit is not None and remove.edit.changes is not None
        assert list(remove.edit.changes[uri]) == [types.TextEdit(range=at((1, 15), (1, 18)), new_text="")]
        symbols = await session.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert symbols is not None
        [rf] = symbols
        assert isinstance(rf, types.DocumentSymbol)
        assert (rf.name, rf.kind, rf.range, rf.selection_range) == (
            "rf",
            types.SymbolKind.Module,
            at((0, 0), (2, 16)),
            at((0, 0), (0, 2)),
        )
        assert [(child.name, child.detail) for child in rf.children or []] == [
            ("labels", "a, b, a"),
            ("virtual", "false"),
        ]


async def test_config_file_diagnostics(registry: Repo) -> None:
    async with editor(registry.path) as session:
        uri = session.open(".gto", "stages: [dev, prod]\ncolour: red\n")
        [unknown] = await session.diagnostics(uri, lambda found: len(found) > 0)
        assert described([unknown]) == [
            (at((1, 0), (1, 6)), "Error", "Unknown key 'colour' (allowed: types, stages, emojis, index, daemon)")
        ]
        session.change(uri, "stages: [dev, prod]\n")
        [left_out] = await session.diagnostics(uri, lambda found: len(found) == 1 and found[0].range.start.line == 0)
        assert left_out.message == (
            "Stage 'staging' is used by tag 'rf#staging#2' but is not in 'stages': add it, or gto show will not list it"
        )


async def test_completion_hover_and_code_lens_on_real_tags(registry: Repo) -> None:
    async with editor(registry.path) as session:
        assert session.initialized is not None
        capabilities = session.initialized.capabilities
        assert capabilities.execute_command_provider is not None
        assert "gto.show" in capabilities.execute_command_provider.commands
        assert capabilities.code_lens_provider is not None and capabilities.hover_provider
        assert capabilities.position_encoding == types.PositionEncodingKind.Utf16
        text = ANNOTATIONS + "\n"
        uri = session.open("artifacts.yaml", text)
        await session.diagnostics(uri, lambda found: True)

        completion = await session.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=7, character=0)
            )
        )
        assert isinstance(completion, types.CompletionList)
        assert [(item.label, item.detail) for item in completion.items] == [("ds", "has tags (latest v0.1.0)")]
        assert completion.items[0].text_edit == types.TextEdit(range=at((7, 0), (7, 0)), new_text="ds:")

        fields = await session.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=2)
            )
        )
        assert isinstance(fields, types.CompletionList)
        assert [item.label for item in fields.items] == ["labels", "custom"]

        hover = await session.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=1)
            )
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert hover.range == at((0, 0), (0, 2))
        assert hover.contents.value.splitlines()[:12] == [
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
        ]
        assert (
            "- 2026-01-01 00:06:40 +0000 · assignment v1.2.4 to staging `rf#staging#2` · Alice" in hover.contents.value
        )

        assert await session.lenses(uri) == [
            (0, "latest v1.2.4 · staging v1.2.4 · prod v1.2.3", ["rf"]),
            (5, "not registered", ["nn"]),
        ]
        shown = await session.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="gto.show", arguments=["rf"])
        )
        assert isinstance(shown, list)
        assert [(row["version"], row["stage"]) for row in shown] == [("v1.2.4", "staging"), ("v1.2.3", "prod")]
        assert [line.split()[:3] for line in session.client.messages[-1].message.splitlines()] == [
            ["artifact", "version", "stage"],
            ["rf", "v1.2.4", "staging"],
            ["rf", "v1.2.3", "prod"],
        ]
        with pytest.raises(JsonRpcException, match="Cannot find artifact 'nope'") as raised:
            await session.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="gto.show", arguments=["nope"])
            )
        assert raised.value.code == ArtifactNotFoundError.code


async def test_code_lens_follows_a_tag_made_outside_the_editor(registry: Repo) -> None:
    async with editor(registry.path) as session:
        uri = session.open("artifacts.yaml", ANNOTATIONS)
        await session.diagnostics(uri, lambda found: True)
        assert (await session.lenses(uri))[1] == (5, "not registered", ["nn"])
        session.lens_refreshed.clear()

        registry.tag("nn@v0.1.0", date=T0 + 600)
        registry.tag("nn#dev#1", date=T0 + 700)

        while (await session.lenses(uri))[1] != (5, "latest v0.1.0 · dev v0.1.0", ["nn"]):
            await asyncio.wait_for(session.lens_refreshed.wait(), TIMEOUT)
            session.lens_refreshed.clear()
        assert session.lens_refreshes >= 1

        # Diagnostics follow the registry too: a lightweight tag that CI would see but the registry ignores.
        assert list(await session.diagnostics(uri, lambda found: True)) == []
        registry.lightweight_tag("nn@v0.2.0")
        [warning] = await session.diagnostics(uri, lambda found: len(found) == 1)
        assert described([warning]) == [
            (
                at((5, 0), (5, 2)),
                "Warning",
                "Tag 'nn@v0.2.0' is lightweight: CI may act on it, but the registry ignores it"
                " (recreate it with 'git tag -a')",
            )
        ]


async def test_positions_in_the_encoding_the_client_prefers(registry: Repo) -> None:
    # Neovim 0.11 offers UTF-8 first: columns count bytes, so the emoji (4 bytes) shifts the range.
    async with editor(registry.path, "neovim@v0.11.0") as session:
        uri = session.open("artifacts.yaml", 'rf:\n  description: "😀"\n  tpye: x  # 😀\n  type: "😀"\n')
        diagnostics = await session.diagnostics(uri, lambda found: len(found) == 2)
        assert [d.range for d in diagnostics] == [at((2, 2), (2, 6)), at((3, 8), (3, 14))]
