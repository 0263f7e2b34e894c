import * as assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  daemonSocket,
  daemonStatusCommand,
  documentPatterns,
  findExecutable,
  installProblem,
  repositoryRoot,
  serverLaunch,
} from "../../src/launch";
import { DEFAULT_SETTINGS, readSettings, type Settings } from "../../src/settings";

const settings = (fields: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...fields });

const scratchRoot = realpathSync(mkdtempSync(join(tmpdir(), "gto-launch-")));
after(() => rmSync(scratchRoot, { recursive: true, force: true }));

function scratch(): string {
  return mkdtempSync(join(scratchRoot, "t-"));
}

/** An executable shell script at `path` that prints `output` and exits with `code`. */
function script(path: string, output: string, code = 0): string {
  writeFileSync(path, `#!/bin/sh\nprintf '%s' '${output}'\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("Server launch", () => {
  test("the configured command wins, then the interpreter setting, then the Python extension's, then gto on PATH", () => {
    assert.deepEqual(serverLaunch(settings({ serverCommand: ["/opt/gto", "server", "--stdio"], pythonPath: "/py" })), {
      command: "/opt/gto",
      args: ["server", "--stdio"],
    });
    assert.deepEqual(serverLaunch(settings({ pythonPath: "/venv/bin/python" }), "/other/python"), {
      command: "/venv/bin/python",
      args: ["-m", "gto.server", "stdio"],
      python: "/venv/bin/python",
    });
    assert.equal(serverLaunch(settings({}), "/ext/python").command, "/ext/python");
    assert.deepEqual(serverLaunch(settings({})), { command: "gto", args: ["server", "--stdio"] });
  });

  test("the daemon's status command follows the launch", () => {
    assert.deepEqual(daemonStatusCommand(serverLaunch(settings({}))), { command: "gto", args: ["daemon", "status", "--json"] });
    assert.deepEqual(daemonStatusCommand(serverLaunch(settings({ pythonPath: "/py" }))), {
      command: "/py",
      args: ["-c", "from gto.cli import main; main()", "daemon", "status", "--json"],
      python: "/py",
    });
    assert.deepEqual(daemonStatusCommand({ command: "uvx", args: ["gto", "server", "--stdio"] }), {
      command: "uvx",
      args: ["gto", "daemon", "status", "--json"],
    });
    assert.equal(daemonStatusCommand({ command: "my-wrapper", args: [] }), undefined);
  });

  test("repositoryRoot finds the work tree above a folder, and nothing outside git", () => {
    const base = scratch();
    mkdirSync(join(base, "repo", ".git"), { recursive: true });
    mkdirSync(join(base, "repo", "models", "nlp"), { recursive: true });
    mkdirSync(join(base, "plain"));
    assert.equal(repositoryRoot(join(base, "repo", "models", "nlp")), join(base, "repo"));
    assert.equal(repositoryRoot(join(base, "repo")), join(base, "repo"));
    // A worktree or submodule has a .git file instead of a directory.
    mkdirSync(join(base, "worktree"));
    writeFileSync(join(base, "worktree", ".git"), "gitdir: /elsewhere\n");
    assert.equal(repositoryRoot(join(base, "worktree")), join(base, "worktree"));
    const outside = repositoryRoot(join(base, "plain"));
    assert.ok(outside === undefined || !outside.startsWith(base));
  });

  test("document patterns route artifacts.yaml and .gto of that repository only", () => {
    assert.deepEqual(documentPatterns("/work/repo"), ["/work/repo/**/artifacts.yaml", "/work/repo/**/.gto"]);
  });

  test("findExecutable looks on PATH, or at the path given", () => {
    const bin = scratch();
    const tool = script(join(bin, "gto"), "");
    assert.equal(findExecutable("gto", `/nonexistent:${bin}`), tool);
    assert.equal(findExecutable("gto", "/nonexistent"), undefined);
    assert.equal(findExecutable(tool, ""), tool);
    assert.equal(findExecutable(join(bin, "missing"), ""), undefined);
  });

  test("a missing interpreter or a missing gto gives a message with the fix", async () => {
    const bin = scratch();
    const env = { PATH: bin };
    const noPython = await installProblem({ command: "/no/python", args: [], python: "/no/python" }, bin, env);
    assert.match(noPython ?? "", /^The Python interpreter '\/no\/python' was not found\. Install gto .* gto\.pythonPath/);
    const withoutGto = script(join(bin, "python"), "", 1);
    const notInstalled = await installProblem({ command: withoutGto, args: [], python: withoutGto }, bin, env);
    assert.match(notInstalled ?? "", /^gto is not installed for '.*python' \(import gto\.server failed\)\./);
    const withGto = script(join(bin, "python-ok"), "", 0);
    assert.equal(await installProblem({ command: withGto, args: [], python: withGto }, bin, env), undefined);
    assert.match((await installProblem({ command: "gto", args: [] }, bin, env)) ?? "", /^'gto' was not found on PATH\./);
  });

  test("the daemon socket: the setting, else what the daemon's status says, else none", async () => {
    const bin = scratch();
    const env = { PATH: bin };
    assert.equal(await daemonSocket(settings({ daemonSocket: "/s.sock" }), { command: "gto", args: [] }, bin, env), "/s.sock");
    const running = script(join(bin, "gto"), '{"pid": 1, "socket": "/repo/.git/gto/daemon.sock"}');
    const launch = { command: running, args: ["server", "--stdio"] };
    assert.equal(await daemonSocket(settings({}), launch, bin, env), "/repo/.git/gto/daemon.sock");
    const stopped = script(join(bin, "gto-stopped"), "No daemon runs", 1);
    assert.equal(await daemonSocket(settings({}), { command: stopped, args: ["server", "--stdio"] }, bin, env), undefined);
  });
});

describe("Settings", () => {
  test("defaults when nothing is set", () => {
    const { settings: read, problems } = readSettings({ get: () => undefined });
    assert.deepEqual(read, DEFAULT_SETTINGS);
    assert.deepEqual(problems, []);
  });

  test("values of the wrong type fall back to the default, with a message", () => {
    const values: Record<string, unknown> = {
      pythonPath: 3,
      serverCommand: "gto server --stdio",
      serverEnv: { GTO_STAGES: "dev,prod" },
      pushRemote: "  ",
      pushAfterWrite: "yes",
    };
    const { settings: read, problems } = readSettings({ get: <T>(key: string) => values[key] as T });
    assert.equal(read.pythonPath, "");
    assert.deepEqual(read.serverCommand, []);
    assert.deepEqual(read.serverEnv, { GTO_STAGES: "dev,prod" });
    assert.equal(read.pushRemote, "origin");
    assert.equal(read.pushAfterWrite, false);
    assert.deepEqual(problems, [
      "gto.pythonPath must be a path; using the default instead",
      "gto.serverCommand must be a list of strings; using the default instead",
      "gto.pushAfterWrite must be true or false; using the default instead",
    ]);
  });
});
