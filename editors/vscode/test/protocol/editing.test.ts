/**
 * What the language client gets from the real server for `artifacts.yaml` and `.gto`:
 * the capabilities it registers, then diagnostics, completion, hover and code lens, over the same
 * stdio connection and framing vscode-languageclient uses.
 */
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { CommandHandlers, commandTable } from "../../src/commands";
import { Registries } from "../../src/registry";
import { makeRegistryRepo, type RegistryRepo } from "../helpers/registryRepo";
import { startServer, withTimeout, type RunningServer } from "../helpers/server";

interface Position {
  line: number;
  character: number;
}
interface Diagnostic {
  range: { start: Position; end: Position };
  message: string;
  severity: number;
}

let fixture: RegistryRepo;
let server: RunningServer;
let uri: string;

/** The diagnostics the server publishes next for `uri`. */
function nextDiagnostics(): Promise<Diagnostic[]> {
  return withTimeout(
    new Promise<Diagnostic[]>((resolve) => {
      const subscription = server.connection.onNotification(
        "textDocument/publishDiagnostics",
        (params: { uri: string; diagnostics: Diagnostic[] }) => {
          if (params.uri !== uri) return;
          subscription.dispose();
          resolve(params.diagnostics);
        },
      );
    }),
    10_000,
    () => `no diagnostics for ${uri}; server log:\n${server.stderr()}`,
  );
}

const TEXT = `churn:
  type: model
  tpye: model
  path: models/churn.pkl
segment:
  type: model
  path: models/segment.pkl
customers:
  type: dataset
  path: data/customers.csv
`;

describe("artifacts.yaml through the language client's connection", () => {
  before(async () => {
    fixture = makeRegistryRepo();
    // What vscode-languageclient announces for the features the extension relies on.
    server = await startServer(fixture.repo.path, fixture.repo.env, {
      textDocument: {
        synchronization: { dynamicRegistration: true, didSave: true },
        publishDiagnostics: { relatedInformation: true },
        completion: { completionItem: { snippetSupport: true } },
        hover: { contentFormat: ["markdown", "plaintext"] },
        codeLens: {},
        documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      },
      workspace: { codeLens: { refreshSupport: true }, executeCommand: { dynamicRegistration: true } },
      general: { positionEncodings: ["utf-16"] },
    });
    uri = pathToFileURL(join(fixture.repo.path, "artifacts.yaml")).href;
  });

  after(async () => {
    await server?.stop();
    fixture?.repo.remove();
  });

  test("the server announces sync, completion, hover and code lens", () => {
    const capabilities = server.initialized.capabilities;
    assert.ok(capabilities.textDocumentSync, "text document sync");
    assert.ok(capabilities.completionProvider, "completion");
    assert.ok(capabilities.hoverProvider, "hover");
    assert.ok(capabilities.codeLensProvider, "code lens");
  });

  test("every command the server offers is one the extension implements itself", () => {
    const offered: string[] = server.initialized.capabilities.executeCommandProvider?.commands ?? [];
    const implemented = Object.keys(
      commandTable(
        new CommandHandlers({
          registries: new Registries(),
          writeSettings: () => ({ pushAfterWrite: false, pushRemote: "origin" }),
          restartServers: async () => undefined,
          showOutput: () => undefined,
          pushTags: async () => "",
          revealArtifact: async () => undefined,
          activeFile: () => undefined,
        }),
      ),
    );
    for (const command of offered) assert.ok(implemented.includes(command), `${command} is implemented by the extension`);
  });

  test("opening the file publishes diagnostics with exact ranges", async () => {
    const published = nextDiagnostics();
    await server.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "yaml", version: 1, text: TEXT },
    });
    const diagnostics = await published;
    const typo = diagnostics.find((d) => /tpye/.test(d.message));
    assert.ok(typo, JSON.stringify(diagnostics));
    assert.equal(typo.range.start.line, 2);
    assert.equal(typo.range.start.character, 2);
    assert.equal(typo.severity, 2, "an unknown field is a warning");
  });

  test("an edit is checked as typed", async () => {
    const published = nextDiagnostics();
    await server.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: TEXT.replace("  type: dataset", "  type: Not A Name") }],
    });
    const diagnostics = await published;
    const bad = diagnostics.find((d) => d.severity === 1);
    assert.ok(bad, JSON.stringify(diagnostics));
    assert.equal(bad.range.start.line, 8);
  });

  test("completion offers the fields an entry does not set yet", async () => {
    const text = "churn:\n  type: model\n  \n";
    await server.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 3 },
      contentChanges: [{ text }],
    });
    const answer = await server.connection.sendRequest<{ items?: { label: string }[] } | { label: string }[]>(
      "textDocument/completion",
      { textDocument: { uri }, position: { line: 2, character: 2 } },
    );
    const labels = (Array.isArray(answer) ? answer : (answer?.items ?? [])).map((item) => item.label);
    assert.ok(labels.includes("path"), labels.join(", "));
    assert.ok(!labels.includes("type"), "type is already set");
  });

  test("hover on an artifact shows the live registry", async () => {
    await server.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 4 },
      contentChanges: [{ text: TEXT }],
    });
    const hover = await server.connection.sendRequest<{ contents: { value: string } | string }>("textDocument/hover", {
      textDocument: { uri },
      position: { line: 0, character: 2 },
    });
    const text = typeof hover.contents === "string" ? hover.contents : hover.contents.value;
    assert.match(text, /v1\.1\.0/);
    assert.match(text, /prod/);
  });

  test("code lenses carry the latest version and stages, and run gto.show with the name", async () => {
    const lenses = await server.connection.sendRequest<
      { range: { start: Position }; command?: { title: string; command: string; arguments?: unknown[] } }[]
    >("textDocument/codeLens", { textDocument: { uri } });
    const churn = lenses.find((lens) => lens.range.start.line === 0);
    assert.ok(churn?.command, JSON.stringify(lenses));
    assert.match(churn.command.title, /latest v1\.1\.0/);
    assert.equal(churn.command.command, "gto.show");
    assert.deepEqual(churn.command.arguments, ["churn"]);
  });
});
