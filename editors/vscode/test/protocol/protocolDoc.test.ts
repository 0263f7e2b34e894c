/**
 * docs/protocol.md and src/protocol.ts describe the same protocol: every method and
 * notification the document names exists here with the same kind, and every one declared here
 * is documented.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { NotificationType, RequestType } from "vscode-jsonrpc";
import * as protocol from "../../src/protocol";

const DOC = join(resolve(__dirname, "..", "..", ".."), "..", "..", "docs", "protocol.md");

/** The methods of protocol.ts: each exported RequestType or NotificationType. */
function declared(): Map<string, "request" | "notification"> {
  const methods = new Map<string, "request" | "notification">();
  for (const value of Object.values(protocol)) {
    if (value instanceof RequestType) methods.set(value.method, "request");
    else if (value instanceof NotificationType) methods.set(value.method, "notification");
  }
  return methods;
}

/**
 * The methods of the document: each heading that names a `gto/…` method introduces it; it is a
 * notification when the section above it (the `##` heading) is about notifications.
 */
function documented(text: string): Map<string, "request" | "notification"> {
  const methods = new Map<string, "request" | "notification">();
  let part = "";
  for (const line of text.split("\n")) {
    if (/^## /.test(line)) part = line;
    if (!/^#{2,6} /.test(line)) continue;
    for (const match of line.matchAll(/gto\/[A-Za-z]+/g)) {
      methods.set(match[0], /notification/i.test(part) ? "notification" : "request");
    }
  }
  return methods;
}

test("every method of docs/protocol.md is in src/protocol.ts, and every one there is documented", () => {
  const text = readFileSync(DOC, "utf8");
  const inDoc = documented(text);
  const inCode = declared();
  const missingHere = [...inDoc.keys()].filter((name) => !inCode.has(name)).sort();
  const undocumented = [...inCode.keys()].filter((name) => !inDoc.has(name)).sort();
  assert.deepEqual(missingHere, [], "documented but missing from src/protocol.ts");
  assert.deepEqual(undocumented, [], "declared in src/protocol.ts but not documented");
  for (const [name, kind] of inCode) assert.equal(inDoc.get(name), kind, `${name} is a ${kind} in both`);
  assert.equal(inCode.get("gto/registryChanged"), "notification");
  assert.ok(inDoc.size >= 18, `the document names ${inDoc.size} methods`);
});
