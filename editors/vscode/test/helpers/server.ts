/**
 * The real gto server for protocol tests: started with the launch the extension computes,
 * driven over its stdio with vscode-jsonrpc the way vscode-languageclient drives it
 * (LSP base framing, `initialize`, `initialized`, ..., `shutdown`, `exit`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import { serverLaunch } from "../../src/launch";
import type { GtoConnection } from "../../src/registry";
import { DEFAULT_SETTINGS, type Settings } from "../../src/settings";

/** The interpreter of the project's venv (two levels above the extension), or GTO_TEST_PYTHON. */
export function projectPython(): string {
  const override = process.env.GTO_TEST_PYTHON;
  if (override) return override;
  const extension = resolve(__dirname, "..", "..", "..");
  const python = join(extension, "..", "..", ".venv", "bin", "python");
  if (!existsSync(python)) {
    throw new Error(`No Python at ${python}: run scripts/setup.sh at the repository root, or set GTO_TEST_PYTHON`);
  }
  return python;
}

export interface RunningServer {
  readonly connection: MessageConnection;
  /** The server's answer to `initialize`: its capabilities. */
  readonly initialized: { capabilities: Record<string, any> };
  readonly process: ChildProcess;
  readonly stderr: () => string;
  stop(): Promise<void>;
}

/**
 * Start the server for the repository at `root` as the extension does with `gto.pythonPath` set
 * to the project's interpreter (or with the given settings), and complete the LSP handshake.
 */
export async function startServer(
  root: string,
  env: NodeJS.ProcessEnv,
  capabilities: object = {},
  settings: Partial<Settings> = { pythonPath: projectPython() },
): Promise<RunningServer> {
  const launch = serverLaunch({ ...DEFAULT_SETTINGS, ...settings });
  const child = spawn(launch.command, [...launch.args], { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.listen();
  const rootUri = pathToFileURL(root).href;
  const initialized = await withTimeout(
    connection.sendRequest<{ capabilities: Record<string, any> }>("initialize", {
      processId: process.pid,
      clientInfo: { name: "gto-vscode-tests" },
      rootPath: root,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "repo" }],
      capabilities,
    }),
    20_000,
    () => `the server did not answer initialize; its stderr:\n${stderr}`,
  );
  await connection.sendNotification("initialized", {});
  return {
    connection,
    initialized,
    process: child,
    stderr: () => stderr,
    async stop() {
      try {
        await withTimeout(connection.sendRequest("shutdown"), 5000, () => "shutdown timed out");
        await connection.sendNotification("exit");
      } catch {
        child.kill();
      }
      await withTimeout(exited, 5000, () => "the server did not exit").catch(() => child.kill("SIGKILL"));
      connection.dispose();
    },
  };
}

/**
 * The extension's view of a connection (what `connectionOf` makes of the language client).
 * A vscode-jsonrpc connection keeps one handler per notification method, so this one fans each
 * notification out to every listener: the registry under test and the test itself.
 */
export function gtoConnection(connection: MessageConnection): GtoConnection {
  const listeners = new Map<string, Set<(params: unknown) => void>>();
  return {
    sendRequest: (type, params) => connection.sendRequest(type, params as never),
    onNotification: (type, handler) => {
      let set = listeners.get(type.method);
      if (set === undefined) {
        const created = new Set<(params: unknown) => void>();
        set = created;
        listeners.set(type.method, created);
        connection.onNotification(type.method, (params: unknown) => {
          for (const listener of [...created]) listener(params);
        });
      }
      const listener = handler as (params: unknown) => void;
      set.add(listener);
      return { dispose: () => set.delete(listener) };
    },
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
