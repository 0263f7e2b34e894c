/**
 * Each way the extension can start the server works with the real gto: the interpreter
 * (`gto.pythonPath`), and the `gto` command (`gto.serverCommand`, or `gto` on PATH).
 */
import * as assert from "node:assert/strict";
import { join, dirname } from "node:path";
import { after, before, describe, test } from "node:test";
import { installProblem, serverLaunch } from "../../src/launch";
import * as protocol from "../../src/protocol";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { GitRepo } from "../helpers/gitRepo";
import { projectPython, startServer } from "../helpers/server";

let repo: GitRepo;

describe("server launches", () => {
  before(() => {
    repo = new GitRepo();
    repo.commit("empty");
  });

  after(() => repo?.remove());

  test("the project's interpreter has gto and its server", async () => {
    const launch = serverLaunch({ ...DEFAULT_SETTINGS, pythonPath: projectPython() });
    assert.equal(await installProblem(launch, repo.path, repo.env), undefined);
  });

  for (const [name, settings] of [
    ["python -m gto.server stdio", { pythonPath: projectPython() }],
    ["gto server --stdio", { serverCommand: [join(dirname(projectPython()), "gto"), "server", "--stdio"] }],
  ] as const) {
    test(`${name} serves the repository it starts in`, async () => {
      const server = await startServer(repo.path, repo.env, {}, settings);
      try {
        const status = await server.connection.sendRequest(protocol.Status, {});
        assert.equal(status.transport, "stdio");
        assert.equal(status.repo, repo.path);
        assert.deepEqual(await server.connection.sendRequest(protocol.Show, {}), { artifacts: [], stages: [] });
      } finally {
        await server.stop();
      }
      assert.equal(server.process.exitCode, 0, "exit after shutdown is a clean exit");
    });
  }
});
