/**
 * Renders a tree data provider to indented text lines (label — description [context]), the
 * way a person reads the sidebar, so tests compare whole trees at once.
 */
import type * as vscode from "vscode";

export async function renderTree<T>(
  provider: vscode.TreeDataProvider<T>,
  options: { depth?: number; context?: boolean } = {},
): Promise<string[]> {
  const lines: string[] = [];
  const depth = options.depth ?? 10;
  async function walk(node: T | undefined, level: number): Promise<void> {
    const children = (await provider.getChildren(node)) ?? [];
    for (const child of children) {
      const item = await provider.getTreeItem(child);
      const label = typeof item.label === "string" ? item.label : (item.label?.label ?? "");
      const description = typeof item.description === "string" && item.description ? ` — ${item.description}` : "";
      const context = options.context && item.contextValue ? ` [${item.contextValue}]` : "";
      lines.push(`${"  ".repeat(level)}${label}${description}${context}`);
      if (level + 1 < depth && item.collapsibleState !== 0) await walk(child, level + 1);
    }
  }
  await walk(undefined, 0);
  return lines;
}
