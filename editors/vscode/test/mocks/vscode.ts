/**
 * A small stand-in for the `vscode` module, which exists only inside VS Code. The test bundles
 * alias `vscode` to this file (esbuild.mjs), so the extension's own modules run unchanged.
 *
 * Prompts (quick picks, input boxes, modal questions) take their answers from `ui.answers`, in
 * order; every prompt and message is recorded in `ui.calls` for the tests to read.
 */

export class Disposable {
  constructor(private readonly onDispose: () => unknown = () => undefined) {}
  dispose(): unknown {
    return this.onDispose();
  }
}

export type Event<T> = (listener: (value: T) => unknown) => Disposable;

export class EventEmitter<T> {
  private listeners = new Set<(value: T) => unknown>();
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export enum TreeItemCollapsibleState {
  None = 0,
  Collapsed = 1,
  Expanded = 2,
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: ThemeColor,
  ) {}
}

export class MarkdownString {
  value = "";
  constructor(value = "") {
    this.value = value;
  }
  appendMarkdown(text: string): this {
    this.value += text;
    return this;
  }
  appendText(text: string): this {
    this.value += text;
    return this;
  }
}

export interface Command {
  command: string;
  title: string;
  arguments?: unknown[];
}

export class TreeItem {
  id?: string;
  description?: string | boolean;
  tooltip?: string | MarkdownString;
  iconPath?: ThemeIcon;
  contextValue?: string;
  command?: Command;
  constructor(
    public label: string,
    public collapsibleState: TreeItemCollapsibleState = TreeItemCollapsibleState.None,
  ) {}
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(path: string): Uri {
    return new Uri("file", path);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

// --- recorded user interface ---------------------------------------------------------------

export interface QuickPickItemLike {
  label: string;
  description?: string;
  detail?: string;
}

/** An answer for the next prompt: a value, undefined (dismissed) or a function of what was offered. */
export type Answer = unknown | ((offered: unknown) => unknown);

export interface Call {
  kind: string;
  args: unknown[];
}

export const ui = {
  answers: [] as Answer[],
  calls: [] as Call[],
  clipboard: "",
  documents: [] as { content: string; language?: string }[],
  commandsRun: [] as { command: string; args: unknown[] }[],
  reset(): void {
    this.answers = [];
    this.calls = [];
    this.clipboard = "";
    this.documents = [];
    this.commandsRun = [];
  },
  /** The messages shown with the given kind (error, information, warning). */
  messages(kind: "error" | "information" | "warning"): string[] {
    return this.calls.filter((call) => call.kind === kind).map((call) => String(call.args[0]));
  },
};

function answer(kind: string, args: unknown[], offered: unknown): unknown {
  ui.calls.push({ kind, args });
  if (ui.answers.length === 0) throw new Error(`The test gave no answer for a ${kind}: ${JSON.stringify(args[1])}`);
  const next = ui.answers.shift();
  return typeof next === "function" ? (next as (offered: unknown) => unknown)(offered) : next;
}

/** Pick the offered quick pick item whose label is `label` (fails the test when none is). */
export function pick(label: string): (offered: unknown) => unknown {
  return (offered) => {
    const items = offered as (QuickPickItemLike | string)[];
    const found = items.find((item) => (typeof item === "string" ? item : item.label) === label);
    if (found === undefined) {
      const labels = items.map((item) => (typeof item === "string" ? item : item.label));
      throw new Error(`No quick pick item '${label}' among ${JSON.stringify(labels)}`);
    }
    return found;
  };
}

class OutputChannel {
  readonly lines: string[] = [];
  constructor(readonly name: string) {}
  append(text: string): void {
    this.lines.push(text);
  }
  appendLine(text: string): void {
    this.lines.push(text);
  }
  info(text: string): void {
    this.lines.push(`[info] ${text}`);
  }
  warn(text: string): void {
    this.lines.push(`[warn] ${text}`);
  }
  error(text: string): void {
    this.lines.push(`[error] ${text}`);
  }
  trace(text: string): void {
    this.lines.push(`[trace] ${text}`);
  }
  debug(text: string): void {
    this.lines.push(`[debug] ${text}`);
  }
  show(): void {
    ui.calls.push({ kind: "showOutput", args: [this.name] });
  }
  clear(): void {}
  hide(): void {}
  dispose(): void {}
}

export const window = {
  async showErrorMessage(message: string, ...items: unknown[]): Promise<unknown> {
    ui.calls.push({ kind: "error", args: [message, ...items] });
    return undefined;
  },
  async showInformationMessage(message: string, ...items: unknown[]): Promise<unknown> {
    ui.calls.push({ kind: "information", args: [message, ...items] });
    return undefined;
  },
  async showWarningMessage(message: string, ...rest: unknown[]): Promise<unknown> {
    const options = rest[0];
    if (typeof options === "object" && options !== null && (options as { modal?: boolean }).modal) {
      return answer("question", [message, ...rest], rest.slice(1));
    }
    ui.calls.push({ kind: "warning", args: [message, ...rest] });
    return undefined;
  },
  async showQuickPick(items: unknown, options?: unknown): Promise<unknown> {
    const offered = await items;
    return answer("quickPick", [offered, options], offered);
  },
  async showInputBox(options?: { value?: string }): Promise<unknown> {
    return answer("inputBox", [options, options], options);
  },
  async showTextDocument(document: unknown, options?: unknown): Promise<unknown> {
    ui.calls.push({ kind: "showTextDocument", args: [document, options] });
    return undefined;
  },
  createOutputChannel(name: string): OutputChannel {
    return new OutputChannel(name);
  },
  createTreeView(id: string, options: unknown): Disposable & { id: string; options: unknown } {
    return Object.assign(new Disposable(), { id, options });
  },
};

const configurationValues = new Map<string, unknown>();

/** Events of the workspace that tests fire. */
export const workspaceEvents = {
  folders: new EventEmitter<unknown>(),
  configuration: new EventEmitter<{ affectsConfiguration(section: string, scope?: unknown): boolean }>(),
};

export const workspace = {
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  /** Tests set `gto.*` values here. */
  configurationValues,
  getConfiguration(section?: string) {
    return {
      get<T>(key: string): T | undefined {
        return configurationValues.get(section ? `${section}.${key}` : key) as T | undefined;
      },
    };
  },
  async openTextDocument(options: { content: string; language?: string }) {
    ui.documents.push(options);
    return { getText: () => options.content, languageId: options.language };
  },
  onDidChangeWorkspaceFolders: workspaceEvents.folders.event,
  onDidChangeConfiguration: workspaceEvents.configuration.event,
};

export const env = {
  clipboard: {
    async writeText(text: string): Promise<void> {
      ui.clipboard = text;
    },
    async readText(): Promise<string> {
      return ui.clipboard;
    },
  },
};

const registeredCommands = new Map<string, (...args: unknown[]) => unknown>();

export const commands = {
  registered: registeredCommands,
  registerCommand(id: string, handler: (...args: unknown[]) => unknown): Disposable {
    registeredCommands.set(id, handler);
    return new Disposable(() => registeredCommands.delete(id));
  },
  async executeCommand(command: string, ...args: unknown[]): Promise<unknown> {
    ui.commandsRun.push({ command, args });
    const handler = registeredCommands.get(command);
    return handler?.(...args);
  },
};

export const extensions = {
  getExtension(_id: string): undefined {
    return undefined;
  },
};
