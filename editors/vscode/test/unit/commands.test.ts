import * as assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { CommandHandlers, commandTable, formatHistory, registerCommands, type Node, type WriteSettings } from "../../src/commands";
import * as protocol from "../../src/protocol";
import { Registries, type FolderRegistry } from "../../src/registry";
import { RegistryTreeProvider, type ArtifactNode, type VersionNode } from "../../src/registryTree";
import type { StageVersionNode } from "../../src/stagesTree";
import { FakeConnection, gtoError } from "../helpers/fakeConnection";
import { CHURN_VERSIONS, event, registryHandlers, VIEW } from "../helpers/fixtures";
import { commands, pick, ui } from "../mocks/vscode";

function written(tags: string[], extra: Partial<protocol.WriteResult> = {}): protocol.WriteResult {
  return {
    created: tags.map((tag) => ({
      tag,
      action: tag.includes("#") ? (tag.includes("!") ? "unassign" : "assign") : tag.endsWith("!") ? "deregister" : tag.endsWith("@deprecated") ? "deprecate" : "register",
      artifact: tag.split(/[@#]/)[0],
      version: tag.includes("#") ? "v1.1.0" : (tag.split("@")[1] ?? null),
      stage: tag.includes("#") ? tag.split("#")[1] : null,
    })),
    deleted: [],
    pushed: false,
    remote: null,
    push_error: null,
    ...extra,
  };
}

function setup(options: { folders?: string[]; settings?: Partial<WriteSettings> } = {}) {
  const registries = new Registries();
  const connections = (options.folders ?? ["repo"]).map((name) => {
    const connection = new FakeConnection(registryHandlers());
    registries.add(name, `/work/${name}`).attach(connection);
    return connection;
  });
  const restarted: (FolderRegistry | undefined)[] = [];
  const pushed: { cwd: string; remote: string; tags: readonly string[] | "all" }[] = [];
  const revealed: string[] = [];
  const editor = { file: undefined as string | undefined };
  const handlers = new CommandHandlers({
    registries,
    writeSettings: () => ({ pushAfterWrite: false, pushRemote: "origin", ...options.settings }),
    restartServers: async (registry) => {
      restarted.push(registry);
    },
    showOutput: () => ui.calls.push({ kind: "showOutput", args: [] }),
    pushTags: async (cwd, remote, tags) => {
      pushed.push({ cwd, remote, tags });
      return `Pushed to '${remote}'`;
    },
    revealArtifact: async (registry, name) => {
      revealed.push(`${registry.name}:${name}`);
    },
    activeFile: () => editor.file,
  });
  const registry = registries.folders[0];
  const tree = new RegistryTreeProvider(registries);
  return { registries, registry, connection: connections[0], connections, handlers, restarted, pushed, tree, revealed, editor };
}

async function artifactNode(tree: RegistryTreeProvider, name: string): Promise<ArtifactNode> {
  const nodes = (await tree.getChildren()) as ArtifactNode[];
  const found = nodes.find((node) => node.artifact.name === name);
  assert.ok(found, `no artifact node ${name}`);
  return found;
}

async function versionNode(tree: RegistryTreeProvider, name: string, version: string): Promise<VersionNode> {
  const nodes = (await tree.getChildren(await artifactNode(tree, name))) as VersionNode[];
  const found = nodes.find((node) => node.version.version === version);
  assert.ok(found, `no version node ${name} ${version}`);
  return found;
}

/** Run a command as VS Code would: through `run`, which turns failures into messages. */
function run(handlers: CommandHandlers, id: string, node?: Node): Promise<void> {
  return handlers.run(() => commandTable(handlers)[id](node));
}

describe("Commands", () => {
  beforeEach(() => ui.reset());

  test("register from an artifact node: bump minor at HEAD, and say which tag was created", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/register"] = () => written(["churn@v1.2.0"]);
    ui.answers.push(pick("Bump minor"), "HEAD");
    await run(handlers, "gto.register", await artifactNode(tree, "churn"));
    assert.deepEqual(connection.last("gto/register"), { name: "churn", bump_minor: true, ref: "HEAD" });
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn@v1.2.0' that registers a version."]);
  });

  test("register from the palette: a new artifact with an exact version at a given revision", async () => {
    const { handlers, connection, registry } = setup();
    connection.handlers["gto/register"] = () => written(["fraud@v0.1.0"]);
    ui.answers.push(pick("$(add) New artifact…"), "fraud", pick("Exact version…"), "v0.1.0", "main~1");
    await run(handlers, "gto.register");
    assert.deepEqual(connection.last("gto/register"), { name: "fraud", version: "v0.1.0", ref: "main~1" });
    assert.deepEqual([...registry.unpushedTags], ["fraud@v0.1.0"]);
  });

  test("a failed write shows the server's message and nothing else", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/register"] = () => {
      throw gtoError(1201, "already_registered", "'churn' is already registered in this commit with version 'v1.1.0'");
    };
    ui.answers.push(pick("Next version"), "HEAD");
    await run(handlers, "gto.register", await artifactNode(tree, "churn"));
    assert.deepEqual(ui.messages("error"), ["'churn' is already registered in this commit with version 'v1.1.0'"]);
    assert.deepEqual(ui.messages("information"), []);
  });

  test("dismissing a prompt ends the command quietly, without a request", async () => {
    const { handlers, connection, tree } = setup();
    ui.answers.push(undefined);
    await run(handlers, "gto.register", await artifactNode(tree, "churn"));
    assert.equal(connection.last("gto/register"), undefined);
    assert.deepEqual(ui.messages("error"), []);
  });

  test("assign offers configured stages, then used ones, and sends the version of the node", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/stages"] = (params: protocol.StagesParams) =>
      params.allowed ? ["dev", "prod"] : ["prod", "staging", "legacy"];
    connection.handlers["gto/assign"] = () => written(["churn#dev#4"]);
    let offered: unknown[] = [];
    ui.answers.push((items: unknown) => {
      offered = items as unknown[];
      return pick("dev")(items);
    });
    await run(handlers, "gto.assign", await versionNode(tree, "churn", "v1.1.0"));
    assert.deepEqual(
      offered.map((item) => `${(item as { label: string }).label} (${(item as { description: string }).description})`),
      ["dev (configured in .gto)", "prod (configured in .gto)", "staging (used)", "legacy (used)"],
    );
    assert.deepEqual(connection.last("gto/assign"), { name: "churn", version: "v1.1.0", stage: "dev" });
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn#dev#4' that assigns a stage to 'v1.1.0'."]);
  });

  test("assign without configured stages also offers a new stage; from the palette it asks for the version", async () => {
    const { handlers, connection } = setup();
    connection.handlers["gto/assign"] = () => written(["churn#qa#4"]);
    ui.answers.push(pick("churn"), pick("v1.0.0"), pick("$(add) New stage…"), "qa");
    await run(handlers, "gto.assign");
    assert.deepEqual(connection.last("gto/assign"), { name: "churn", version: "v1.0.0", stage: "qa" });
  });

  test("assign shows the server's refusal", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/assign"] = () => {
      throw gtoError(1202, "already_in_stage", "Version 'v1.1.0' is already in stage 'staging'. Use --force to create a new tag anyway.");
    };
    ui.answers.push(pick("staging"));
    await run(handlers, "gto.assign", await versionNode(tree, "churn", "v1.1.0"));
    assert.deepEqual(ui.messages("error"), [
      "Version 'v1.1.0' is already in stage 'staging'. Use --force to create a new tag anyway.",
    ]);
  });

  test("unassign from a version with one stage asks nothing; with several it asks which", async () => {
    const { handlers, connection, tree, registry } = setup();
    connection.handlers["gto/unassign"] = () => written(["churn#prod!#5"]);
    await run(handlers, "gto.unassign", await versionNode(tree, "churn", "v1.0.0"));
    assert.deepEqual(connection.last("gto/unassign"), { name: "churn", version: "v1.0.0", stage: "prod" });
    connection.handlers["gto/showVersions"] = () => [{ ...CHURN_VERSIONS[0], stages: ["staging", "dev"] }];
    registry.refresh();
    ui.answers.push(pick("dev"));
    await run(handlers, "gto.unassign", await versionNode(tree, "churn", "v1.1.0"));
    assert.deepEqual(connection.last("gto/unassign"), { name: "churn", version: "v1.1.0", stage: "dev" });
  });

  test("unassign from the Stages view uses the stage and version of the row", async () => {
    const { handlers, connection, registry } = setup();
    connection.handlers["gto/unassign"] = () => written(["churn#staging!#6"]);
    const node: StageVersionNode = { kind: "stageVersion", registry, stage: "staging", artifact: "churn", version: "v1.1.0", deprecated: false };
    await run(handlers, "gto.unassign", node);
    assert.deepEqual(connection.last("gto/unassign"), { name: "churn", version: "v1.1.0", stage: "staging" });
  });

  test("deregister asks for confirmation; declining sends nothing", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/deregister"] = () => written(["churn@v1.0.0!"]);
    const node = await versionNode(tree, "churn", "v1.0.0");
    ui.answers.push(undefined);
    await run(handlers, "gto.deregister", node);
    assert.equal(connection.last("gto/deregister"), undefined);
    ui.answers.push("Deregister");
    await run(handlers, "gto.deregister", node);
    assert.deepEqual(connection.last("gto/deregister"), { name: "churn", version: "v1.0.0" });
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn@v1.0.0!' that deregisters a version."]);
  });

  test("deprecate confirms, then deprecates the artifact of the node", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/deprecate"] = () => written(["churn@deprecated"]);
    ui.answers.push("Deprecate");
    await run(handlers, "gto.deprecate", await artifactNode(tree, "churn"));
    assert.deepEqual(connection.last("gto/deprecate"), { name: "churn" });
    const question = ui.calls.find((call) => call.kind === "question");
    assert.match(String(question?.args[0]), /^Deprecate churn\?/);
  });

  test("with pushAfterWrite every write asks the server to push to the configured remote", async () => {
    const { handlers, connection, tree, registry } = setup({ settings: { pushAfterWrite: true, pushRemote: "upstream" } });
    connection.handlers["gto/deprecate"] = () => written(["churn@deprecated"], { pushed: true, remote: "upstream" });
    ui.answers.push("Deprecate");
    await run(handlers, "gto.deprecate", await artifactNode(tree, "churn"));
    assert.deepEqual(connection.last("gto/deprecate"), { name: "churn", push: true, remote: "upstream" });
    assert.deepEqual(ui.messages("information"), ["Created git tag 'churn@deprecated' that deprecates an artifact. Pushed to 'upstream'."]);
    assert.deepEqual([...registry.unpushedTags], []);
  });

  test("a push that failed after the tag was written is a warning that says both", async () => {
    const { handlers, connection, tree } = setup({ settings: { pushAfterWrite: true } });
    connection.handlers["gto/deprecate"] = () =>
      written(["churn@deprecated"], { remote: "origin", push_error: "git push failed: no such remote 'origin'" });
    ui.answers.push("Deprecate");
    await run(handlers, "gto.deprecate", await artifactNode(tree, "churn"));
    assert.deepEqual(ui.messages("warning"), [
      "Created git tag 'churn@deprecated' that deprecates an artifact. Pushing failed: git push failed: no such remote 'origin'",
    ]);
  });

  test("annotate starts from the current entry; an empty answer keeps a value", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/annotate"] = (params: protocol.AnnotateParams) => ({ ...params, virtual: true, labels: [], custom: null });
    const offered: string[] = [];
    const answerWith = (value: string) => (options: unknown) => {
      offered.push((options as { value: string }).value);
      return value;
    };
    ui.answers.push(answerWith("model"), answerWith(""), answerWith("Predicts who leaves"));
    await run(handlers, "gto.annotate", await artifactNode(tree, "churn"));
    assert.deepEqual(offered, ["model", "models/churn.pkl", "Predicts churn"]);
    assert.deepEqual(connection.last("gto/annotate"), { name: "churn", type: "model", description: "Predicts who leaves" });
    assert.match(ui.messages("information")[0], /artifacts\.yaml/);
  });

  test("annotate shows the server's refusal", async () => {
    const { handlers, connection, tree } = setup();
    connection.handlers["gto/annotate"] = () => {
      throw gtoError(1206, "type_not_allowed", "Type 'modle' is not allowed. Allowed types are: model, dataset");
    };
    ui.answers.push("modle", "", "");
    await run(handlers, "gto.annotate", await artifactNode(tree, "churn"));
    assert.deepEqual(ui.messages("error"), ["Type 'modle' is not allowed. Allowed types are: model, dataset"]);
  });

  test("copy tag name: a version's registration tag, a stage row's assignment tag", async () => {
    const { handlers, connection, tree, registry } = setup();
    await run(handlers, "gto.copyTagName", await versionNode(tree, "churn", "v1.1.0"));
    assert.equal(ui.clipboard, "churn@v1.1.0");
    connection.handlers["gto/which"] = () => [
      { artifact: "churn", stage: "prod", version: "v1.0.0", assigned_at: "2026-01-01T10:00:00+00:00", ref: "churn#prod#2" },
    ];
    const node: StageVersionNode = { kind: "stageVersion", registry, stage: "prod", artifact: "churn", version: "v1.0.0", deprecated: false };
    await run(handlers, "gto.copyTagName", node);
    assert.equal(ui.clipboard, "churn#prod#2");
    assert.deepEqual(connection.last("gto/which"), { name: "churn", stage: "prod", versions_per_stage: -1 });
  });

  test("show history opens a document with the server's events", async () => {
    const { handlers, connection, tree } = setup();
    await run(handlers, "gto.showHistory", await artifactNode(tree, "churn"));
    assert.deepEqual(connection.last("gto/history"), { name: "churn" });
    assert.equal(ui.documents.length, 1);
    const text = ui.documents[0].content;
    assert.match(text, /^History of churn in repo/);
    assert.match(text, /assignment\s+v1\.1\.0\s+staging\s+bbbbbbb\s+Ada\s+churn#staging#3/);
    assert.ok(ui.calls.some((call) => call.kind === "showTextDocument"));
  });

  test("history table: one aligned row per event, '-' where a value is missing", () => {
    const text = formatHistory("History", [
      event({ event: "commit", version: null, ref: null, timestamp: "2026-01-01T00:00:00+00:00" }),
    ]);
    assert.deepEqual(text.split("\n").slice(2, 5), [
      "timestamp                  artifact  event   version  stage  commit   author  ref",
      "-------------------------  --------  ------  -------  -----  -------  ------  ---",
      "2026-01-01T00:00:00+00:00  churn     commit  -        -      aaaaaaa  Ada     -",
    ]);
  });

  test("push tags offers the tags written from this window, or all tags", async () => {
    const { handlers, connection, tree, pushed, registry } = setup();
    connection.handlers["gto/register"] = () => written(["churn@v1.2.0"]);
    ui.answers.push(pick("Next version"), "HEAD");
    await run(handlers, "gto.register", await artifactNode(tree, "churn"));
    ui.answers.push(pick("Push the tag written from this window"));
    await run(handlers, "gto.pushTags");
    assert.deepEqual(pushed, [{ cwd: "/work/repo", remote: "origin", tags: ["churn@v1.2.0"] }]);
    assert.equal(registry.unpushedTags.size, 0);
    ui.answers.push(pick("Push every local tag"));
    await run(handlers, "gto.pushTags");
    assert.deepEqual(pushed[1], { cwd: "/work/repo", remote: "origin", tags: "all" });
  });

  test("with several repositories a palette command asks which one", async () => {
    const { handlers, connections } = setup({ folders: ["api", "models"] });
    connections[1].handlers["gto/deprecate"] = () => written(["churn@deprecated"]);
    ui.answers.push(pick("models"), pick("churn"), "Deprecate");
    await run(handlers, "gto.deprecate");
    assert.equal(connections[0].last("gto/deprecate"), undefined);
    assert.deepEqual(connections[1].last("gto/deprecate"), { name: "churn" });
  });

  test("a command on a folder whose server is down says why", async () => {
    const { handlers, registry } = setup();
    registry.detach("gto is not installed for 'python3'");
    await run(handlers, "gto.deprecate");
    assert.deepEqual(ui.messages("error"), ["GTO is not available for 'repo': gto is not installed for 'python3'"]);
  });

  test("restart server restarts the node's repository, or all from the palette", async () => {
    const { handlers, restarted, registry } = setup();
    await run(handlers, "gto.restartServer", { kind: "folder", registry });
    await run(handlers, "gto.restartServer");
    assert.deepEqual(restarted, [registry, undefined]);
  });

  test("refresh and the filter commands ask the server again", async () => {
    const { handlers, connection, tree, registries } = setup();
    await tree.getChildren();
    const before = connection.requests.length;
    await run(handlers, "gto.refresh");
    await tree.getChildren();
    assert.equal(connection.requests.slice(before)[0].method, "gto/show");
    await run(handlers, "gto.showHidden");
    assert.equal(registries.showHidden, true);
    assert.deepEqual(ui.commandsRun.at(-1), { command: "setContext", args: ["gto.showingHidden", true] });
    await tree.getChildren();
    assert.deepEqual(connection.last("gto/show"), { deprecated: true });
    await run(handlers, "gto.hideHidden");
    assert.equal(registries.showHidden, false);
  });

  test("every command is registered, and a failure inside one becomes an error message", async () => {
    const { handlers, connection } = setup();
    const disposables = registerCommands(handlers);
    assert.deepEqual([...commands.registered.keys()].sort(), Object.keys(commandTable(handlers)).sort());
    connection.handlers["gto/show"] = () => {
      throw gtoError(1301, "not_a_repository", "Not a git repository");
    };
    await commands.executeCommand("gto.deprecate");
    assert.deepEqual(ui.messages("error"), ["Not a git repository"]);
    for (const disposable of disposables) disposable.dispose();
    assert.equal(commands.registered.size, 0);
  });

  test("gto.show from a code lens reveals the artifact in the repository of the edited file", async () => {
    const { handlers, revealed, editor } = setup({ folders: ["api", "models"] });
    editor.file = "/work/models/artifacts.yaml";
    await handlers.run(() => commandTable(handlers)["gto.show"]("churn"));
    assert.deepEqual(revealed, ["models:churn"]);
    editor.file = undefined;
    ui.answers.push(pick("api"));
    await handlers.run(() => commandTable(handlers)["gto.show"]("churn"));
    assert.deepEqual(revealed, ["models:churn", "api:churn"]);
  });

  test("the fixture view is what the pickers offer", async () => {
    const { handlers } = setup();
    let labels: string[] = [];
    ui.answers.push((items: unknown) => {
      labels = (items as { label: string }[]).map((item) => item.label);
      return undefined;
    });
    await run(handlers, "gto.deprecate");
    assert.deepEqual(labels, VIEW.artifacts.map((artifact) => artifact.name));
  });
});
