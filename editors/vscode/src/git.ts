/**
 * The extension's only git call: pushing tags. Everything else about the repository is the
 * server's business.
 */
import { execFile } from "node:child_process";

/** Push the given tags (or every tag) to `remote`; resolves with git's report, rejects with its error. */
export function pushTags(cwd: string, remote: string, tags: readonly string[] | "all"): Promise<string> {
  const refs = tags === "all" ? ["--tags"] : tags.map((tag) => `refs/tags/${tag}:refs/tags/${tag}`);
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["push", "--porcelain", remote, ...refs],
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" }, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`git push ${remote} failed: ${(stderr || error.message).trim()}`));
          return;
        }
        const pushed = stdout
          .split("\n")
          .filter((line) => /^[*+\- ]\t/.test(line))
          .map((line) => line.split("\t")[1]?.split(":")[0]?.replace(/^refs\/tags\//, ""))
          .filter((name): name is string => Boolean(name));
        resolve(
          pushed.length > 0
            ? `Pushed ${pushed.join(", ")} to '${remote}'`
            : `Every tag was already on '${remote}'`,
        );
      },
    );
  });
}
