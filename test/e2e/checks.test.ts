/**
 * The repository checks that `npm test` and `.ci/run` run (issue 15): the secrets scan fails on a planted
 * key in a copy of the tree and passes without it; the workflow check and the docs checks pass on the
 * repository as it is.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const script = (name: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(repo, "scripts", name), ...args], { cwd: repo, encoding: "utf8" });

test("the secrets scan fails on a key planted in a copy of the tree, and passes without it", () => {
  const copy = mkdtempSync(join(tmpdir(), "oc-secrets-"));
  try {
    for (const path of ["src/gateway/auth.ts", "docs/SECURITY.md", "README.md"])
      cpSync(join(repo, path), join(copy, path), { recursive: true });
    const clean = script("check-secrets.mjs", copy);
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /3 files, nothing found/);
    // A GitHub token's shape (not a real one), pasted into a config example.
    const fake = `ghp_${"x1Y2z3".repeat(6)}`;
    writeFileSync(join(copy, "docs", "leak.md"), `Set it: export GITHUB_TOKEN=${fake}\n`);
    const found = script("check-secrets.mjs", copy);
    assert.equal(found.status, 1, found.stdout + found.stderr);
    assert.match(found.stdout + found.stderr, /leak\.md/);
    assert.match(found.stdout, /findings above/);
    assert.doesNotMatch(found.stdout + found.stderr, new RegExp(fake), "the finding is printed masked");
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test("the workflow check and the docs checks pass on the repository", () => {
  const workflows = script("check-workflows.mjs");
  assert.equal(workflows.status, 0, workflows.stdout + workflows.stderr);
  assert.match(workflows.stdout, /0 finding\(s\)/);
  const docs = script("check-docs.mjs");
  assert.equal(docs.status, 0, docs.stdout + docs.stderr);
});
