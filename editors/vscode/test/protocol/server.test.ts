/**
 * The extension against the real gto server: the views and the commands run unchanged (only
 * `vscode` is the mock), over a vscode-jsonrpc connection to `gto server --stdio` spawned as the
 * extension spawns it, in a real git repository.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { ResponseError } from "vscode-jsonrpc";
import { CommandHandlers, commandTable, type Node } from "../../src/commands";
import { pushTags } from "../../src/git";
import * as protocol from "../../src/protocol";
import { Registries, type FolderRegistry, type GtoConnection } from "../../src/registry";
import { RegistryTreeProvider, type ArtifactNode, type VersionNode } from "../../src/registryTree";
import { StagesTreeProvider } from "../../src/stagesTree";
import { makeRegistryRepo, type RegistryRepo } from "../helpers/registryRepo";
import { renderTree } from "../helpers/render";
import { gtoConnection, startServer, withTimeout, type RunningServer } from "../helpers/server";
import { pick, ui } from "../mocks/vscode";

let fixture: RegistryRepo;
let server: RunningServer;
let connection: GtoConnection;
let registries: Registries;
let registry: FolderRegistry;
let tree: RegistryTreeProvider;
let stagesTree: StagesTreeProvider;
let handlers: CommandHandlers;

/** Render the tree each time it changes until `expected` shows; fails with the last rendering. */
async function treeBecomes<T>(
  provider: { onDidChangeTreeData: (listener: () => void) => { dispose(): void } } & Parameters<typeof renderTree<T>>[0],
  check: (lines: string[]) => boolean,
  what: string,
  ms = 10_000,
): Promise<string[]> {
  let last: string[] = [];
  let wake: () => void = () => undefined;
  const subscription = provider.onDidChangeTreeData(() => wake());
  const deadline = Date.now() + ms;
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      last = await renderTree(provider);
      if (check(last)) return last;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: the tree did not change in ${ms} ms; it shows:\n${last.join("\n")}`);
      await withTimeout(changed, left, () => `${what}: no change notification in ${ms} ms; the tree shows:\n${last.join("\n")}\nserver log:\n${server.stderr()}`);
    }
  } finally {
    subscription.dispose();
  }
}

function run(id: string, node?: Node): Promise<void> {
  return handlers.run(() => commandTable(handlers)[id](node));
}

async function artifactNode(name: string): Promise<ArtifactNode> {
  const found = ((await tree.getChildren()) as ArtifactNode[]).find((node) => node.artifact?.name === name);
  assert.ok(found, `no artifact ${name}`);
  return found;
}

async function versionNode(name: string, version: string): Promise<VersionNode> {
  const found = ((await tree.getChildren(await artifactNode(name))) as VersionNode[]).find(
    (node) => node.version.version === version,
  );
  assert.ok(found, `no version ${name} ${version}`);
  return found;
}

describe("against the real gto server", () => {
  before(async () => {
    fixture = makeRegistryRepo();
    server = await startServer(fixture.repo.path, fixture.repo.env);
    registries = new Registries();
    registry = registries.add("repo", fixture.repo.path);
    connection = gtoConnection(server.connection);
    registry.attach(connection);
    tree = new RegistryTreeProvider(registries);
    stagesTree = new StagesTreeProvider(registries);
    handlers = new CommandHandlers({
      registries,
      writeSettings: () => ({ pushAfterWrite: false, pushRemote: "origin" }),
      restartServers: async () => undefined,
      showOutput: () => undefined,
      revealArtifact: async () => undefined,
      activeFile: () => undefined,
      pushTags,
    });
  });

  after(async () => {
    await server?.stop();
    fixture?.repo.remove();
  });

  beforeEach(() => {
    ui.reset();
    registries.setShowHidden(false);
  });

  test("the Registry tree shows every kind of artifact as the server describes it", async () => {
    const short = fixture.third.slice(0, 7);
    assert.deepEqual(await renderTree(tree, { context: true }), [
      "churn — model · v1.1.0 [gto.artifact]",
      "  v1.1.0 — staging · latest [gto.version.registered.staged]",
      "  v1.0.0 — prod [gto.version.registered.staged]",
      `  ${short} — dev · unregistered commit [gto.version.commit.staged]`,
      "customers — dataset · annotation only [gto.artifact.annotationOnly]",
      "old — model · no registered version [gto.artifact]",
    ]);
  });

  test("version tooltips carry the commit and the author from the tags", async () => {
    const node = await versionNode("churn", "v1.0.0");
    const text = String((tree.getTreeItem(node).tooltip as { value: string }).value);
    assert.match(text, new RegExp(`Commit: ${fixture.first}`));
    assert.match(text, /Author: Ada <ada@example\.com>/);
    assert.match(text, /Tag: churn@v1\.0\.0/);
  });

  test("the filter adds the deprecated artifact and the deregistered version", async () => {
    registries.setShowHidden(true);
    const lines = await renderTree(tree);
    assert.ok(lines.includes("segment — model · v0.0.1 · deprecated"), lines.join("\n"));
    const old = lines.indexOf("old — model · no registered version");
    assert.equal(lines[old + 1], "  v1.0.0 — deregistered");
  });

  test("the Stages tree shows each stage with the version in it", async () => {
    const short = fixture.third.slice(0, 7);
    assert.deepEqual(await renderTree(stagesTree), [
      "dev — 1 version",
      `  churn — ${short}`,
      "prod — 1 version",
      "  churn — v1.0.0",
      "staging — 1 version",
      "  churn — v1.1.0",
    ]);
  });

  test("every query answers in the shape protocol.ts declares", async () => {
    const latest = await registry.request(protocol.Latest, { name: "churn" });
    assert.equal(latest?.version, "v1.1.0");
    const which = await registry.request(protocol.Which, { name: "churn", stage: "prod" });
    assert.deepEqual(which.map((entry) => [entry.version, entry.ref]), [["v1.0.0", "churn#prod#1"]]);
    const event = await registry.request(protocol.CheckRef, { ref: "refs/tags/churn#staging#2" });
    assert.equal(event?.event, "assignment");
    assert.equal(event?.commit_hexsha, fixture.second);
    assert.equal(await registry.request(protocol.CheckRef, { ref: "churn@v9.9.9" }), null);
    const described = await registry.request(protocol.Describe, { name: "churn" });
    assert.equal(described?.type, "model");
    assert.deepEqual(await registry.request(protocol.Stages, { used: true }), ["dev", "prod", "staging"]);
    assert.deepEqual(await registry.request(protocol.Stages, { allowed: true }), []);
    const history = await registry.request(protocol.History, { name: "churn" });
    assert.ok(history.some((e) => e.event === "registration" && e.version === "v1.0.0" && e.ref === "churn@v1.0.0"));
    const versions = await registry.request(protocol.ShowVersions, { name: "churn" });
    assert.deepEqual(versions.map((v) => v.version), ["v1.1.0", "v1.0.0", fixture.third]);
    const doctor = await registry.request(protocol.Doctor, {});
    assert.ok(doctor.problems.some((problem) => problem.where.includes("churn@v9.9.9")), JSON.stringify(doctor.problems));
    const status = await registry.request(protocol.Status, {});
    assert.equal(status.transport, "stdio");
    assert.equal(status.repo, fixture.repo.path);
    assert.ok(status.generation >= 0);
  });

  test("a GTO error arrives with its stable code, kind and message", async () => {
    await assert.rejects(registry.request(protocol.ShowVersions, { name: "nope" }), (error: unknown) => {
      assert.ok(error instanceof ResponseError);
      assert.equal(error.code, 1101);
      assert.deepEqual(error.data, { kind: "artifact_not_found" });
      assert.equal(error.message, "Cannot find artifact 'nope'");
      return true;
    });
  });

  test("a tag made with plain `git tag -a` arrives as registryChanged and changes the tree", async () => {
    const notified = new Promise<protocol.RegistryChangedParams>((resolve) => {
      const subscription = connection.onNotification(protocol.RegistryChanged, (params) => {
        subscription.dispose();
        resolve(params);
      });
    });
    await renderTree(tree);
    fixture.repo.tag("churn#prod#4", fixture.second, "Promote v1.1.0 to prod by hand");
    const params = await withTimeout(notified, 10_000, () => `no registryChanged; server log:\n${server.stderr()}`);
    assert.deepEqual(params.artifacts, ["churn"]);
    assert.ok(params.generation > 0);
    const lines = await treeBecomes(tree, (l) => l.includes("  v1.1.0 — prod, staging · latest"), "git tag -a");
    assert.ok(lines.includes("  v1.0.0"), lines.join("\n"));
    const stages = await renderTree(stagesTree);
    assert.equal(stages[stages.indexOf("prod — 1 version") + 1], "  churn — v1.1.0");
  });

  test("a tag deleted with `git tag -d` is a change too", async () => {
    await renderTree(tree);
    fixture.repo.git("tag", "-d", "churn#prod#4");
    await treeBecomes(tree, (l) => l.includes("  v1.0.0 — prod"), "git tag -d");
  });

  test("a commit that changes artifacts.yaml changes the artifact's type", async () => {
    await renderTree(tree);
    fixture.repo.write("artifacts.yaml", readFileSync(join(fixture.repo.path, "artifacts.yaml"), "utf8").replace("type: dataset", "type: table"));
    fixture.repo.commit("customers is a table");
    await treeBecomes(tree, (l) => l.includes("customers — table · annotation only"), "commit artifacts.yaml");
  });

  test("assign from the sidebar: the stage quick pick, the tag, and the live tree", async () => {
    ui.answers.push(pick("dev"));
    await run("gto.assign", await versionNode("churn", "v1.1.0"));
    assert.deepEqual(ui.messages("error"), []);
    const [message] = ui.messages("information");
    assert.match(message, /^Created git tag 'churn#dev#\d+' that assigns a stage to 'v1\.1\.0'\.$/);
    const tag = /'(churn#dev#\d+)'/.exec(message)![1];
    assert.equal(fixture.repo.git("tag", "-l", tag), tag);
    await treeBecomes(tree, (l) => l.some((line) => line.startsWith("  v1.1.0 — dev, staging")), "assign");
  });

  test("assign refused by the server shows the server's message", async () => {
    ui.answers.push(pick("prod"));
    await run("gto.assign", await versionNode("churn", "v1.0.0"));
    assert.deepEqual(ui.messages("error"), [
      "Version 'v1.0.0' is already in stage 'prod'. Use --force to create a new tag anyway.",
    ]);
  });

  test("register, unassign, deregister and deprecate through the commands", async () => {
    ui.answers.push(pick("Bump minor"), "HEAD");
    await run("gto.register", await artifactNode("churn"));
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn@v1.2.0' that registers a version."]);
    await treeBecomes(tree, (l) => l.includes("churn — model · v1.2.0"), "register");

    ui.reset();
    await run("gto.unassign", await versionNode("churn", "v1.0.0"));
    assert.match(ui.messages("information")[0] ?? ui.messages("error").join(), /^Created git tag 'churn#prod!#\d+' that unassigns a stage from 'v1\.0\.0'\.$/);
    await treeBecomes(tree, (l) => l.includes("  v1.0.0"), "unassign");

    ui.reset();
    ui.answers.push("Deregister");
    await run("gto.deregister", await versionNode("churn", "v1.0.0"));
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn@v1.0.0!' that deregisters a version."]);
    await treeBecomes(tree, (l) => !l.includes("  v1.0.0"), "deregister");

    ui.reset();
    ui.answers.push("Deprecate");
    await run("gto.deprecate", await artifactNode("churn"));
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn@deprecated' that deprecates an artifact."]);
    await treeBecomes(tree, (l) => !l.some((line) => line.startsWith("churn")), "deprecate");
    registries.setShowHidden(true);
    const lines = await renderTree(tree);
    assert.ok(lines.includes("churn — model · v1.2.0 · deprecated"), lines.join("\n"));
    assert.ok(lines.includes("  v1.0.0 — deregistered"), lines.join("\n"));
  });

  test("annotate writes the work-tree artifacts.yaml through the server", async () => {
    ui.answers.push(pick("$(add) New artifact…"), "fraud", "model", "models/fraud.pkl", "Flags fraud");
    await run("gto.annotate");
    assert.deepEqual(ui.messages("error"), []);
    const text = readFileSync(join(fixture.repo.path, "artifacts.yaml"), "utf8");
    assert.match(text, /^fraud:\n  type: model\n  path: models\/fraud\.pkl\n  description: Flags fraud\n/m);
    assert.match(text, /^churn:\n  type: model\n/m, "the other entries stay");
  });

  test("copy tag name and show history use the server's tags and events", async () => {
    registries.setShowHidden(true); // segment is deprecated
    await run("gto.copyTagName", await versionNode("segment", "v0.0.1"));
    assert.equal(ui.clipboard, "segment@v0.0.1");
    await run("gto.showHistory", await artifactNode("segment"));
    const text = ui.documents[0].content;
    assert.match(text, /deprecation\s+-\s+-\s+\w{7}\s+Ada\s+segment@deprecated/);
    assert.match(text, /registration\s+v0\.0\.1\s+-\s+\w{7}\s+Ada\s+segment@v0\.0\.1/);
  });

  test("push tags pushes the tags written from this window to the remote", async () => {
    const remote = join(fixture.repo.home, "remote.git");
    execFileSync("git", ["init", "-q", "--bare", remote], { env: fixture.repo.env });
    fixture.repo.git("remote", "add", "origin", remote);
    const written = [...registry.unpushedTags].sort();
    assert.ok(written.includes("churn@v1.2.0"), written.join(", "));
    ui.answers.push((items: unknown) => (items as { label: string }[])[0]);
    await run("gto.pushTags");
    assert.deepEqual(ui.messages("error"), []);
    const onRemote = execFileSync("git", ["tag", "-l"], { cwd: remote, encoding: "utf8" }).trim().split("\n").sort();
    assert.deepEqual(onRemote, written);
    assert.equal(registry.unpushedTags.size, 0);
  });

  test("params the server does not accept are an 'invalid params' error with the field named", async () => {
    await assert.rejects(
      registry.request(protocol.ShowVersions, { name: 3 } as unknown as protocol.ShowVersionsParams),
      (error: unknown) => error instanceof ResponseError && error.code === -32602 && /name/.test(error.message),
    );
  });
});
