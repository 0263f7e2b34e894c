/**
 * An in-memory `GtoConnection` for unit tests: answers each method with a handler the test
 * gives, records every request, and delivers notifications on demand.
 */
import type { NotificationType, RequestType } from "vscode-jsonrpc";
import { ResponseError } from "vscode-jsonrpc";
import type { GtoConnection } from "../../src/registry";

export type Handler = (params: any) => unknown;

export class FakeConnection implements GtoConnection {
  readonly requests: { method: string; params: unknown }[] = [];
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();

  constructor(public handlers: Record<string, Handler> = {}) {}

  async sendRequest<P, R>(type: RequestType<P, R, void>, params: P): Promise<R> {
    this.requests.push({ method: type.method, params });
    const handler = this.handlers[type.method];
    if (handler === undefined) throw new ResponseError(-32601, `Unhandled method ${type.method}`);
    return (await handler(params)) as R;
  }

  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): { dispose(): void } {
    const set = this.listeners.get(type.method) ?? new Set();
    this.listeners.set(type.method, set);
    const listener = handler as (params: unknown) => void;
    set.add(listener);
    return { dispose: () => set.delete(listener) };
  }

  notify<P>(type: NotificationType<P>, params: P): void {
    for (const listener of this.listeners.get(type.method) ?? []) listener(params);
  }

  /** The methods requested so far, in order. */
  methods(): string[] {
    return this.requests.map((request) => request.method);
  }

  /** The params of the last request of `method`. */
  last(method: string): unknown {
    return [...this.requests].reverse().find((request) => request.method === method)?.params;
  }
}

/** A GTO error as the server sends it: its stable code, its message and its kind. */
export function gtoError(code: number, kind: string, message: string): ResponseError<{ kind: string }> {
  return new ResponseError(code, message, { kind });
}
