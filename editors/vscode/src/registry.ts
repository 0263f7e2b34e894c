/**
 * One registry per repository folder of the workspace, as the server reports it.
 *
 * A `FolderRegistry` remembers the server's last answers for its folder (the registry view and
 * the versions of the artifacts someone expanded) and forgets them when the server announces a
 * change. It computes nothing about the registry itself: latest versions, stages, ordering and
 * deprecation all come from the server as they are. The views and the commands read from here.
 */
import * as vscode from "vscode";
import type { NotificationType, RequestType } from "vscode-jsonrpc";
import * as protocol from "./protocol";

/** What the extension needs of a connection: the language client in VS Code, a raw one in tests. */
export interface GtoConnection {
  sendRequest<P, R>(type: RequestType<P, R, void>, params: P): Promise<R>;
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): { dispose(): void };
}

/** What the views show about a folder whose server is not (yet) answering. */
export type FolderStatus =
  | { state: "starting" }
  | { state: "ready" }
  | { state: "failed"; message: string };

/** What the views need of the view filter. */
export interface ViewFilter {
  readonly showHidden: boolean;
}

export class FolderRegistry implements vscode.Disposable {
  private connection: GtoConnection | undefined;
  private subscription: { dispose(): void } | undefined;
  private viewAnswer: Promise<protocol.RegistryView> | undefined;
  private readonly versionAnswers = new Map<string, Promise<protocol.VersionInfo[]>>();
  private readonly annotationAnswers = new Map<string, Promise<protocol.Annotation | null>>();
  private readonly historyAnswers = new Map<string, Promise<protocol.EventInfo[]>>();
  private readonly changed = new vscode.EventEmitter<FolderRegistry>();
  /** The state generation of the last change notification; 0 before the first one. */
  generation = 0;
  status: FolderStatus = { state: "starting" };
  /** Tags written from this window that were not pushed yet, for the Push Tags command. */
  readonly unpushedTags = new Set<string>();

  readonly onDidChange = this.changed.event;

  constructor(
    readonly name: string,
    readonly path: string,
    private readonly filter: ViewFilter,
  ) {}

  /** Start using a connection that answers for this folder; every cached answer is dropped. */
  attach(connection: GtoConnection): void {
    this.subscription?.dispose();
    this.connection = connection;
    // A new server counts its generations from its own start.
    this.generation = 0;
    this.subscription = connection.onNotification(protocol.RegistryChanged, (params) => this.registryChanged(params));
    this.status = { state: "ready" };
    this.forget();
  }

  /** The server stopped or could not start; `message` says why (undefined: it is starting again). */
  detach(message?: string): void {
    this.subscription?.dispose();
    this.subscription = undefined;
    this.connection = undefined;
    this.status = message === undefined ? { state: "starting" } : { state: "failed", message };
    this.forget();
  }

  get ready(): boolean {
    return this.connection !== undefined;
  }

  /** Send one request to this folder's server; fails with a readable message when there is none. */
  request<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    if (this.connection === undefined) {
      const why = this.status.state === "failed" ? this.status.message : "the gto server is still starting";
      return Promise.reject(new Error(`GTO is not available for '${this.name}': ${why}`));
    }
    return this.connection.sendRequest(type, params);
  }

  /** The registry view (`gto/show`), with deprecated artifacts when the filter shows hidden items. */
  view(): Promise<protocol.RegistryView> {
    if (this.viewAnswer === undefined) {
      const answer = this.request(protocol.Show, { deprecated: this.filter.showHidden });
      this.viewAnswer = answer;
      answer.catch(() => {
        if (this.viewAnswer === answer) this.viewAnswer = undefined;
      });
    }
    return this.viewAnswer;
  }

  /**
   * The versions of one artifact (`gto/showVersions`), greatest first, as the server orders them;
   * when the filter shows hidden items, the deregistered versions follow.
   */
  versions(name: string): Promise<protocol.VersionInfo[]> {
    const showHidden = this.filter.showHidden;
    return remembered(this.versionAnswers, name, async () => {
      const versions = await this.request(protocol.ShowVersions, { name, deprecated: showHidden });
      if (!showHidden) return versions;
      return [...versions, ...deregisteredVersions(name, versions, await this.request(protocol.History, { name }))];
    });
  }

  /** The `artifacts.yaml` entry of one artifact at HEAD (`gto/describe`), or null. */
  annotation(name: string): Promise<protocol.Annotation | null> {
    return remembered(this.annotationAnswers, name, () => this.request(protocol.Describe, { name }));
  }

  /**
   * Whether an artifact of the view has no registry event at all, so that only `artifacts.yaml`
   * names it. The view's row says so when the artifact has a version or a stage; otherwise its
   * history (empty or not) does.
   */
  async annotationOnly(artifact: protocol.ArtifactInfo): Promise<boolean> {
    if (artifact.registered || artifact.deprecated || artifact.latest !== null) return false;
    if (Object.keys(artifact.stages).length > 0) return false;
    const events = await remembered(this.historyAnswers, artifact.name, () =>
      this.request(protocol.History, { name: artifact.name }),
    );
    return events.length === 0;
  }

  /** Forget every answer and tell the views (the refresh command, a filter change). */
  refresh(): void {
    this.forget();
    this.changed.fire(this);
  }

  /** Record tags a write created, so that Push Tags can offer exactly them. */
  wrote(result: protocol.WriteResult): void {
    for (const change of result.created) {
      if (result.pushed) this.unpushedTags.delete(change.tag);
      else this.unpushedTags.add(change.tag);
    }
    for (const change of result.deleted) this.unpushedTags.delete(change.tag);
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }

  private registryChanged(params: protocol.RegistryChangedParams): void {
    if (params.generation <= this.generation) return;
    this.generation = params.generation;
    // The view lists every artifact, so it is asked again whatever changed; versions and
    // annotations are asked again only for the artifacts the server named.
    this.viewAnswer = undefined;
    for (const name of params.artifacts) {
      this.versionAnswers.delete(name);
      this.annotationAnswers.delete(name);
      this.historyAnswers.delete(name);
    }
    this.changed.fire(this);
  }

  private forget(): void {
    this.viewAnswer = undefined;
    this.versionAnswers.clear();
    this.annotationAnswers.clear();
    this.historyAnswers.clear();
  }
}

/**
 * The versions that `gto/history` shows were deregistered and `gto/showVersions` (which lists
 * active versions only) left out, newest deregistration first. Each is described by its
 * registration event: its tag, author and time.
 */
export function deregisteredVersions(
  name: string,
  listed: readonly protocol.VersionInfo[],
  history: readonly protocol.EventInfo[],
): protocol.VersionInfo[] {
  const shown = new Set(listed.map((version) => version.version));
  const hidden: protocol.VersionInfo[] = [];
  for (const event of history) {
    if (event.event !== "deregistration" || event.version === null || shown.has(event.version)) continue;
    shown.add(event.version);
    const registration = history.find((e) => e.event === "registration" && e.version === event.version) ?? event;
    hidden.push({
      artifact: name,
      version: event.version,
      stages: [],
      created_at: registration.timestamp,
      ref: registration.ref ?? "",
      commit: event.commit,
      registered: true,
      active: false,
      author: registration.author,
      author_email: registration.author_email,
    });
  }
  return hidden;
}

/** The remembered answer for `key`, or a new one; a failed answer is forgotten so the next look asks again. */
function remembered<T>(answers: Map<string, Promise<T>>, key: string, ask: () => Promise<T>): Promise<T> {
  const known = answers.get(key);
  if (known !== undefined) return known;
  const answer = ask();
  answers.set(key, answer);
  answer.catch(() => {
    if (answers.get(key) === answer) answers.delete(key);
  });
  return answer;
}

/** Every folder registry of the window, with the filter the views share. */
export class Registries implements vscode.Disposable, ViewFilter {
  private readonly byPath = new Map<string, FolderRegistry>();
  private readonly subscriptions = new Map<string, vscode.Disposable>();
  private readonly changed = new vscode.EventEmitter<FolderRegistry | undefined>();
  readonly onDidChange = this.changed.event;
  showHidden = false;

  get folders(): FolderRegistry[] {
    return [...this.byPath.values()];
  }

  get(path: string): FolderRegistry | undefined {
    return this.byPath.get(path);
  }

  add(name: string, path: string): FolderRegistry {
    const existing = this.byPath.get(path);
    if (existing !== undefined) return existing;
    const registry = new FolderRegistry(name, path, this);
    this.byPath.set(path, registry);
    this.subscriptions.set(path, registry.onDidChange((folder) => this.changed.fire(folder)));
    this.changed.fire(undefined);
    return registry;
  }

  remove(path: string): void {
    const registry = this.byPath.get(path);
    if (registry === undefined) return;
    this.subscriptions.get(path)?.dispose();
    this.subscriptions.delete(path);
    this.byPath.delete(path);
    registry.dispose();
    this.changed.fire(undefined);
  }

  setShowHidden(show: boolean): void {
    if (this.showHidden === show) return;
    this.showHidden = show;
    for (const registry of this.byPath.values()) registry.refresh();
  }

  /** Something about the folders changed that is not a registry change (a server restarted). */
  fireChanged(registry?: FolderRegistry): void {
    this.changed.fire(registry);
  }

  dispose(): void {
    for (const path of [...this.byPath.keys()]) this.remove(path);
    this.changed.dispose();
  }
}
