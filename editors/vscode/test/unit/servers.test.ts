import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, beforeEach, describe, test } from "node:test";
import type { ClientSetup, ServerClient } from "../../src/client";
import { Registries } from "../../src/registry";
import { Servers } from "../../src/servers";
import { FakeConnection } from "../helpers/fakeConnection";
import { registryHandlers } from "../helpers/fixtures";
import { EventEmitter, Uri, ui, window, workspace, workspaceEvents } from "../mocks/vscode";

/** A language client that starts (or fails to) at once and reports its states. */
class FakeClient implements ServerClient {
  readonly connection = new FakeConnection(registryHandlers());
  readonly states = new EventEmitter<"starting" | "running" | "stopped">();
  disposed = false;
  constructor(
    readonly setup: ClientSetup,
    private readonly failWith?: string,
  ) {}
  async start(): Promise<void> {
    this.states.fire("starting");
    if (this.failWith !== undefined) {
      this.states.fire("stopped");
      throw new Error(this.failWith);
    }
    this.states.fire("running");
  }
  async dispose(): Promise<void> {
    this.disposed = true;
    this.states.fire("stopped");
  }
  onDidChangeState(listener: (state: "starting" | "running" | "stopped") => void) {
    return this.states.event(listener);
  }
}

function folder(path: string, index = 0) {
  return { uri: Uri.file(path), name: path.split("/").pop() ?? path, index };
}

const scratchRoot = realpathSync(mkdtempSync(join(tmpdir(), "gto-servers-")));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));

function setup(options: { failWith?: (setup: ClientSetup) => string | undefined } = {}) {
  const base = mkdtempSync(join(scratchRoot, "t-"));
  const repo = join(base, "repo");
  mkdirSync(join(repo, ".git"), { recursive: true });
  mkdirSync(join(repo, "models"));
  mkdirSync(join(base, "plain"));
  const clients: FakeClient[] = [];
  const registries = new Registries();
  const output = window.createOutputChannel("GTO");
  const servers = new Servers(registries, output as never, (clientSetup) => {
    const client = new FakeClient(clientSetup, options.failWith?.(clientSetup));
    clients.push(client);
    return client;
  });
  return { base, repo, clients, registries, servers, output };
}

describe("Servers", () => {
  beforeEach(() => {
    ui.reset();
    workspace.configurationValues.clear();
    // An executable that surely exists stands for the gto command.
    workspace.configurationValues.set("gto.serverCommand", [process.execPath, "server", "--stdio"]);
  });

  test("one server per repository: folders of one repository share it, folders outside git get none", async () => {
    const { base, repo, clients, registries, servers } = setup();
    workspace.workspaceFolders = [folder(repo), folder(join(repo, "models"), 1), folder(join(base, "plain"), 2)];
    await servers.syncFolders();
    assert.equal(clients.length, 1);
    assert.equal(clients[0].setup.root, repo);
    assert.deepEqual(clients[0].setup.launch, { command: process.execPath, args: ["server", "--stdio"] });
    assert.deepEqual(registries.folders.map((r) => [r.name, r.path, r.status.state]), [["repo", repo, "ready"]]);
    assert.deepEqual(await registries.folders[0].view(), registryHandlers()["gto/show"]({}));
  });

  test("gto missing: the folder says why, and a message offers the settings and the log", async () => {
    const { repo, clients, registries, servers } = setup();
    workspace.configurationValues.set("gto.serverCommand", ["/nonexistent/gto", "server", "--stdio"]);
    workspace.workspaceFolders = [folder(repo)];
    await servers.syncFolders();
    assert.equal(clients.length, 0);
    const status = registries.folders[0].status;
    assert.equal(status.state, "failed");
    assert.match(status.state === "failed" ? status.message : "", /^'\/nonexistent\/gto' was not found\. Install gto/);
    const shown = ui.calls.find((call) => call.kind === "error");
    assert.deepEqual(shown?.args.slice(1), ["Open Settings", "Show Log"]);
  });

  test("a server that does not start leaves the folder failed with the reason", async () => {
    const { repo, registries, servers } = setup({ failWith: () => "spawn EACCES" });
    workspace.workspaceFolders = [folder(repo)];
    await servers.syncFolders();
    const status = registries.folders[0].status;
    assert.equal(status.state === "failed" ? status.message : status.state, `The gto server of ${repo} did not start: spawn EACCES`);
  });

  test("attaching to a daemon whose socket is dead falls back to a server of its own", async () => {
    const { repo, clients, registries, servers } = setup({ failWith: (s) => (s.socket ? "connect ECONNREFUSED" : undefined) });
    workspace.configurationValues.set("gto.attachToDaemon", true);
    workspace.configurationValues.set("gto.daemonSocket", "/repo/.git/gto/daemon.sock");
    workspace.workspaceFolders = [folder(repo)];
    await servers.syncFolders();
    assert.deepEqual(clients.map((c) => c.setup.socket), ["/repo/.git/gto/daemon.sock", undefined]);
    assert.equal(clients[0].disposed, true);
    assert.equal(registries.folders[0].status.state, "ready");
  });

  test("a change of a server setting restarts that server; other settings do not", async () => {
    const { repo, clients, servers } = setup();
    workspace.workspaceFolders = [folder(repo)];
    await servers.syncFolders();
    workspaceEvents.configuration.fire({ affectsConfiguration: (section) => section === "gto.pushRemote" });
    assert.equal(clients.length, 1);
    workspaceEvents.configuration.fire({ affectsConfiguration: (section) => section === "gto.pythonPath" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(clients.length, 2);
    assert.equal(clients[0].disposed, true);
    await servers.dispose();
  });

  test("a server that stops says so; restart starts a new one", async () => {
    const { repo, clients, registries, servers } = setup();
    workspace.workspaceFolders = [folder(repo)];
    await servers.syncFolders();
    clients[0].states.fire("stopped");
    const status = registries.folders[0].status;
    assert.equal(status.state === "failed" ? status.message : status.state, "The gto server stopped. Run GTO: Restart Server.");
    await servers.restart(registries.folders[0]);
    assert.equal(clients.length, 2);
    assert.equal(registries.folders[0].status.state, "ready");
  });

  test("closing the last folder of a repository stops its server and drops its registry", async () => {
    const { repo, clients, registries, servers } = setup();
    workspace.workspaceFolders = [folder(repo)];
    await servers.syncFolders();
    workspace.workspaceFolders = [];
    await servers.syncFolders();
    assert.equal(clients[0].disposed, true);
    assert.deepEqual(registries.folders, []);
  });
});
