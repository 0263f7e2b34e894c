/**
 * Entry point: wires the registries, the servers, the two views and the commands together on
 * activation, and takes them down on deactivation. Nothing else happens here.
 */
import * as vscode from "vscode";
import { createClient } from "./client";
import { CommandHandlers, registerCommands } from "./commands";
import { pushTags } from "./git";
import { Registries } from "./registry";
import { RegistryTreeProvider } from "./registryTree";
import { Servers } from "./servers";
import { readSettings } from "./settings";
import { StagesTreeProvider } from "./stagesTree";

let servers: Servers | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("GTO", { log: true });
  const registries = new Registries();
  registries.showHidden = readSettings(vscode.workspace.getConfiguration("gto")).settings.showHidden;
  servers = new Servers(registries, output, createClient);
  const running = servers;
  const registryTree = new RegistryTreeProvider(registries);
  const stagesTree = new StagesTreeProvider(registries);
  const registryView = vscode.window.createTreeView("gto.registry", {
    treeDataProvider: registryTree,
    showCollapseAll: true,
  });
  const handlers = new CommandHandlers({
    registries,
    writeSettings: (registry) => running.settings(registry),
    restartServers: (registry) => running.restart(registry),
    showOutput: () => output.show(),
    pushTags,
    activeFile: () => vscode.window.activeTextEditor?.document.uri.fsPath,
    revealArtifact: async (registry, name) => {
      const node = await registryTree.findArtifact(registry, name);
      if (node === undefined) {
        const hint = registries.showHidden ? "" : " (a deprecated artifact shows once hidden items are shown)";
        throw new Error(`Cannot find artifact '${name}' in the registry of ${registry.name}${hint}`);
      }
      await registryView.reveal(node, { select: true, focus: true, expand: true });
    },
  });
  context.subscriptions.push(
    output,
    registries,
    registryTree,
    stagesTree,
    registryView,
    vscode.window.createTreeView("gto.stages", { treeDataProvider: stagesTree, showCollapseAll: true }),
    ...registerCommands(handlers),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("gto.showHidden")) {
        const show = readSettings(vscode.workspace.getConfiguration("gto")).settings.showHidden;
        void handlers.run(() => handlers.setShowHidden(show));
      }
    }),
  );
  await vscode.commands.executeCommand("setContext", "gto.showingHidden", registries.showHidden);
  await servers.syncFolders();
}

export async function deactivate(): Promise<void> {
  await servers?.dispose();
  servers = undefined;
}
