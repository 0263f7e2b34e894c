/**
 * The gto server protocol as the extension sees it: one typed request or notification per
 * method of docs/protocol.md, with its params and result. Nothing else lives here; a test
 * checks that this file and the document list the same methods.
 */
import { NotificationType, RequestType } from "vscode-jsonrpc";

// --- shared shapes -------------------------------------------------------------------------

export type Sort = "timestamp" | "semver";

/** Options of the registry views (SPEC §3.2), the command line's defaults when left out; -1 means all. */
export interface ViewParams {
  assignments_per_version?: number;
  versions_per_stage?: number;
  sort?: Sort;
  registered_only?: boolean;
}

export interface ArtifactInfo {
  name: string;
  latest: string | null;
  stages: Record<string, string[]>;
  registered: boolean;
  deprecated: boolean;
}

export interface RegistryView {
  artifacts: ArtifactInfo[];
  stages: string[];
}

export interface VersionInfo {
  artifact: string;
  version: string;
  stages: string[];
  created_at: string;
  ref: string;
  commit: string;
  registered: boolean;
  active: boolean;
  author: string;
  author_email: string;
}

export interface StageInfo {
  artifact: string;
  stage: string;
  version: string;
  assigned_at: string;
  ref: string;
}

export interface EventInfo {
  timestamp: string;
  artifact: string;
  event: string;
  version: string | null;
  stage: string | null;
  commit: string;
  author: string;
  author_email: string;
  message: string;
  ref: string | null;
}

export interface RefEvent {
  artifact: string;
  event: string;
  version: string | null;
  stage: string | null;
  created_at: string;
  author: string;
  author_email: string;
  message: string;
  commit_hexsha: string;
  tag: string;
}

export interface Annotation {
  type: string | null;
  path: string | null;
  virtual: boolean;
  labels: string[];
  description: string | null;
  custom: unknown;
}

export interface TagChange {
  tag: string;
  action: string;
  artifact: string;
  version: string | null;
  stage: string | null;
}

export interface WriteResult {
  created: TagChange[];
  deleted: TagChange[];
  pushed: boolean;
  remote: string | null;
  push_error: string | null;
}

/** Options every tag-writing request takes. */
export interface WriteParams {
  message?: string | null;
  simple?: boolean | null;
  force?: boolean;
  push?: boolean;
  remote?: string;
  author?: string | null;
  author_email?: string | null;
}

// --- queries -------------------------------------------------------------------------------

export interface ShowParams extends ViewParams {
  deprecated?: boolean;
}
export const Show = new RequestType<ShowParams, RegistryView, void>("gto/show");

export interface ShowVersionsParams extends ShowParams {
  name: string;
}
export const ShowVersions = new RequestType<ShowVersionsParams, VersionInfo[], void>("gto/showVersions");

export interface HistoryParams {
  name?: string | null;
  ascending?: boolean;
}
export const History = new RequestType<HistoryParams, EventInfo[], void>("gto/history");

export interface LatestParams {
  name: string;
}
export const Latest = new RequestType<LatestParams, VersionInfo | null, void>("gto/latest");

export interface WhichParams extends ViewParams {
  name: string;
  stage: string;
}
export const Which = new RequestType<WhichParams, StageInfo[], void>("gto/which");

export interface CheckRefParams {
  ref: string;
}
export const CheckRef = new RequestType<CheckRefParams, RefEvent | null, void>("gto/checkRef");

export interface DescribeParams {
  name: string;
  rev?: string | null;
}
export const Describe = new RequestType<DescribeParams, Annotation | null, void>("gto/describe");

export interface StagesParams {
  allowed?: boolean;
  used?: boolean;
}
export const Stages = new RequestType<StagesParams, string[], void>("gto/stages");

export interface ConfigValue {
  key: string;
  value: unknown;
  source: string;
}
export interface DoctorProblem {
  kind: string;
  where: string;
  message: string;
}
export interface DoctorReport {
  gto_version: string;
  repo: string;
  config: ConfigValue[];
  problems: DoctorProblem[];
}
/**
 * Requests that take no params are sent `{}`, an object without keys: vscode-jsonrpc would send
 * `[null]` for a missing or null param of a `RequestType`, which the server refuses.
 */
export type NoParams = Record<string, never>;
export const Doctor = new RequestType<NoParams, DoctorReport, void>("gto/doctor");

export interface ServerStatus {
  pid: number;
  transport: "socket" | "stdio";
  socket: string | null;
  repo: string;
  gto_version: string;
  started_at: string;
  uptime: number;
  tag_count: number;
  artifact_count: number;
  generation: number;
  memory_rss: number | null;
  clients: number;
  git_processes: number;
  error: string | null;
}
export const Status = new RequestType<NoParams, ServerStatus, void>("gto/status");

// --- writes --------------------------------------------------------------------------------

export interface RegisterParams extends WriteParams {
  name: string;
  ref?: string;
  version?: string | null;
  bump_major?: boolean;
  bump_minor?: boolean;
  bump_patch?: boolean;
}
export const Register = new RequestType<RegisterParams, WriteResult, void>("gto/register");

export interface AssignParams extends WriteParams {
  name: string;
  stage: string;
  ref?: string | null;
  version?: string | null;
  skip_registration?: boolean;
}
export const Assign = new RequestType<AssignParams, WriteResult, void>("gto/assign");

export interface UnassignParams extends WriteParams {
  name: string;
  version: string;
  stage: string;
  delete?: boolean;
}
export const Unassign = new RequestType<UnassignParams, WriteResult, void>("gto/unassign");

export interface DeregisterParams extends WriteParams {
  name: string;
  version: string;
  delete?: boolean;
}
export const Deregister = new RequestType<DeregisterParams, WriteResult, void>("gto/deregister");

export interface DeprecateParams extends WriteParams {
  name: string;
  delete?: boolean;
}
export const Deprecate = new RequestType<DeprecateParams, WriteResult, void>("gto/deprecate");

export interface AnnotateParams {
  name: string;
  type?: string | null;
  path?: string | null;
  must_exist?: boolean | null;
  labels?: string[];
  description?: string | null;
  custom?: Record<string, unknown> | null;
}
export const Annotate = new RequestType<AnnotateParams, Annotation, void>("gto/annotate");

export interface RemoveParams {
  name: string;
}
export const Remove = new RequestType<RemoveParams, null, void>("gto/remove");

// --- command line --------------------------------------------------------------------------

/** A whole `gto` command line run by the daemon for the thin client; the extension does not send it. */
export interface RunParams {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}
export interface RunResult {
  stdout: string;
  stderr: string;
  exit_code: number;
}
export const Run = new RequestType<RunParams, RunResult, void>("gto/run");

// --- notifications -------------------------------------------------------------------------

export interface RegistryChangedParams {
  generation: number;
  artifacts: string[];
}
export const RegistryChanged = new NotificationType<RegistryChangedParams>("gto/registryChanged");

/** The `data` of the JSON-RPC error of a failed gto operation; the error's `code` is gto's stable code. */
export interface GtoErrorData {
  kind: string;
}
