// The docs checks (npm run check:docs): markdownlint over README, CONTRIBUTING and docs/
// (.markdownlint-cli2.jsonc), then every local link and heading anchor resolved (remark-validate-links,
// .remarkrc.json). External links are not fetched: the check works offline and does not flake.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(repo, "node_modules", ".bin", name);
const run = (name, args) => spawnSync(bin(name), args, { cwd: repo, stdio: "inherit" }).status === 0;

const lint = run("markdownlint-cli2", []);
const links = run("remark", ["--frail", "--quiet", "--no-stdout", "README.md", "CONTRIBUTING.md", "docs"]);
console.log(`docs checks: markdownlint ${lint ? "ok" : "FAILED"}, local links ${links ? "ok" : "FAILED"}`);
process.exit(lint && links ? 0 : 1);
