import * as assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import * as protocol from "../../src/protocol";
import { Registries } from "../../src/registry";
import { RegistryTreeProvider, type ArtifactNode, type VersionNode } from "../../src/registryTree";
import { FakeConnection, gtoError } from "../helpers/fakeConnection";
import { COMMIT_A, event, registryHandlers } from "../helpers/fixtures";
import { renderTree } from "../helpers/render";
import { MarkdownString, ThemeIcon, ui } from "../mocks/vscode";

function setup(folders: string[] = ["repo"]) {
  const registries = new Registries();
  const connections = folders.map((name) => {
    const connection = new FakeConnection(registryHandlers());
    registries.add(name, `/work/${name}`).attach(connection);
    return connection;
  });
  return { registries, connections, connection: connections[0], tree: new RegistryTreeProvider(registries) };
}

function changes(tree: RegistryTreeProvider): { count: number } {
  const seen = { count: 0 };
  tree.onDidChangeTreeData(() => seen.count++);
  return seen;
}

describe("Registry tree", () => {
  beforeEach(() => ui.reset());

  test("one folder: artifacts with type, latest and markers, then versions in the server's order", async () => {
    const { tree } = setup();
    assert.deepEqual(await renderTree(tree, { context: true }), [
      "churn — model · v1.1.0 [gto.artifact]",
      "  v1.1.0 — staging · latest [gto.version.registered.staged]",
      "  v1.0.0 — prod [gto.version.registered.staged]",
      "customers — dataset · annotation only [gto.artifact.annotationOnly]",
    ]);
  });

  test("the filter shows deprecated artifacts and deregistered versions", async () => {
    const { tree, registries, connection } = setup();
    const seen = changes(tree);
    registries.setShowHidden(true);
    assert.equal(seen.count, 1);
    assert.deepEqual(await renderTree(tree, { context: true }), [
      "churn — model · v1.1.0 [gto.artifact]",
      "  v1.1.0 — staging · latest [gto.version.registered.staged]",
      "  v1.0.0 — prod [gto.version.registered.staged]",
      "  v0.9.0 — deregistered [gto.version.registered.deregistered]",
      "customers — dataset · annotation only [gto.artifact.annotationOnly]",
      "segment — model · v0.0.1 · deprecated [gto.artifact.deprecated]",
      "  v0.0.1 — latest [gto.version.registered]",
    ]);
    assert.deepEqual(connection.last("gto/show"), { deprecated: true });
    assert.deepEqual(connection.last("gto/showVersions"), { name: "segment", deprecated: true });
  });

  test("a deregistered version is described by its registration", async () => {
    const { tree, registries } = setup();
    registries.setShowHidden(true);
    const [churn] = (await tree.getChildren()) as ArtifactNode[];
    const versions = (await tree.getChildren(churn)) as VersionNode[];
    const hidden = versions[2].version;
    assert.equal(hidden.ref, "churn@v0.9.0");
    assert.equal(hidden.author, "Carl");
    assert.equal(hidden.active, false);
  });

  test("a version's tooltip names its commit, author, time and tag", async () => {
    const { tree } = setup();
    const [churn] = await tree.getChildren();
    const [, v100] = await tree.getChildren(churn);
    const item = tree.getTreeItem(v100);
    assert.ok(item.tooltip instanceof MarkdownString);
    const text = (item.tooltip as MarkdownString).value;
    assert.match(text, new RegExp(`Commit: ${COMMIT_A}`));
    assert.match(text, /Author: Ada <ada@example\.com>/);
    assert.match(text, /Created: 2026-01-01T10:00:00\+00:00/);
    assert.match(text, /Tag: churn@v1\.0\.0/);
    assert.equal((item.iconPath as ThemeIcon).id, "rocket");
  });

  test("an artifact's tooltip carries its annotation and stages", async () => {
    const { tree } = setup();
    const [churn] = await tree.getChildren();
    const text = (tree.getTreeItem(churn).tooltip as MarkdownString).value;
    assert.match(text, /Type: model/);
    assert.match(text, /Path: models\/churn\.pkl/);
    assert.match(text, /Stage prod: v1\.0\.0/);
  });

  test("an annotated artifact whose versions were all deregistered is not 'annotation only'", async () => {
    const { tree, connection } = setup();
    connection.handlers["gto/history"] = (params: protocol.HistoryParams) =>
      params.name === "customers" ? [event({ event: "deregistration", artifact: "customers", version: "v1.0.0" })] : [];
    const lines = await renderTree(tree, { depth: 1, context: true });
    assert.equal(lines[1], "customers — dataset · no registered version [gto.artifact]");
  });

  test("unregistered commit versions show their short hash", async () => {
    const { tree, connection } = setup();
    const sha = "0123456789abcdef0123456789abcdef01234567";
    connection.handlers["gto/showVersions"] = () => [
      { ...(registryHandlers()["gto/showVersions"]({ name: "churn" }) as protocol.VersionInfo[])[0], version: sha, registered: false, stages: ["dev"], ref: "churn#dev#1" },
    ];
    const [churn] = await tree.getChildren();
    const [commit] = await tree.getChildren(churn);
    const item = tree.getTreeItem(commit);
    assert.equal(item.label, "0123456");
    assert.equal(item.description, "dev · unregistered commit");
    assert.equal(item.contextValue, "gto.version.commit.staged");
  });

  test("several repositories: one folder node each, each with its own registry", async () => {
    const { tree, connections } = setup(["api", "models"]);
    connections[1].handlers["gto/show"] = () => ({ artifacts: [], stages: [] });
    assert.deepEqual(await renderTree(tree, { depth: 2 }), [
      "api",
      "  churn — model · v1.1.0",
      "  customers — dataset · annotation only",
      "models",
    ]);
  });

  test("a server that is starting or failed shows as a message", async () => {
    const registries = new Registries();
    const registry = registries.add("repo", "/work/repo");
    const tree = new RegistryTreeProvider(registries);
    assert.deepEqual(await renderTree(tree), ["Starting the gto server…"]);
    registry.detach("gto is not installed for '/usr/bin/python3'");
    const [node] = await tree.getChildren();
    const item = tree.getTreeItem(node);
    assert.equal(item.label, "gto is not installed for '/usr/bin/python3'");
    assert.equal(item.command?.command, "gto.showOutput");
  });

  test("a failed request shows the server's message in place of the content", async () => {
    const { tree, connection } = setup();
    connection.handlers["gto/show"] = () => {
      throw gtoError(1004, "config", "Invalid .gto: key 'stages' must be a list");
    };
    assert.deepEqual(await renderTree(tree), ["Invalid .gto: key 'stages' must be a list"]);
    // The failure is not remembered: the next look asks again.
    connection.handlers["gto/show"] = registryHandlers()["gto/show"];
    assert.equal((await tree.getChildren()).length, 2);
  });

  test("registryChanged refreshes the tree and asks again for the named artifacts only", async () => {
    const { tree, connection } = setup();
    await renderTree(tree);
    const seen = changes(tree);
    const before = connection.requests.length;
    connection.handlers["gto/show"] = () => ({
      artifacts: [{ name: "churn", latest: "v1.2.0", stages: { prod: ["v1.0.0"] }, registered: true, deprecated: false }],
      stages: ["prod"],
    });
    connection.notify(protocol.RegistryChanged, { generation: 7, artifacts: ["churn"] });
    assert.equal(seen.count, 1);
    assert.deepEqual(await renderTree(tree, { depth: 1 }), ["churn — model · v1.2.0"]);
    const asked = connection.requests.slice(before).map((r) => `${r.method} ${JSON.stringify(r.params)}`);
    assert.deepEqual(asked, ['gto/show {"deprecated":false}', 'gto/describe {"name":"churn"}']);
  });

  test("an old or repeated generation changes nothing", async () => {
    const { tree, connection, registries } = setup();
    const seen = changes(tree);
    connection.notify(protocol.RegistryChanged, { generation: 3, artifacts: ["churn"] });
    connection.notify(protocol.RegistryChanged, { generation: 3, artifacts: ["churn"] });
    connection.notify(protocol.RegistryChanged, { generation: 2, artifacts: ["churn"] });
    assert.equal(seen.count, 1);
    assert.equal(registries.folders[0].generation, 3);
  });

  test("a new connection (server restart) starts from a clean slate", async () => {
    const { tree, registries, connection } = setup();
    connection.notify(protocol.RegistryChanged, { generation: 9, artifacts: ["churn"] });
    await renderTree(tree);
    const fresh = new FakeConnection({ ...registryHandlers(), "gto/show": () => ({ artifacts: [], stages: [] }) });
    registries.folders[0].attach(fresh);
    assert.deepEqual(await renderTree(tree), []);
    // Its generations start again from 1.
    let fired = 0;
    tree.onDidChangeTreeData(() => fired++);
    fresh.notify(protocol.RegistryChanged, { generation: 1, artifacts: ["churn"] });
    assert.equal(fired, 1);
  });
});
