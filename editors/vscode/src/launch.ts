/**
 * How a repository's gto server is found and started: the configured command or interpreter,
 * the Python extension's interpreter, or `gto` on PATH; whether gto is installed there at all;
 * and where a running daemon listens. Plain Node code, apart from asking the Python extension.
 */
import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Settings } from "./settings";

/** How the server process is started. `python` is set when it runs as a module of that interpreter. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly python?: string;
}

const SERVER_ARGS = ["server", "--stdio"];
const DAEMON_STATUS_ARGS = ["daemon", "status", "--json"];
// `gto.server` is the module editors spawn: it starts without loading the command line.
const PYTHON_SERVER_ARGS = ["-m", "gto.server", "stdio"];
// The command line as a module call that needs no `gto/__main__.py`.
const PYTHON_CLI_ARGS = ["-c", "from gto.cli import main; main()"];

/** The command that starts the server: the configured command, the interpreter, else `gto` on PATH. */
export function serverLaunch(settings: Settings, activeInterpreter?: string): Launch {
  if (settings.serverCommand.length > 0) {
    const [command, ...args] = settings.serverCommand;
    return { command, args };
  }
  const python = settings.pythonPath || activeInterpreter;
  if (python) return { command: python, args: PYTHON_SERVER_ARGS, python };
  return { command: "gto", args: SERVER_ARGS };
}

/** The command that prints the daemon's status as JSON, when it can be derived from the launch. */
export function daemonStatusCommand(launch: Launch): Launch | undefined {
  if (launch.python !== undefined) {
    return { command: launch.python, args: [...PYTHON_CLI_ARGS, ...DAEMON_STATUS_ARGS], python: launch.python };
  }
  const serverAt = launch.args.length - SERVER_ARGS.length;
  if (serverAt < 0 || launch.args[serverAt] !== "server" || launch.args[serverAt + 1] !== "--stdio") return undefined;
  return { command: launch.command, args: [...launch.args.slice(0, serverAt), ...DAEMON_STATUS_ARGS] };
}

/** The directory of the git work tree that holds `folder`, or undefined outside of git. */
export function repositoryRoot(folder: string): string | undefined {
  let current = path.resolve(folder);
  for (;;) {
    if (existsSync(path.join(current, ".git"))) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Where `command` would be found: itself when it has a directory part, else a match on PATH. */
export function findExecutable(command: string, searchPath = process.env.PATH ?? ""): string | undefined {
  const isFile = (candidate: string) => {
    try {
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes("/") || command.includes("\\")) return isFile(command) ? command : undefined;
  const extensions = process.platform === "win32" ? ["", ".exe", ".cmd", ".bat"] : [""];
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; missing: boolean }>((resolve) => {
    execFile(command, [...args], { cwd, env, timeout: 30_000 }, (error, stdout, stderr) => {
      const missing = (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, stderr, missing });
    });
  });
}

/**
 * What stops the launch from working, with the fix, or undefined when gto is there. Checking
 * first turns "the server exited" into a message a user can act on.
 */
export async function installProblem(launch: Launch, cwd: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fix =
    "Install gto with its server into that environment, or point the setting gto.pythonPath (or gto.serverCommand) at one that has it.";
  if (launch.python !== undefined) {
    const probe = await run(launch.python, ["-c", "import gto.server"], cwd, env);
    if (probe.missing) return `The Python interpreter '${launch.python}' was not found. ${fix}`;
    if (probe.code !== 0) return `gto is not installed for '${launch.python}' (import gto.server failed). ${fix}`;
    return undefined;
  }
  if (findExecutable(launch.command, env.PATH) === undefined) {
    return `'${launch.command}' was not found${launch.command.includes("/") ? "" : " on PATH"}. ${fix}`;
  }
  return undefined;
}

/** Globs of the files the server of the repository at `root` handles: `artifacts.yaml` and `.gto`. */
export function documentPatterns(root: string): string[] {
  const base = root.split(path.sep).join("/");
  return [`${base}/**/artifacts.yaml`, `${base}/**/.gto`];
}

/** The socket of the repository's running daemon: the setting, else what `gto daemon status --json` says. */
export async function daemonSocket(
  settings: Settings,
  launch: Launch,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (settings.daemonSocket) return settings.daemonSocket;
  const status = daemonStatusCommand(launch);
  if (status === undefined) return undefined;
  const answer = await run(status.command, status.args, cwd, env);
  if (answer.code !== 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(answer.stdout);
    if (typeof parsed === "object" && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      if (record.running === false) return undefined;
      if (typeof record.socket === "string" && record.socket) return record.socket;
    }
  } catch {
    // Not JSON: an older gto without a daemon; start a server of our own instead.
  }
  return undefined;
}

/** A connection to the daemon's unix socket; the protocol runs over it as over stdio. */
export function connectToDaemon(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** The interpreter the Python extension has selected for `folder`, if that extension is there. */
export async function activeInterpreter(folder: vscode.Uri | undefined): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension("ms-python.python");
  if (extension === undefined) return undefined;
  try {
    const api = (extension.isActive ? extension.exports : await extension.activate()) as PythonApi | undefined;
    const environments = api?.environments;
    if (environments === undefined) return undefined;
    const active = environments.getActiveEnvironmentPath(folder);
    const resolved = await environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath ?? active.path;
  } catch {
    return undefined;
  }
}

/** The few members of the Python extension's API this file reads. */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}
