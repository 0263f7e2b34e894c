/**
 * The manifest against the code: every command has a handler and every handler a command, the
 * views and settings are declared, versions are pinned; and, when GTO_VSIX names a packaged
 * .vsix, that the package carries the same manifest, the bundle, the schemas and the license.
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { CommandHandlers, commandTable } from "../../src/commands";
import { Registries } from "../../src/registry";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { zipEntries } from "../helpers/zip";

const ROOT = resolve(__dirname, "..", "..", "..");

interface Manifest {
  name: string;
  publisher: string;
  license: string;
  repository?: { url?: string };
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  contributes: {
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    views: Record<string, { id: string; name: string }[]>;
    commands: { command: string; title: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    configuration: { properties: Record<string, unknown> };
    yamlValidation: { fileMatch: string; url: string }[];
  };
}

/** A when clause of the manifest as a function of `view` and `viewItem` (the subset the menus use). */
function whenClause(clause: string): (view: string, viewItem: string) => boolean {
  const js = clause
    .replace(/viewItem =~ (\/(?:[^/\\]|\\.)+\/)/g, "($1.test(viewItem))")
    .replace(/(view|viewItem) (==|!=) ([\w.]+)/g, (_, key, op, value) => `(${key} ${op}= ${JSON.stringify(value)})`);
  return new Function("view", "viewItem", `return ${js};`) as (view: string, viewItem: string) => boolean;
}

function read(text: string): Manifest {
  return JSON.parse(text) as Manifest;
}

const manifest = read(readFileSync(join(ROOT, "package.json"), "utf8"));
const handlerIds = Object.keys(
  commandTable(
    new CommandHandlers({
      registries: new Registries(),
      writeSettings: () => ({ pushAfterWrite: false, pushRemote: "origin" }),
      restartServers: async () => undefined,
      showOutput: () => undefined,
      revealArtifact: async () => undefined,
      activeFile: () => undefined,
      pushTags: async () => "",
    }),
  ),
).sort();

/** What the issue asks the manifest to declare; shared by the source and the packaged manifest. */
function checkDeclarations(m: Manifest): void {
  assert.deepEqual(m.contributes.viewsContainers.activitybar.map((c) => [c.id, c.title]), [["gto", "GTO"]]);
  assert.deepEqual(m.contributes.views.gto.map((v) => [v.id, v.name]), [
    ["gto.registry", "Registry"],
    ["gto.stages", "Stages"],
  ]);
  const declared = m.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(declared, handlerIds, "every command has a handler and every handler a command");
  for (const required of [
    "gto.register",
    "gto.assign",
    "gto.unassign",
    "gto.deregister",
    "gto.deprecate",
    "gto.annotate",
    "gto.copyTagName",
    "gto.showHistory",
    "gto.pushTags",
    "gto.restartServer",
    "gto.refresh",
  ]) {
    assert.ok(declared.includes(required), `${required} is declared`);
  }
  const settings = Object.keys(m.contributes.configuration.properties).sort();
  const expected = [...Object.keys(DEFAULT_SETTINGS).map((key) => `gto.${key}`), "gto.trace.server"].sort();
  assert.deepEqual(settings, expected, "every setting the code reads is declared, and no other");
  assert.deepEqual(
    m.contributes.yamlValidation.map((v) => v.fileMatch),
    ["artifacts.yaml", ".gto"],
  );
}

describe("Extension manifest", () => {
  test("declares the GTO container, both views, every command and every setting", () => {
    checkDeclarations(manifest);
  });

  test("menus name declared commands only", () => {
    const declared = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(declared.has(item.command), `${menu}: ${item.command} is declared`);
    }
  });

  test("context menus offer each command on exactly the rows it applies to", () => {
    const offered = (view: string, viewItem: string) =>
      manifest.contributes.menus["view/item/context"]
        .filter((item) => whenClause(item.when ?? "true")(view, viewItem))
        .map((item) => item.command.replace(/^gto\./, ""))
        .filter((command, index, all) => all.indexOf(command) === index)
        .sort();
    const expected: Record<string, string[]> = {
      "gto.registry gto.artifact": ["annotate", "assign", "deprecate", "register", "showHistory"],
      "gto.registry gto.artifact.deprecated": ["annotate", "assign", "register", "showHistory"],
      "gto.registry gto.artifact.annotationOnly": ["annotate", "assign", "deprecate", "register", "showHistory"],
      "gto.registry gto.version.registered": ["assign", "copyTagName", "deregister", "showHistory"],
      "gto.registry gto.version.registered.staged": ["assign", "copyTagName", "deregister", "showHistory", "unassign"],
      "gto.registry gto.version.registered.deregistered": ["copyTagName", "showHistory"],
      "gto.registry gto.version.commit.staged": ["assign", "copyTagName", "showHistory", "unassign"],
      "gto.registry gto.folder": ["annotate", "pushTags", "register", "restartServer"],
      "gto.registry gto.message.error": [],
      "gto.stages gto.stageVersion": ["assign", "copyTagName", "showHistory", "unassign"],
      "gto.stages gto.stage": [],
      "gto.stages gto.folder": ["pushTags", "restartServer"],
    };
    for (const [row, commands] of Object.entries(expected)) {
      const [view, viewItem] = row.split(" ");
      assert.deepEqual(offered(view, viewItem), commands, row);
    }
  });

  test("packaging fields: engine, license, repository, entry point, schemas and icon exist", () => {
    assert.match(manifest.engines.vscode, /^\^1\.\d+\.0$/);
    assert.equal(
      manifest.devDependencies["@types/vscode"],
      manifest.engines.vscode.slice(1),
      "@types/vscode matches the oldest VS Code the extension claims",
    );
    assert.equal(manifest.license, "Apache-2.0");
    assert.ok(manifest.repository?.url, "vsce needs a repository");
    assert.equal(manifest.main, "./dist/extension.js");
    for (const file of ["LICENSE", "README.md", ...manifest.contributes.yamlValidation.map((v) => v.url)]) {
      assert.ok(existsSync(join(ROOT, file)), `${file} exists`);
    }
    for (const container of manifest.contributes.viewsContainers.activitybar) {
      assert.ok(existsSync(join(ROOT, container.icon)), `${container.icon} exists`);
    }
  });

  test("every dependency is pinned to an exact version", () => {
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly (got ${version})`);
    }
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `the lockfile has ${name} ${version}`);
    }
  });

  test("the packaged .vsix declares the same and carries the bundle", { skip: !process.env.GTO_VSIX }, () => {
    const entries = zipEntries(resolve(ROOT, process.env.GTO_VSIX ?? ""));
    const packaged = read(entries.get("extension/package.json")!.toString("utf8"));
    checkDeclarations(packaged);
    for (const file of ["extension/dist/extension.js", "extension/LICENSE.txt", "extension/readme.md", "extension/media/gto.svg"]) {
      assert.ok(entries.has(file), `${file} is in the package`);
    }
    for (const schema of packaged.contributes.yamlValidation) {
      assert.ok(entries.has(`extension/${schema.url.replace(/^\.\//, "")}`), `${schema.url} is in the package`);
    }
    const files = [...entries.keys()];
    assert.ok(!files.some((f) => f.includes("node_modules/") || f.startsWith("extension/src/") || f.startsWith("extension/out/")), files.join("\n"));
    const bundle = entries.get("extension/dist/extension.js")!.toString("utf8");
    assert.ok(bundle.includes("gto/registryChanged"), "the bundle speaks the protocol");
    assert.ok(!bundle.includes("sourceMappingURL"), "the packaged bundle is the production build");
    // Packaged with --no-dependencies: the bundle may need nothing but VS Code and Node itself.
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));
    const outside = [...required].filter((name) => name !== "vscode" && !builtinModules.includes(name.replace(/^node:/, "")));
    assert.deepEqual(outside, [], "modules the bundle would need at run time");
    const vsixManifest = entries.get("extension.vsixmanifest")!.toString("utf8");
    assert.match(vsixManifest, /<Identity [^>]*Id="gto"[^>]*Publisher="gto"/);
    assert.match(vsixManifest, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.\d+\.0"/);
  });
});
