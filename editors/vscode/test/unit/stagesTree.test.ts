import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as protocol from "../../src/protocol";
import { Registries } from "../../src/registry";
import { StagesTreeProvider } from "../../src/stagesTree";
import { FakeConnection } from "../helpers/fakeConnection";
import { registryHandlers } from "../helpers/fixtures";
import { renderTree } from "../helpers/render";

function setup(view?: protocol.RegistryView) {
  const registries = new Registries();
  const handlers = registryHandlers();
  if (view) handlers["gto/show"] = () => view;
  const connection = new FakeConnection(handlers);
  registries.add("repo", "/work/repo").attach(connection);
  return { registries, connection, tree: new StagesTreeProvider(registries) };
}

describe("Stages tree", () => {
  test("stages in the server's column order, each with the versions in it", async () => {
    const { tree } = setup();
    assert.deepEqual(await renderTree(tree, { context: true }), [
      "dev — empty [gto.stage]",
      "prod — 1 version [gto.stage]",
      "  churn — v1.0.0 [gto.stageVersion]",
      "staging — 1 version [gto.stage]",
      "  churn — v1.1.0 [gto.stageVersion]",
    ]);
  });

  test("several artifacts and versions in one stage; a stage missing from the columns still shows", async () => {
    const { tree } = setup({
      artifacts: [
        { name: "a", latest: "v2.0.0", stages: { prod: ["v2.0.0", "v1.0.0"], qa: ["v2.0.0"] }, registered: true, deprecated: false },
        { name: "b", latest: "v0.1.0", stages: { prod: ["v0.1.0"] }, registered: true, deprecated: true },
      ],
      stages: ["prod"],
    });
    assert.deepEqual(await renderTree(tree), [
      "prod — 3 versions",
      "  a — v2.0.0",
      "  a — v1.0.0",
      "  b — v0.1.0 · deprecated",
      "qa — 1 version",
      "  a — v2.0.0",
    ]);
  });

  test("follows registryChanged like the registry tree", async () => {
    const { tree, connection } = setup();
    let fired = 0;
    tree.onDidChangeTreeData(() => fired++);
    connection.handlers["gto/show"] = () => ({
      artifacts: [{ name: "churn", latest: "v1.1.0", stages: { dev: ["v1.1.0"] }, registered: true, deprecated: false }],
      stages: ["dev", "prod", "staging"],
    });
    connection.notify(protocol.RegistryChanged, { generation: 1, artifacts: ["churn"] });
    assert.equal(fired, 1);
    assert.deepEqual(await renderTree(tree), ["dev — 1 version", "  churn — v1.1.0", "prod — empty", "staging — empty"]);
  });

  test("several repositories: one folder node each", async () => {
    const registries = new Registries();
    registries.add("one", "/w/one").attach(new FakeConnection(registryHandlers()));
    registries.add("two", "/w/two").attach(new FakeConnection({ "gto/show": () => ({ artifacts: [], stages: [] }) }));
    const tree = new StagesTreeProvider(registries);
    assert.deepEqual(await renderTree(tree, { depth: 2 }), ["one", "  dev — empty", "  prod — 1 version", "  staging — 1 version", "two"]);
  });
});
