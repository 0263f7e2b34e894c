/**
 * Real git repositories in temporary directories, with a fixed identity and clock so that tag
 * times (and so the registry's order of events) are the same on every run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** An environment without the caller's git and gto settings, so the machine's config cannot leak in. */
export function isolatedEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("GIT_") || key.startsWith("GTO_")) continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Ada",
    GIT_AUTHOR_EMAIL: "ada@example.com",
    GIT_COMMITTER_NAME: "Ada",
    GIT_COMMITTER_EMAIL: "ada@example.com",
  };
}

export class GitRepo {
  readonly path: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  /** Seconds since the epoch of the next commit or tag; each step adds an hour. */
  private clock = 1767225600; // 2026-01-01 00:00:00 UTC

  constructor() {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "gto-vscode-")));
    this.home = join(base, "home");
    this.path = join(base, "repo");
    mkdirSync(this.home);
    mkdirSync(this.path);
    this.env = isolatedEnv(this.home);
    this.git("init", "-q", "-b", "main");
  }

  /** Run git in the repository at the next tick of the clock; returns its output, trimmed. */
  git(...args: string[]): string {
    const date = `${this.clock} +0000`;
    this.clock += 3600;
    return execFileSync("git", args, {
      cwd: this.path,
      env: { ...this.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      encoding: "utf8",
    }).trim();
  }

  write(file: string, text: string): void {
    mkdirSync(dirname(join(this.path, file)), { recursive: true });
    writeFileSync(join(this.path, file), text);
  }

  /** Commit every change; returns the new commit's hexsha. */
  commit(message: string): string {
    this.git("add", "-A");
    this.git("commit", "-q", "--allow-empty", "-m", message);
    return this.git("rev-parse", "HEAD");
  }

  /** An annotated tag, as any GTO tool or a person with plain git writes it. */
  tag(name: string, commit = "HEAD", message = name): void {
    this.git("tag", "-a", name, "-m", message, commit);
  }

  /** A lightweight tag: registry-shaped names of this kind do not count. */
  lightweightTag(name: string, commit = "HEAD"): void {
    this.git("tag", name, commit);
  }

  remove(): void {
    rmSync(dirname(this.path), { recursive: true, force: true });
  }
}
