/**
 * The `gto.*` settings, read once per use into a typed object with defaults.
 *
 * A value of the wrong type never stops the extension: it falls back to the default and the
 * problem is reported in the log, as jedi-language-server does with its initialization options.
 */

/** The part of `vscode.WorkspaceConfiguration` this module reads. */
export interface ConfigurationReader {
  get<T>(section: string): T | undefined;
}

export interface Settings {
  /** Interpreter that runs `-m gto server --stdio`; empty: the Python extension's, else `gto` on PATH. */
  readonly pythonPath: string;
  /** Full server command; takes precedence over `pythonPath` when not empty. */
  readonly serverCommand: readonly string[];
  readonly serverEnv: Readonly<Record<string, string>>;
  readonly attachToDaemon: boolean;
  readonly daemonSocket: string;
  readonly pushRemote: string;
  readonly pushAfterWrite: boolean;
  readonly showHidden: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  pythonPath: "",
  serverCommand: [],
  serverEnv: {},
  attachToDaemon: false,
  daemonSocket: "",
  pushRemote: "origin",
  pushAfterWrite: false,
  showHidden: false,
};

/** Settings that change how the server is started: a change restarts it. */
export const SERVER_SETTINGS = ["pythonPath", "serverCommand", "serverEnv", "attachToDaemon", "daemonSocket"] as const;

type Check<T> = (value: unknown) => value is T;

const isString: Check<string> = (value): value is string => typeof value === "string";
const isBoolean: Check<boolean> = (value): value is boolean => typeof value === "boolean";
const isStringList: Check<string[]> = (value): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");
const isStringMap: Check<Record<string, string>> = (value): value is Record<string, string> =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((item) => typeof item === "string");

/** Read every `gto.*` setting; `problems` names each value that was ignored and why. */
export function readSettings(config: ConfigurationReader): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  function read<T>(key: keyof Settings, check: Check<T>, expected: string): T {
    const value = config.get<unknown>(key);
    if (value === undefined || value === null) return DEFAULT_SETTINGS[key] as T;
    if (check(value)) return value;
    problems.push(`gto.${key} must be ${expected}; using the default instead`);
    return DEFAULT_SETTINGS[key] as T;
  }
  const settings: Settings = {
    pythonPath: read("pythonPath", isString, "a path").trim(),
    serverCommand: read("serverCommand", isStringList, "a list of strings").filter((part) => part !== ""),
    serverEnv: read("serverEnv", isStringMap, "an object of string values"),
    attachToDaemon: read("attachToDaemon", isBoolean, "true or false"),
    daemonSocket: read("daemonSocket", isString, "a path").trim(),
    pushRemote: read("pushRemote", isString, "a remote name").trim() || DEFAULT_SETTINGS.pushRemote,
    pushAfterWrite: read("pushAfterWrite", isBoolean, "true or false"),
    showHidden: read("showHidden", isBoolean, "true or false"),
  };
  return { settings, problems };
}
