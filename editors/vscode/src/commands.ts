/**
 * The command handlers: ask the user what to do with quick picks and input boxes, send one
 * request to the folder's server, and report what it answered.
 *
 * Every handler takes the tree node it was invoked on (context menus) or nothing (command
 * palette), in which case it asks. Validation is the server's: a failed request shows the
 * server's own message. Nothing here decides what the registry allows.
 */
import * as vscode from "vscode";
import * as protocol from "./protocol";
import type { FolderRegistry, Registries } from "./registry";
import { displayVersion, type RegistryNode } from "./registryTree";
import type { StagesNode } from "./stagesTree";

export type Node = RegistryNode | StagesNode;

/** The settings a write needs, read for the folder it writes in. */
export interface WriteSettings {
  pushAfterWrite: boolean;
  pushRemote: string;
}

/** What the handlers need from the rest of the extension; tests pass fakes. */
export interface CommandContext {
  readonly registries: Registries;
  writeSettings(registry: FolderRegistry): WriteSettings;
  restartServers(registry?: FolderRegistry): Promise<void>;
  showOutput(): void;
  pushTags(cwd: string, remote: string, tags: readonly string[] | "all"): Promise<string>;
  /** Select and expand an artifact in the Registry view. */
  revealArtifact(registry: FolderRegistry, name: string): Promise<void>;
  /** The path of the file in the active editor, if any (the code lens runs `gto.show` from it). */
  activeFile(): string | undefined;
}

/** Thrown when the user dismisses a prompt: the command ends without a message. */
class Cancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

function given<T>(value: T | undefined): T {
  if (value === undefined) throw new Cancelled();
  return value;
}

/** The one place that turns a failure into what the user sees: the server's message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

const CREATED: Record<string, string> = {
  register: "registers a version",
  deregister: "deregisters a version",
  assign: "assigns a stage",
  unassign: "unassigns a stage",
  deprecate: "deprecates an artifact",
};

/** One line per tag a write created or deleted, worded like the command line's output. */
export function describeWrite(result: protocol.WriteResult): string {
  const lines = [
    ...result.created.map((change) => {
      const what = CREATED[change.action] ?? change.action;
      const onVersion =
        (change.action === "assign" || change.action === "unassign") && change.version
          ? ` ${change.action === "assign" ? "to" : "from"} '${displayVersion(change.version)}'`
          : "";
      return `Created git tag '${change.tag}' that ${what}${onVersion}.`;
    }),
    ...result.deleted.map((change) => `Deleted git tag '${change.tag}'.`),
  ];
  if (result.pushed) lines.push(`Pushed to '${result.remote ?? "origin"}'.`);
  if (result.push_error) lines.push(`Pushing failed: ${result.push_error}`);
  return lines.join(" ");
}

function isInside(file: string, directory: string): boolean {
  return file === directory || file.startsWith(directory.endsWith("/") ? directory : `${directory}/`);
}

/** A plain-text table of history events for the history document. */
export function formatHistory(title: string, events: readonly protocol.EventInfo[]): string {
  const header = ["timestamp", "artifact", "event", "version", "stage", "commit", "author", "ref"];
  const rows = events.map((event) => [
    event.timestamp,
    event.artifact,
    event.event,
    event.version === null ? "-" : displayVersion(event.version),
    event.stage ?? "-",
    event.commit.slice(0, 7),
    event.author,
    event.ref ?? "-",
  ]);
  const widths = header.map((name, column) => Math.max(name.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  const body = rows.length > 0 ? rows.map(line) : ["(no events)"];
  return [title, "", line(header), line(widths.map((width) => "-".repeat(width))), ...body, ""].join("\n");
}

export class CommandHandlers {
  constructor(private readonly context: CommandContext) {}

  /** Run a handler: a dismissed prompt ends quietly; any failure shows its message. */
  async run(handler: () => Promise<void>): Promise<void> {
    try {
      await handler();
    } catch (error) {
      if (error instanceof Cancelled) return;
      void vscode.window.showErrorMessage(errorMessage(error));
    }
  }

  async refresh(): Promise<void> {
    for (const registry of this.context.registries.folders) registry.refresh();
  }

  async setShowHidden(show: boolean): Promise<void> {
    this.context.registries.setShowHidden(show);
    await vscode.commands.executeCommand("setContext", "gto.showingHidden", show);
  }

  async register(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    const name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, true);
    const choice = given(
      await vscode.window.showQuickPick(
        [
          { label: "Next version", description: "the latest version with its patch part bumped", bump: "patch" },
          { label: "Bump minor", description: "the latest version with its minor part bumped", bump: "minor" },
          { label: "Bump major", description: "the latest version with its major part bumped", bump: "major" },
          { label: "Exact version…", description: "type a version such as v1.2.0", bump: "exact" },
        ],
        { title: `Register a version of ${name}`, placeHolder: "Which version?" },
      ),
    );
    const params: protocol.RegisterParams = { name, ...this.pushOptions(registry) };
    if (choice.bump === "exact") {
      params.version = given(
        await vscode.window.showInputBox({ title: `Register a version of ${name}`, prompt: "Version", value: "v" }),
      );
    } else if (choice.bump === "minor") {
      params.bump_minor = true;
    } else if (choice.bump === "major") {
      params.bump_major = true;
    }
    params.ref = given(
      await vscode.window.showInputBox({
        title: `Register a version of ${name}`,
        prompt: "Git revision to register (commit, branch or tag)",
        value: "HEAD",
      }),
    );
    await this.write(registry, protocol.Register, params);
  }

  async assign(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    let name: string;
    let version: string;
    if (node?.kind === "version") {
      name = node.artifact;
      version = node.version.version;
    } else if (node?.kind === "stageVersion") {
      name = node.artifact;
      version = node.version;
    } else {
      name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, false);
      version = await this.pickVersion(registry, name, "Assign a stage to which version?");
    }
    const stage = await this.pickStage(registry, `Assign a stage to ${name} ${displayVersion(version)}`);
    await this.write(registry, protocol.Assign, { name, version, stage, ...this.pushOptions(registry) });
  }

  async unassign(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    let name: string;
    let version: string;
    let stage: string;
    if (node?.kind === "stageVersion") {
      ({ artifact: name, version, stage } = node);
    } else {
      let stages: readonly string[];
      if (node?.kind === "version") {
        name = node.artifact;
        version = node.version.version;
        stages = node.version.stages;
      } else {
        name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, false);
        const versions = (await registry.versions(name)).filter((v) => v.stages.length > 0);
        if (versions.length === 0) throw new Error(`No version of '${name}' is in a stage`);
        const picked = given(
          await vscode.window.showQuickPick(
            versions.map((v) => ({ label: displayVersion(v.version), description: v.stages.join(", "), value: v })),
            { title: `Unassign a stage of ${name}`, placeHolder: "Which version?" },
          ),
        );
        version = picked.value.version;
        stages = picked.value.stages;
      }
      stage =
        stages.length === 1
          ? stages[0]
          : given(
              await vscode.window.showQuickPick([...stages], {
                title: `Unassign a stage from ${name} ${displayVersion(version)}`,
                placeHolder: "Which stage?",
              }),
            );
    }
    await this.write(registry, protocol.Unassign, { name, version, stage, ...this.pushOptions(registry) });
  }

  async deregister(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    let name: string;
    let version: string;
    if (node?.kind === "version") {
      name = node.artifact;
      version = node.version.version;
    } else {
      name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, false);
      version = await this.pickVersion(registry, name, "Deregister which version?");
    }
    await this.confirm(`Deregister ${name} ${version}? Its stages stop counting.`, "Deregister");
    await this.write(registry, protocol.Deregister, { name, version, ...this.pushOptions(registry) });
  }

  async deprecate(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    const name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, false);
    await this.confirm(
      `Deprecate ${name}? It is hidden from the registry until a new registration or assignment.`,
      "Deprecate",
    );
    await this.write(registry, protocol.Deprecate, { name, ...this.pushOptions(registry) });
  }

  async annotate(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    const name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, true);
    const known = registry.ready
      ? await registry.annotation(name).catch((): protocol.Annotation | null => null)
      : null;
    const title = `Annotate ${name} in artifacts.yaml`;
    const ask = async (prompt: string, value: string | null | undefined) => {
      const answer = given(await vscode.window.showInputBox({ title, prompt, value: value ?? "" }));
      // An empty answer keeps the value as it is, as leaving out the option does on the command line.
      return answer.trim() === "" ? undefined : answer.trim();
    };
    const params: protocol.AnnotateParams = { name };
    const type = await ask("Type (for example model or dataset; empty: unchanged)", known?.type);
    const path = await ask("Path (empty: unchanged)", known?.path);
    const description = await ask("Description (empty: unchanged)", known?.description);
    if (type !== undefined) params.type = type;
    if (path !== undefined) params.path = path;
    if (description !== undefined) params.description = description;
    await registry.request(protocol.Annotate, params);
    void vscode.window.showInformationMessage(
      `Updated the entry of '${name}' in artifacts.yaml; commit it to make it part of the registry.`,
    );
  }

  async copyTagName(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    let tag: string;
    if (node?.kind === "version") {
      tag = node.version.ref;
    } else if (node?.kind === "stageVersion") {
      const inStage = await registry.request(protocol.Which, {
        name: node.artifact,
        stage: node.stage,
        versions_per_stage: -1,
      });
      const found = inStage.find((entry) => entry.version === node.version);
      if (found === undefined) throw new Error(`${node.artifact} ${node.version} is no longer in stage ${node.stage}`);
      tag = found.ref;
    } else {
      const name = node?.kind === "artifact" ? node.artifact.name : await this.pickArtifact(registry, false);
      const version = await this.pickVersion(registry, name, "Copy the tag of which version?");
      const versions = await registry.versions(name);
      tag = versions.find((v) => v.version === version)?.ref ?? "";
    }
    if (!tag) throw new Error("This version has no tag of its own");
    await vscode.env.clipboard.writeText(tag);
    void vscode.window.showInformationMessage(`Copied '${tag}'`);
  }

  async showHistory(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    const name =
      node?.kind === "artifact"
        ? node.artifact.name
        : node?.kind === "version" || node?.kind === "stageVersion"
          ? node.artifact
          : await this.pickArtifact(registry, false);
    const events = await registry.request(protocol.History, { name });
    const document = await vscode.workspace.openTextDocument({
      content: formatHistory(`History of ${name} in ${registry.name}`, events),
      language: "plaintext",
    });
    await vscode.window.showTextDocument(document, { preview: true });
  }

  async pushTags(node?: Node): Promise<void> {
    const registry = await this.folder(node);
    const remote = this.context.writeSettings(registry).pushRemote;
    const unpushed = [...registry.unpushedTags].sort();
    const choices = [
      ...(unpushed.length > 0
        ? [
            {
              label: `Push the ${unpushed.length === 1 ? "tag" : `${unpushed.length} tags`} written from this window`,
              detail: unpushed.join(", "),
              tags: unpushed as readonly string[] | "all",
            },
          ]
        : []),
      { label: "Push every local tag", detail: `git push ${remote} --tags`, tags: "all" as const },
    ];
    const choice = given(
      await vscode.window.showQuickPick(choices, { title: `Push tags of ${registry.name} to '${remote}'` }),
    );
    const output = await this.context.pushTags(registry.path, remote, choice.tags);
    if (choice.tags !== "all") for (const tag of choice.tags) registry.unpushedTags.delete(tag);
    else registry.unpushedTags.clear();
    void vscode.window.showInformationMessage(output || `Pushed tags to '${remote}'`);
  }

  async restartServer(node?: Node): Promise<void> {
    const registry = node !== undefined && "registry" in node ? node.registry : undefined;
    await this.context.restartServers(registry);
  }

  async showOutput(): Promise<void> {
    this.context.showOutput();
  }

  /**
   * `gto.show`: the command of the server's code lenses, with the artifact name. The extension
   * answers it itself by revealing the artifact in the Registry view of the repository of the
   * file the lens is in; from the palette it asks which artifact.
   */
  async show(arg?: Node | string): Promise<void> {
    if (typeof arg === "string") {
      const file = this.context.activeFile();
      const folders = this.context.registries.folders;
      const registry =
        folders.filter((r) => file !== undefined && isInside(file, r.path)).sort((a, b) => b.path.length - a.path.length)[0] ??
        (folders.length === 1 ? folders[0] : await this.folder());
      await this.context.revealArtifact(registry, arg);
      return;
    }
    const registry = await this.folder(arg);
    const name = arg?.kind === "artifact" ? arg.artifact.name : await this.pickArtifact(registry, false);
    await this.context.revealArtifact(registry, name);
  }

  // --- asking ------------------------------------------------------------------------------

  /** The folder a command works in: the node's, the only one, or the one the user picks. */
  private async folder(node?: Node): Promise<FolderRegistry> {
    if (node !== undefined && "registry" in node && node.registry !== undefined) return node.registry;
    const folders = this.context.registries.folders;
    if (folders.length === 0) throw new Error("Open a folder with a git repository to use GTO");
    if (folders.length === 1) return folders[0];
    const picked = given(
      await vscode.window.showQuickPick(
        folders.map((registry) => ({ label: registry.name, description: registry.path, registry })),
        { placeHolder: "Which repository?" },
      ),
    );
    return picked.registry;
  }

  private async pickArtifact(registry: FolderRegistry, allowNew: boolean): Promise<string> {
    const view = await registry.view();
    const NEW = "$(add) New artifact…";
    const items = view.artifacts.map((artifact) => ({
      label: artifact.name,
      description: [artifact.latest ?? "", artifact.deprecated ? "deprecated" : ""].filter(Boolean).join(" · "),
    }));
    if (allowNew) items.unshift({ label: NEW, description: "" });
    if (items.length === 0) throw new Error(`The registry of '${registry.name}' has no artifacts yet`);
    const picked = given(await vscode.window.showQuickPick(items, { placeHolder: "Which artifact?" }));
    if (picked.label !== NEW) return picked.label;
    return given(
      await vscode.window.showInputBox({ prompt: "Artifact name (NAME or DIR:NAME)", placeHolder: "churn" }),
    ).trim();
  }

  private async pickVersion(registry: FolderRegistry, name: string, placeHolder: string): Promise<string> {
    const versions = await registry.versions(name);
    if (versions.length === 0) throw new Error(`Artifact '${name}' has no versions`);
    const picked = given(
      await vscode.window.showQuickPick(
        versions.map((v) => ({
          label: displayVersion(v.version),
          description: v.stages.join(", "),
          detail: `${v.commit.slice(0, 7)} · ${v.author} · ${v.created_at}`,
          version: v.version,
        })),
        { title: name, placeHolder },
      ),
    );
    return picked.version;
  }

  /** Configured stages first (in config order), then the stages used in tags, then a new one. */
  private async pickStage(registry: FolderRegistry, title: string): Promise<string> {
    const [allowed, used] = await Promise.all([
      registry.request(protocol.Stages, { allowed: true }),
      registry.request(protocol.Stages, { used: true }),
    ]);
    const NEW = "$(add) New stage…";
    const items = [
      ...allowed.map((stage) => ({ label: stage, description: "configured in .gto" })),
      ...used.filter((stage) => !allowed.includes(stage)).map((stage) => ({ label: stage, description: "used" })),
    ];
    if (allowed.length === 0) items.push({ label: NEW, description: "" });
    const picked = given(await vscode.window.showQuickPick(items, { title, placeHolder: "Which stage?" }));
    if (picked.label !== NEW) return picked.label;
    return given(await vscode.window.showInputBox({ title, prompt: "Stage name", placeHolder: "prod" })).trim();
  }

  private async confirm(question: string, action: string): Promise<void> {
    const answer = await vscode.window.showWarningMessage(question, { modal: true }, action);
    if (answer !== action) throw new Cancelled();
  }

  private pushOptions(registry: FolderRegistry): { push?: boolean; remote?: string } {
    const settings = this.context.writeSettings(registry);
    return settings.pushAfterWrite ? { push: true, remote: settings.pushRemote } : {};
  }

  private async write<P>(
    registry: FolderRegistry,
    type: import("vscode-jsonrpc").RequestType<P, protocol.WriteResult, void>,
    params: P,
  ): Promise<void> {
    const result = await registry.request(type, params);
    registry.wrote(result);
    const message = describeWrite(result);
    if (result.push_error) void vscode.window.showWarningMessage(message);
    else void vscode.window.showInformationMessage(message);
  }
}

/** Commands run from a tree row get its node; from the palette, nothing; from a code lens, a name. */
function asNode(arg: Node | string | undefined): Node | undefined {
  return typeof arg === "string" ? undefined : arg;
}

/** Every command the extension contributes, with its handler. */
export function commandTable(handlers: CommandHandlers): Record<string, (node?: Node | string) => Promise<void>> {
  return {
    "gto.refresh": () => handlers.refresh(),
    "gto.showHidden": () => handlers.setShowHidden(true),
    "gto.hideHidden": () => handlers.setShowHidden(false),
    "gto.register": (node) => handlers.register(asNode(node)),
    "gto.assign": (node) => handlers.assign(asNode(node)),
    "gto.unassign": (node) => handlers.unassign(asNode(node)),
    "gto.deregister": (node) => handlers.deregister(asNode(node)),
    "gto.deprecate": (node) => handlers.deprecate(asNode(node)),
    "gto.annotate": (node) => handlers.annotate(asNode(node)),
    "gto.copyTagName": (node) => handlers.copyTagName(asNode(node)),
    "gto.showHistory": (node) => handlers.showHistory(asNode(node)),
    "gto.pushTags": (node) => handlers.pushTags(asNode(node)),
    "gto.restartServer": (node) => handlers.restartServer(asNode(node)),
    "gto.showOutput": () => handlers.showOutput(),
    "gto.show": (arg) => handlers.show(arg),
  };
}

/** Register every command; a failure shows its message instead of reaching VS Code. */
export function registerCommands(handlers: CommandHandlers): vscode.Disposable[] {
  return Object.entries(commandTable(handlers)).map(([id, handler]) =>
    vscode.commands.registerCommand(id, (node?: Node | string) => handlers.run(() => handler(node))),
  );
}
