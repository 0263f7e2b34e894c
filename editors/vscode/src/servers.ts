/**
 * One gto server per repository of the workspace: started when a folder of that repository
 * opens, restarted on request or when its settings change, stopped when the last folder closes.
 * Each running client is attached to the repository's `FolderRegistry`.
 */
import * as vscode from "vscode";
import type { ClientFactory, ServerClient } from "./client";
import {
  activeInterpreter,
  daemonSocket,
  installProblem,
  repositoryRoot,
  serverLaunch,
  type Launch,
} from "./launch";
import type { FolderRegistry, Registries } from "./registry";
import { readSettings, SERVER_SETTINGS, type Settings } from "./settings";

interface Server {
  client: ServerClient | undefined;
  folders: vscode.WorkspaceFolder[];
  subscriptions: vscode.Disposable[];
}

export class Servers implements vscode.Disposable {
  private readonly servers = new Map<string, Server>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly registries: Registries,
    private readonly output: vscode.LogOutputChannel,
    private readonly createClient: ClientFactory,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.syncFolders()),
      vscode.workspace.onDidChangeConfiguration((event) => this.configurationChanged(event)),
    );
  }

  /** The settings of the repository's first folder. */
  settings(registry: FolderRegistry): Settings {
    const folder = this.servers.get(registry.path)?.folders[0];
    const { settings, problems } = readSettings(vscode.workspace.getConfiguration("gto", folder?.uri));
    for (const problem of problems) this.output.warn(problem);
    return settings;
  }

  /** Start a server for each repository that has a workspace folder, stop those that have none left. */
  async syncFolders(): Promise<void> {
    const wanted = new Map<string, vscode.WorkspaceFolder[]>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== "file") continue;
      const root = repositoryRoot(folder.uri.fsPath);
      if (root === undefined) {
        this.output.info(`${folder.uri.fsPath} is not inside a git repository: no registry for it`);
        continue;
      }
      wanted.set(root, [...(wanted.get(root) ?? []), folder]);
    }
    const stopping = [...this.servers.keys()].filter((root) => !wanted.has(root));
    await Promise.all(stopping.map((root) => this.stop(root)));
    const starting: Promise<void>[] = [];
    for (const [root, folders] of wanted) {
      const known = this.servers.get(root);
      if (known !== undefined) {
        known.folders = folders;
        continue;
      }
      this.servers.set(root, { client: undefined, folders, subscriptions: [] });
      // A folder that is the repository itself shows its own name, else the repository's.
      const name = folders.find((f) => f.uri.fsPath === root)?.name ?? root.split(/[\\/]/).pop() ?? root;
      this.registries.add(name, root);
      starting.push(this.start(root));
    }
    await Promise.all(starting);
  }

  /** Restart one repository's server, or all of them. */
  async restart(registry?: FolderRegistry): Promise<void> {
    const roots = registry !== undefined ? [registry.path] : [...this.servers.keys()];
    await Promise.all(
      roots.map(async (root) => {
        await this.shutdown(root);
        await this.start(root);
      }),
    );
  }

  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.dispose();
    await Promise.all([...this.servers.keys()].map((root) => this.stop(root)));
  }

  private configurationChanged(event: vscode.ConfigurationChangeEvent): void {
    for (const [root, server] of this.servers) {
      const scope = server.folders[0]?.uri;
      if (SERVER_SETTINGS.some((key) => event.affectsConfiguration(`gto.${key}`, scope))) {
        this.output.info(`Server settings changed: restarting the server of ${root}`);
        const registry = this.registries.get(root);
        if (registry !== undefined) void this.restart(registry);
      }
    }
  }

  private async start(root: string): Promise<void> {
    const server = this.servers.get(root);
    const registry = this.registries.get(root);
    if (server === undefined || registry === undefined) return;
    registry.detach();
    this.registries.fireChanged(registry);
    const folder = server.folders[0];
    const settings = this.settings(registry);
    const env = { ...process.env, ...settings.serverEnv };
    const launch = await this.chooseLaunch(settings, folder, root, env);
    if (typeof launch === "string") {
      this.fail(registry, launch);
      return;
    }
    let socket: string | undefined;
    if (settings.attachToDaemon) {
      socket = await daemonSocket(settings, launch, root, env);
      if (socket === undefined) this.output.info(`No gto daemon runs for ${root}: starting a server of our own`);
    }
    // A daemon that died since it answered its status leaves a socket nobody listens on: then
    // start a server of our own after all.
    for (const attach of socket !== undefined ? [socket, undefined] : [undefined]) {
      this.output.info(
        attach !== undefined
          ? `Attaching to the gto daemon of ${root} at ${attach}`
          : `Starting ${[launch.command, ...launch.args].join(" ")} in ${root}`,
      );
      const client = this.createClient({ root, folder, launch, env, socket: attach, output: this.output });
      server.client = client;
      const subscription = client.onDidChangeState((state) => {
        if (state === "running") registry.attach(client.connection);
        else if (state === "stopped") registry.detach("The gto server stopped. Run GTO: Restart Server.");
        else registry.detach();
        this.registries.fireChanged(registry);
      });
      server.subscriptions.push(subscription);
      try {
        await client.start();
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        subscription.dispose();
        server.client = undefined;
        await client.dispose(2000).catch(() => undefined);
        if (attach !== undefined) {
          this.output.warn(`Attaching to ${attach} failed (${message}): starting a server of our own`);
          continue;
        }
        this.fail(registry, `The gto server of ${root} did not start: ${message}`);
      }
    }
  }

  /** The configured launch, or the first that has gto installed; a string says what is missing. */
  private async chooseLaunch(
    settings: Settings,
    folder: vscode.WorkspaceFolder | undefined,
    root: string,
    env: NodeJS.ProcessEnv,
  ): Promise<Launch | string> {
    const candidates: Launch[] = [];
    if (settings.serverCommand.length > 0 || settings.pythonPath) {
      candidates.push(serverLaunch(settings));
    } else {
      const interpreter = await activeInterpreter(folder?.uri);
      if (interpreter !== undefined) candidates.push(serverLaunch(settings, interpreter));
      candidates.push(serverLaunch(settings));
    }
    let firstProblem: string | undefined;
    for (const launch of candidates) {
      const problem = await installProblem(launch, root, env);
      if (problem === undefined) return launch;
      this.output.warn(problem);
      firstProblem ??= problem;
    }
    return firstProblem ?? "gto was not found";
  }

  private fail(registry: FolderRegistry, message: string): void {
    this.output.error(message);
    registry.detach(message);
    this.registries.fireChanged(registry);
    void vscode.window.showErrorMessage(message, "Open Settings", "Show Log").then((choice) => {
      if (choice === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "gto.");
      if (choice === "Show Log") this.output.show();
    });
  }

  private async shutdown(root: string): Promise<void> {
    const server = this.servers.get(root);
    if (server === undefined) return;
    for (const subscription of server.subscriptions) subscription.dispose();
    server.subscriptions = [];
    const client = server.client;
    server.client = undefined;
    if (client !== undefined) {
      try {
        await client.dispose(2000);
      } catch (error) {
        this.output.warn(`Stopping the server of ${root}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private async stop(root: string): Promise<void> {
    await this.shutdown(root);
    this.servers.delete(root);
    this.registries.remove(root);
  }
}
