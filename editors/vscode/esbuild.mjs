// Bundles the extension into dist/extension.js and each test file into out/test/.
// `--production` (the vsce prepublish step) minifies the extension and drops source maps.
// In tests the `vscode` module, which only exists inside VS Code, is the mock in test/mocks.
import { build } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const production = process.argv.includes("--production");
const common = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning" };

function testEntries(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testEntries(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

await build({
  ...common,
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  external: ["vscode"],
  minify: production,
  sourcemap: !production,
});

if (!production) {
  rmSync("out", { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: testEntries("test"),
    outdir: "out/test",
    outbase: "test",
    sourcemap: "inline",
    alias: { vscode: "./test/mocks/vscode.ts" },
  });
}
