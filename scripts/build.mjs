// Bundles src/entry.ts into dist/ with code splitting, so each command is its own lazily loaded chunk
// and the --version/--help path loads one small file. Type-checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { readFileSync, rmSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: ["src/entry.ts"],
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  // Prefer ESM builds: some packages (jsonc-parser) ship UMD as "main", which does not bundle.
  mainFields: ["module", "main"],
  target: "node20.19",
  minifySyntax: true,
  legalComments: "linked",
  chunkNames: "chunks/[name]-[hash]",
  define: { __OPENCLAW_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies call require() for node built-ins; ESM has none, so give them one.
  banner: {
    js: '#!/usr/bin/env node\nimport { createRequire as __ocCreateRequire } from "node:module";\nconst require = __ocCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
