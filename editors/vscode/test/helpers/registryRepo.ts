/**
 * The repository the protocol tests read: every kind of artifact the sidebar must show.
 *
 *   churn      model, v1.0.0 in prod, v1.1.0 (latest) in staging, plus a stage on an unregistered commit
 *   segment    model, v0.0.1, then deprecated (hidden unless the filter shows hidden items)
 *   customers  dataset named in artifacts.yaml only: annotation only
 *   old        model, v1.0.0 registered, then deregistered: annotated, but not annotation only
 *
 * Every tag is made with plain `git tag -a`, as another GTO tool or a person would.
 */
import { GitRepo } from "./gitRepo";

export const ANNOTATIONS_YAML = `churn:
  type: model
  path: models/churn.pkl
  description: Predicts which customers leave
segment:
  type: model
  path: models/segment.pkl
customers:
  type: dataset
  path: data/customers.csv
old:
  type: model
`;

export interface RegistryRepo {
  repo: GitRepo;
  first: string;
  second: string;
  third: string;
}

export function makeRegistryRepo(): RegistryRepo {
  const repo = new GitRepo();
  repo.write(".gitignore", "");
  repo.write("artifacts.yaml", ANNOTATIONS_YAML);
  repo.write("models/churn.pkl", "churn v1\n");
  repo.write("models/segment.pkl", "segment v1\n");
  repo.write("data/customers.csv", "id,plan\n");
  const first = repo.commit("Add the first models and the customers dataset");
  repo.tag("churn@v1.0.0", first, "Registering artifact churn version v1.0.0");
  repo.tag("segment@v0.0.1", first, "Registering artifact segment version v0.0.1");
  repo.tag("old@v1.0.0", first, "Registering artifact old version v1.0.0");
  repo.tag("churn#prod#1", first, "Assigning stage prod to artifact churn version v1.0.0");
  repo.write("models/churn.pkl", "churn v2\n");
  const second = repo.commit("Retrain churn");
  repo.tag("churn@v1.1.0", second, "Registering artifact churn version v1.1.0");
  repo.tag("churn#staging#2", second, "Assigning stage staging to artifact churn version v1.1.0");
  repo.tag("old@v1.0.0!", first, "Deregistering artifact old version v1.0.0");
  repo.tag("segment@deprecated", second, "Deprecating artifact segment");
  repo.write("models/churn.pkl", "churn v3\n");
  const third = repo.commit("Try a new churn model");
  repo.tag("churn#dev#3", third, "Assigning stage dev to a commit");
  // Lightweight: CI would trigger on it, the registry does not count it.
  repo.lightweightTag("churn@v9.9.9", third);
  return { repo, first, second, third };
}
