/**
 * Attaching to a running `gto daemon` instead of starting a server: the socket is found as the
 * extension finds it (`gto daemon status --json`), the protocol runs over it unchanged, and
 * leaving ends only this connection.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import { connectToDaemon, daemonSocket, daemonStatusCommand, serverLaunch } from "../../src/launch";
import * as protocol from "../../src/protocol";
import { Registries } from "../../src/registry";
import { RegistryTreeProvider } from "../../src/registryTree";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { makeRegistryRepo, type RegistryRepo } from "../helpers/registryRepo";
import { renderTree } from "../helpers/render";
import { gtoConnection, projectPython, withTimeout } from "../helpers/server";

const settings = { ...DEFAULT_SETTINGS, pythonPath: projectPython(), attachToDaemon: true };
const launch = serverLaunch(settings);
let fixture: RegistryRepo;

/** The command line of the same interpreter, as the extension derives it from the launch. */
function gto(...args: string[]): string {
  const status = daemonStatusCommand(launch)!;
  const cli = status.args.slice(0, status.args.length - 3);
  return execFileSync(status.command, [...cli, ...args], { cwd: fixture.repo.path, env: fixture.repo.env, encoding: "utf8" });
}

async function attach(socket: string): Promise<MessageConnection> {
  const stream = await connectToDaemon(socket);
  const connection = createMessageConnection(new StreamMessageReader(stream), new StreamMessageWriter(stream));
  connection.listen();
  await withTimeout(
    connection.sendRequest("initialize", { processId: process.pid, rootUri: null, capabilities: {} }),
    10_000,
    () => "the daemon did not answer initialize",
  );
  await connection.sendNotification("initialized", {});
  return connection;
}

describe("attached to a running daemon", () => {
  before(() => {
    fixture = makeRegistryRepo();
  });

  after(() => {
    try {
      gto("daemon", "stop");
    } catch {
      // Not running: nothing to stop.
    }
    fixture?.repo.remove();
  });

  test("no daemon: no socket, so the extension starts a server of its own", async () => {
    assert.equal(await daemonSocket(settings, launch, fixture.repo.path, fixture.repo.env), undefined);
  });

  test("the tree over the daemon's socket, live, and leaving ends only this connection", async () => {
    gto("daemon", "start");
    const socket = await daemonSocket(settings, launch, fixture.repo.path, fixture.repo.env);
    assert.ok(socket !== undefined && socket.endsWith(".sock"), String(socket));
    const first = await attach(socket);
    const second = await attach(socket);
    const registries = new Registries();
    registries.add("repo", fixture.repo.path).attach(gtoConnection(first));
    const tree = new RegistryTreeProvider(registries);
    assert.deepEqual(await renderTree(tree, { depth: 1 }), [
      "churn — model · v1.1.0",
      "customers — dataset · annotation only",
      "old — model · no registered version",
    ]);
    const changed = new Promise<void>((resolve) => tree.onDidChangeTreeData(() => resolve()));
    fixture.repo.tag("churn@v2.0.0", fixture.third, "Registering artifact churn version v2.0.0");
    await withTimeout(changed, 10_000, () => "no registryChanged from the daemon");
    assert.equal((await renderTree(tree, { depth: 1 }))[0], "churn — model · v2.0.0");

    await first.sendRequest("shutdown");
    await first.sendNotification("exit");
    first.dispose();
    const status = await second.sendRequest(protocol.Status, {});
    assert.equal(status.transport, "socket");
    assert.equal(status.socket, socket);
    second.dispose();
  });
});
