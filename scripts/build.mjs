// Builds dist/ in two parts:
// - dist/entry.cjs: the process entry, CommonJS (Node starts it faster than an ES module), holding only
//   the version and the help text; it loads the runner with import().
// - dist/cli/run.js and dist/chunks/: the command runner as ESM with code splitting, so each command is
//   its own lazily loaded chunk and dependencies are bundled (no node_modules lookups at start).
// - dist/control-ui/: the Control UI (ui/, built by Vite), with .br and .gz beside each compressible asset
//   so the gateway serves them precompressed and never compresses at run time.
// Type-checking is `npm run typecheck` (tsc).
import { build } from "esbuild";
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });

const common = {
  bundle: true,
  platform: "node",
  target: "node20.19",
  // Prefer ESM builds: some packages (jsonc-parser) ship UMD as "main", which does not bundle.
  mainFields: ["module", "main"],
  minifySyntax: true,
  legalComments: "linked",
  define: { __OPENCLAW_VERSION__: JSON.stringify(pkg.version) },
  logLevel: "warning",
};

await build({
  ...common,
  entryPoints: ["src/entry.ts"],
  outfile: "dist/entry.cjs",
  format: "cjs",
  external: ["./cli/run.js"],
  banner: { js: "#!/usr/bin/env node" },
  // version.ts reads package.json through import.meta only when running from source; the build inlines it.
  logOverride: { "empty-import-meta": "silent" },
});

await build({
  ...common,
  entryPoints: ["src/cli/run.ts"],
  outbase: "src",
  outdir: "dist",
  splitting: true,
  format: "esm",
  chunkNames: "chunks/[name]-[hash]",
  // ws loads these optional native helpers with require() inside try/catch; they are not installed.
  // Baileys' optional peers (image and audio processing, link previews) are for media we do not send.
  // playwright-core reads its own package files at run time, so it is not bundled but copied whole into
  // dist/vendor/ (it has no dependencies), and imported from there when the agent first uses the browser.
  external: ["bufferutil", "utf-8-validate", "sharp", "jimp", "link-preview-js", "audio-decode", "playwright-core"],
  // Bundled CommonJS dependencies call require() for node built-ins; ESM has none, so give them one.
  banner: {
    js: 'import { createRequire as __ocCreateRequire } from "node:module";\nconst require = __ocCreateRequire(import.meta.url);',
  },
});

// The browser driver: its own process (forked on the first browser call, gone when the browser stops).
await build({
  ...common,
  entryPoints: ["src/browser/driver.ts"],
  outfile: "dist/browser-driver.js",
  format: "esm",
  external: ["playwright-core"],
  banner: {
    js: 'import { createRequire as __ocCreateRequire } from "node:module";\nconst require = __ocCreateRequire(import.meta.url);',
  },
});

chmodSync(new URL("../dist/entry.cjs", import.meta.url), 0o755);
// The browser's driver, as its package is (code, licence, notices): the installed package needs no registry.
cpSync(
  new URL("../node_modules/playwright-core/", import.meta.url),
  new URL("../dist/vendor/playwright-core/", import.meta.url),
  {
    recursive: true,
    filter: (src) => !/[\\/](types|bin)([\\/]|$)/.test(src.split("playwright-core")[1] ?? ""),
  },
);

const { build: buildUi } = await import("vite");
await buildUi({ configFile: fileURLToPath(new URL("../ui/vite.config.ts", import.meta.url)) });
const assets = fileURLToPath(new URL("../dist/control-ui/assets/", import.meta.url));
for (const name of readdirSync(assets)) {
  if (!/\.(js|css|svg|json|txt)$/.test(name)) continue;
  const body = readFileSync(join(assets, name));
  writeFileSync(
    join(assets, `${name}.br`),
    brotliCompressSync(body, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  );
  writeFileSync(join(assets, `${name}.gz`), gzipSync(body, { level: 9 }));
}
