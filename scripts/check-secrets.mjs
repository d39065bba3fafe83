// The secrets scan (npm run check:secrets [-- <dir>]): secretlint with its recommended rules over every
// file git tracks or would track in <dir> (the repository by default), failing on any finding. Findings
// are printed masked. The rules and ignores are the repository's (.secretlintrc.json, .secretlintignore).
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));
const dir = process.argv[2] ?? repo;

function filesOf(root) {
  try {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out
      .split("\0")
      .filter(Boolean)
      .map((f) => join(root, f));
  } catch {
    // Not a git checkout (an unpacked release, a temporary copy): every file but dependencies and builds.
    const walk = (d) =>
      readdirSync(d).flatMap((name) => {
        if (name === "node_modules" || name === ".git" || name === "dist") return [];
        const path = join(d, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
    return walk(root);
  }
}

const files = filesOf(dir).filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
const bin = join(repo, "node_modules", ".bin", "secretlint");
// In batches, so a large tree never exceeds the command-line limit.
let failed = false;
for (let i = 0; i < files.length; i += 500) {
  const batch = files.slice(i, i + 500);
  const result = spawnSync(
    bin,
    [
      "--secretlintrc",
      join(repo, ".secretlintrc.json"),
      "--secretlintignore",
      join(repo, ".secretlintignore"),
      "--maskSecrets",
      // secretlint wants the files below its working directory.
      ...batch.map((f) => relative(dir, f)),
    ],
    { cwd: dir, stdio: "inherit" },
  );
  if (result.status !== 0) failed = true;
}
console.log(
  failed
    ? `secrets scan: findings above (${files.length} files in ${relative(repo, dir) || "."}); remove the secret, rotate it, and keep it in .env or the config (0600) instead`
    : `secrets scan: ${files.length} files, nothing found`,
);
process.exit(failed ? 1 : 0);
