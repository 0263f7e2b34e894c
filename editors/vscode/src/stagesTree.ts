/**
 * The Stages view: stage → the versions in it, per repository folder.
 *
 * Which version is in which stage is the server's answer to `gto/show` (the same columns as
 * `gto show`): the configured stages in config order, else every stage in use.
 */
import * as vscode from "vscode";
import type { FolderRegistry, Registries } from "./registry";
import { displayVersion, failure, notReady, type FolderNode, type MessageNode } from "./registryTree";

export interface StageNode {
  readonly kind: "stage";
  readonly registry: FolderRegistry;
  readonly stage: string;
  readonly entries: readonly StageVersionNode[];
}

/** One version of one artifact in a stage. */
export interface StageVersionNode {
  readonly kind: "stageVersion";
  readonly registry: FolderRegistry;
  readonly stage: string;
  readonly artifact: string;
  readonly version: string;
  readonly deprecated: boolean;
}

export type StagesNode = FolderNode | StageNode | StageVersionNode | MessageNode;

export class StagesTreeProvider implements vscode.TreeDataProvider<StagesNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StagesNode | undefined>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly registries: Registries) {
    this.subscription = registries.onDidChange(() => this.changed.fire(undefined));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: StagesNode): Promise<StagesNode[]> {
    if (node === undefined) {
      const folders = this.registries.folders;
      if (folders.length === 1) return this.stages(folders[0]);
      return folders.map((registry): FolderNode => ({ kind: "folder", registry }));
    }
    switch (node.kind) {
      case "folder":
        return this.stages(node.registry);
      case "stage":
        return [...node.entries];
      default:
        return [];
    }
  }

  getTreeItem(node: StagesNode): vscode.TreeItem {
    switch (node.kind) {
      case "folder": {
        const item = new vscode.TreeItem(node.registry.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `stages-folder:${node.registry.path}`;
        item.iconPath = new vscode.ThemeIcon("repo");
        item.contextValue = "gto.folder";
        return item;
      }
      case "stage": {
        const state =
          node.entries.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
        const item = new vscode.TreeItem(node.stage, state);
        item.id = `stage:${node.registry.path}:${node.stage}`;
        item.description = node.entries.length === 0 ? "empty" : countLabel(node.entries.length);
        item.iconPath = new vscode.ThemeIcon("layers");
        item.contextValue = "gto.stage";
        return item;
      }
      case "stageVersion": {
        const item = new vscode.TreeItem(node.artifact, vscode.TreeItemCollapsibleState.None);
        item.id = `stage-version:${node.registry.path}:${node.stage}:${node.artifact}:${node.version}`;
        item.description = node.deprecated
          ? `${displayVersion(node.version)} · deprecated`
          : displayVersion(node.version);
        item.tooltip = `${node.artifact} ${node.version} is in stage ${node.stage}`;
        item.iconPath = new vscode.ThemeIcon("rocket");
        item.contextValue = "gto.stageVersion";
        return item;
      }
      case "message": {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.error ? "error" : "loading~spin");
        item.contextValue = "gto.message";
        if (node.error) item.command = { command: "gto.showOutput", title: "Show Log" };
        return item;
      }
    }
  }

  private async stages(registry: FolderRegistry): Promise<StagesNode[]> {
    const waiting = notReady(registry);
    if (waiting) return [waiting];
    try {
      const view = await registry.view();
      // The server's stage columns first, in its order; then any stage an artifact is in that
      // the columns leave out (a stage used before `.gto` restricted the list).
      const names = [...view.stages];
      for (const artifact of view.artifacts) {
        for (const stage of Object.keys(artifact.stages)) if (!names.includes(stage)) names.push(stage);
      }
      return names.map((stage): StageNode => {
        const entries = view.artifacts.flatMap((artifact) =>
          (artifact.stages[stage] ?? []).map(
            (version): StageVersionNode => ({
              kind: "stageVersion",
              registry,
              stage,
              artifact: artifact.name,
              version,
              deprecated: artifact.deprecated,
            }),
          ),
        );
        return { kind: "stage", registry, stage, entries };
      });
    } catch (error) {
      return [failure(registry, error)];
    }
  }
}

function countLabel(count: number): string {
  return count === 1 ? "1 version" : `${count} versions`;
}
