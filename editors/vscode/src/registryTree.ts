/**
 * The Registry view: artifacts → versions, per repository folder.
 *
 * It renders the server's answers as they are: which version is latest, which stages a version
 * is in, the order of versions and whether an artifact is deprecated all come from the server.
 * Nodes are plain values that the commands receive as their argument.
 */
import * as vscode from "vscode";
import type * as protocol from "./protocol";
import type { FolderRegistry, Registries } from "./registry";

export interface FolderNode {
  readonly kind: "folder";
  readonly registry: FolderRegistry;
}

export interface ArtifactNode {
  readonly kind: "artifact";
  readonly registry: FolderRegistry;
  readonly artifact: protocol.ArtifactInfo;
  readonly annotation: protocol.Annotation | null;
  /** Named in `artifacts.yaml` and by no registry tag. */
  readonly annotationOnly: boolean;
}

export interface VersionNode {
  readonly kind: "version";
  readonly registry: FolderRegistry;
  readonly artifact: string;
  readonly version: protocol.VersionInfo;
  readonly latest: boolean;
}

/** A line of text in place of content: the server is starting, failed, or a request failed. */
export interface MessageNode {
  readonly kind: "message";
  readonly registry: FolderRegistry | undefined;
  readonly text: string;
  readonly error: boolean;
}

export type RegistryNode = FolderNode | ArtifactNode | VersionNode | MessageNode;

const HEXSHA = /^[0-9a-f]{40}$/;

/** An unregistered version is named by its commit; the views show the short form. */
export function displayVersion(version: string): string {
  return HEXSHA.test(version) ? version.slice(0, 7) : version;
}

export class RegistryTreeProvider implements vscode.TreeDataProvider<RegistryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RegistryNode | undefined>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly registries: Registries) {
    this.subscription = registries.onDidChange(() => this.changed.fire(undefined));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: RegistryNode): Promise<RegistryNode[]> {
    if (node === undefined) {
      const folders = this.registries.folders;
      if (folders.length === 1) return this.artifacts(folders[0]);
      return folders.map((registry): FolderNode => ({ kind: "folder", registry }));
    }
    switch (node.kind) {
      case "folder":
        return this.artifacts(node.registry);
      case "artifact":
        return this.versions(node);
      default:
        return [];
    }
  }

  getTreeItem(node: RegistryNode): vscode.TreeItem {
    switch (node.kind) {
      case "folder":
        return folderItem(node);
      case "artifact":
        return artifactItem(node);
      case "version":
        return versionItem(node);
      case "message":
        return messageItem(node);
    }
  }

  /** Parents, for `TreeView.reveal`: an artifact sits under its folder when there are several. */
  async getParent(node: RegistryNode): Promise<RegistryNode | undefined> {
    const registry = node.registry;
    if (registry === undefined || node.kind === "folder") return undefined;
    if (node.kind === "version") return this.findArtifact(registry, node.artifact);
    return this.registries.folders.length > 1 ? { kind: "folder", registry } : undefined;
  }

  /** The node of an artifact as the view currently lists it, or undefined. */
  async findArtifact(registry: FolderRegistry, name: string): Promise<ArtifactNode | undefined> {
    const nodes = await this.artifacts(registry);
    return nodes.find((node): node is ArtifactNode => node.kind === "artifact" && node.artifact.name === name);
  }

  private async artifacts(registry: FolderRegistry): Promise<RegistryNode[]> {
    const waiting = notReady(registry);
    if (waiting) return [waiting];
    try {
      const view = await registry.view();
      return await Promise.all(
        view.artifacts.map(async (artifact): Promise<ArtifactNode> => {
          const annotation = await registry.annotation(artifact.name).catch(() => null);
          const annotationOnly = annotation !== null && (await registry.annotationOnly(artifact));
          return { kind: "artifact", registry, artifact, annotation, annotationOnly };
        }),
      );
    } catch (error) {
      return [failure(registry, error)];
    }
  }

  private async versions(node: ArtifactNode): Promise<RegistryNode[]> {
    try {
      const versions = await node.registry.versions(node.artifact.name);
      return versions.map(
        (version): VersionNode => ({
          kind: "version",
          registry: node.registry,
          artifact: node.artifact.name,
          version,
          latest: version.version === node.artifact.latest,
        }),
      );
    } catch (error) {
      return [failure(node.registry, error)];
    }
  }
}

/** The message that stands for a folder whose server is not answering, or undefined. */
export function notReady(registry: FolderRegistry): MessageNode | undefined {
  switch (registry.status.state) {
    case "ready":
      return undefined;
    case "starting":
      return { kind: "message", registry, text: "Starting the gto server…", error: false };
    case "failed":
      return { kind: "message", registry, text: registry.status.message, error: true };
  }
}

export function failure(registry: FolderRegistry, error: unknown): MessageNode {
  return { kind: "message", registry, text: error instanceof Error ? error.message : String(error), error: true };
}

function folderItem(node: FolderNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.registry.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `folder:${node.registry.path}`;
  item.description = node.registry.status.state === "failed" ? "not available" : undefined;
  item.tooltip = node.registry.path;
  item.iconPath = new vscode.ThemeIcon("repo");
  item.contextValue = "gto.folder";
  return item;
}

/** What the artifact row says after its name: type, latest version, markers. */
export function artifactDescription(node: ArtifactNode): string {
  const { artifact, annotation } = node;
  const parts: string[] = [];
  if (annotation?.type) parts.push(annotation.type);
  if (artifact.latest !== null) parts.push(artifact.latest);
  else if (node.annotationOnly) parts.push("annotation only");
  else parts.push("no registered version");
  if (artifact.deprecated) parts.push("deprecated");
  return parts.join(" · ");
}

function artifactItem(node: ArtifactNode): vscode.TreeItem {
  const { artifact, annotation } = node;
  const item = new vscode.TreeItem(artifact.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `artifact:${node.registry.path}:${artifact.name}`;
  item.description = artifactDescription(node);
  const annotationOnly = node.annotationOnly;
  if (artifact.deprecated) {
    item.iconPath = new vscode.ThemeIcon("circle-slash", new vscode.ThemeColor("disabledForeground"));
  } else if (annotationOnly) {
    item.iconPath = new vscode.ThemeIcon("note");
  } else {
    item.iconPath = new vscode.ThemeIcon("package");
  }
  item.contextValue = artifact.deprecated
    ? "gto.artifact.deprecated"
    : annotationOnly
      ? "gto.artifact.annotationOnly"
      : "gto.artifact";
  const title = artifact.deprecated
    ? `${artifact.name} (deprecated)`
    : annotationOnly
      ? `${artifact.name} (annotation only, no registry tags yet)`
      : artifact.name;
  const rows: [string, string | null | undefined][] = [
    ["Type", annotation?.type],
    ["Path", annotation?.path],
    ["Description", annotation?.description],
    ["Labels", annotation?.labels?.join(", ")],
    ["Latest", artifact.latest],
  ];
  for (const [stage, versions] of Object.entries(artifact.stages)) rows.push([`Stage ${stage}`, versions.join(", ")]);
  item.tooltip = tooltip(title, rows);
  return item;
}

/** What the version row says after its name: its stages, then markers. */
export function versionDescription(node: VersionNode): string {
  const { version } = node;
  const parts: string[] = [];
  if (version.stages.length > 0) parts.push(version.stages.join(", "));
  if (node.latest) parts.push("latest");
  if (!version.registered) parts.push("unregistered commit");
  if (!version.active) parts.push("deregistered");
  return parts.join(" · ");
}

/** The context value the menus match: `gto.version.<registered|commit>[.deregistered][.staged]`. */
export function versionContext(version: protocol.VersionInfo): string {
  let value = version.registered ? "gto.version.registered" : "gto.version.commit";
  if (!version.active) value += ".deregistered";
  if (version.stages.length > 0) value += ".staged";
  return value;
}

function versionItem(node: VersionNode): vscode.TreeItem {
  const { version } = node;
  const item = new vscode.TreeItem(displayVersion(version.version), vscode.TreeItemCollapsibleState.None);
  item.id = `version:${node.registry.path}:${node.artifact}:${version.version}`;
  item.description = versionDescription(node);
  if (!version.active) {
    item.iconPath = new vscode.ThemeIcon("circle-slash", new vscode.ThemeColor("disabledForeground"));
  } else if (!version.registered) {
    item.iconPath = new vscode.ThemeIcon("git-commit");
  } else if (version.stages.length > 0) {
    item.iconPath = new vscode.ThemeIcon("rocket");
  } else {
    item.iconPath = new vscode.ThemeIcon("tag");
  }
  item.contextValue = versionContext(version);
  const rows: [string, string | null | undefined][] = [
    ["Commit", version.commit],
    ["Author", version.author_email ? `${version.author} <${version.author_email}>` : version.author],
    ["Created", version.created_at],
    ["Tag", version.ref],
  ];
  if (version.stages.length > 0) rows.push(["Stages", version.stages.join(", ")]);
  if (!version.active) rows.push(["State", "deregistered"]);
  item.tooltip = tooltip(`${node.artifact} ${version.version}`, rows);
  return item;
}

function messageItem(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
  item.iconPath = new vscode.ThemeIcon(node.error ? "error" : "loading~spin");
  item.tooltip = node.text;
  item.contextValue = node.error ? "gto.message.error" : "gto.message";
  if (node.error) item.command = { command: "gto.showOutput", title: "Show Log" };
  return item;
}

/** A bold title, then one `key: value` line per value given; text from the repository is never read as Markdown. */
function tooltip(title: string, rows: readonly [string, string | null | undefined][]): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString();
  markdown.appendMarkdown("**");
  markdown.appendText(title);
  markdown.appendMarkdown("**\n\n");
  for (const [key, value] of rows) {
    if (!value) continue;
    markdown.appendText(`${key}: ${value}`);
    markdown.appendMarkdown("  \n");
  }
  return markdown;
}
