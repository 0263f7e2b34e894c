/**
 * Builds the language client of one repository: the server process (or daemon socket) that
 * `launch.ts` chose, and the client options that route that repository's `artifacts.yaml` and
 * `.gto` to it, so diagnostics, completion, hover and code lens come from the server.
 */
import * as path from "node:path";
import type * as vscode from "vscode";
import type { RequestParam, RequestType } from "vscode-jsonrpc";
import {
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type LanguageClientOptions,
  type ServerOptions,
  type StreamInfo,
} from "vscode-languageclient/node";
import { connectToDaemon, documentPatterns, type Launch } from "./launch";
import type { GtoConnection } from "./registry";

export interface ClientSetup {
  readonly root: string;
  readonly folder: vscode.WorkspaceFolder | undefined;
  readonly launch: Launch;
  readonly env: NodeJS.ProcessEnv;
  /** Attach to this daemon socket instead of starting a process. */
  readonly socket?: string;
  readonly output: vscode.LogOutputChannel;
}

/**
 * The server offers `gto.show`, the command of its code lenses, through `workspace/executeCommand`.
 * The extension implements that command itself (it reveals the artifact in the Registry view), so
 * this client does not register it: with several repositories open, every client registering the
 * same command id would also fail.
 */
class GtoLanguageClient extends LanguageClient {
  override registerFeature(feature: Parameters<LanguageClient["registerFeature"]>[0]): void {
    if ("registrationType" in feature && feature.registrationType.method === ExecuteCommandRequest.method) return;
    super.registerFeature(feature);
  }
}

/** What the rest of the extension holds of a language client. */
export interface ServerClient {
  /** Requests and notifications of the gto protocol, for the views and the commands. */
  readonly connection: GtoConnection;
  start(): Promise<void>;
  dispose(timeout?: number): Promise<void>;
  onDidChangeState(listener: (state: "starting" | "running" | "stopped") => void): vscode.Disposable;
}

export type ClientFactory = (setup: ClientSetup) => ServerClient;

/** The language client of one repository: diagnostics, completion, hover and code lens come through it. */
export function createClient(setup: ClientSetup): ServerClient {
  const { root, launch, socket } = setup;
  const serverOptions: ServerOptions =
    socket !== undefined
      ? (): Promise<StreamInfo> => connectToDaemon(socket).then((stream) => ({ reader: stream, writer: stream }))
      : { command: launch.command, args: [...launch.args], options: { cwd: root, env: setup.env } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentPatterns(root).map((pattern) => ({ scheme: "file", pattern })),
    workspaceFolder: setup.folder,
    outputChannel: setup.output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };
  const client = new GtoLanguageClient("gto", `GTO (${path.basename(root)})`, serverOptions, clientOptions);
  const connection: GtoConnection = {
    // The client types `params` through a conditional type that a generic P cannot satisfy.
    sendRequest: <P, R>(type: RequestType<P, R, void>, params: P) =>
      client.sendRequest(type, params as RequestParam<P>),
    onNotification: (type, handler) => client.onNotification(type, handler),
  };
  return {
    connection,
    start: () => client.start(),
    dispose: (timeout) => client.dispose(timeout),
    onDidChangeState: (listener) =>
      client.onDidChangeState((change) =>
        listener(
          change.newState === State.Running ? "running" : change.newState === State.Stopped ? "stopped" : "starting",
        ),
      ),
  };
}

