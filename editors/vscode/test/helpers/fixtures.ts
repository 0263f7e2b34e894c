/**
 * Server answers for unit tests, in the shapes of docs/protocol.md: a registry with a staged
 * model, a deprecated one, an annotation-only dataset and a deregistered version.
 */
import type * as protocol from "../../src/protocol";

export const COMMIT_A = "a".repeat(40);
export const COMMIT_B = "b".repeat(40);
export const COMMIT_C = "c".repeat(40);

export function annotation(fields: Partial<protocol.Annotation> = {}): protocol.Annotation {
  return { type: null, path: null, virtual: true, labels: [], description: null, custom: null, ...fields };
}

export function version(fields: Partial<protocol.VersionInfo> & { version: string }): protocol.VersionInfo {
  return {
    artifact: "churn",
    stages: [],
    created_at: "2026-01-01T10:00:00+00:00",
    ref: `churn@${fields.version}`,
    commit: COMMIT_A,
    registered: true,
    active: true,
    author: "Ada",
    author_email: "ada@example.com",
    ...fields,
  };
}

export function event(fields: Partial<protocol.EventInfo> & { event: string }): protocol.EventInfo {
  return {
    timestamp: "2026-01-01T10:00:00+00:00",
    artifact: "churn",
    version: null,
    stage: null,
    commit: COMMIT_A,
    author: "Ada",
    author_email: "ada@example.com",
    message: "",
    ref: null,
    ...fields,
  };
}

export const VIEW: protocol.RegistryView = {
  artifacts: [
    { name: "churn", latest: "v1.1.0", stages: { prod: ["v1.0.0"], staging: ["v1.1.0"] }, registered: true, deprecated: false },
    { name: "customers", latest: null, stages: {}, registered: false, deprecated: false },
  ],
  stages: ["dev", "prod", "staging"],
};

export const VIEW_WITH_DEPRECATED: protocol.RegistryView = {
  artifacts: [
    ...VIEW.artifacts,
    { name: "segment", latest: "v0.0.1", stages: {}, registered: true, deprecated: true },
  ],
  stages: VIEW.stages,
};

export const CHURN_VERSIONS: protocol.VersionInfo[] = [
  version({ version: "v1.1.0", stages: ["staging"], commit: COMMIT_B, author: "Bob", author_email: "bob@example.com" }),
  version({ version: "v1.0.0", stages: ["prod"], commit: COMMIT_A }),
];

export const CHURN_HISTORY: protocol.EventInfo[] = [
  event({ event: "assignment", version: "v1.1.0", stage: "staging", commit: COMMIT_B, ref: "churn#staging#3" }),
  event({ event: "deregistration", version: "v0.9.0", commit: COMMIT_C, ref: "churn@v0.9.0!", author: "Eve" }),
  event({ event: "registration", version: "v1.1.0", commit: COMMIT_B, ref: "churn@v1.1.0" }),
  event({ event: "registration", version: "v0.9.0", commit: COMMIT_C, ref: "churn@v0.9.0", author: "Carl", author_email: "carl@example.com" }),
];

export const ANNOTATIONS: Record<string, protocol.Annotation | null> = {
  churn: annotation({ type: "model", path: "models/churn.pkl", description: "Predicts churn" }),
  customers: annotation({ type: "dataset", path: "data/customers.csv" }),
  segment: annotation({ type: "model" }),
};

/** Handlers that answer like a server holding the registry above. */
export function registryHandlers(): Record<string, (params: any) => unknown> {
  return {
    "gto/show": (params: protocol.ShowParams) => (params?.deprecated ? VIEW_WITH_DEPRECATED : VIEW),
    "gto/showVersions": (params: protocol.ShowVersionsParams) =>
      params.name === "churn"
        ? CHURN_VERSIONS
        : params.name === "segment"
          ? [version({ artifact: "segment", version: "v0.0.1", ref: "segment@v0.0.1" })]
          : [],
    "gto/describe": (params: protocol.DescribeParams) => ANNOTATIONS[params.name] ?? null,
    "gto/history": (params: protocol.HistoryParams) => (params.name === "churn" ? CHURN_HISTORY : []),
    "gto/stages": (params: protocol.StagesParams) =>
      params.allowed ? [] : params.used ? ["prod", "staging"] : ["prod", "staging"],
  };
}
