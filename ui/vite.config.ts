// The Control UI's build: one small entry (shell + chat, the landing page), other pages as lazy chunks,
// fingerprinted under assets/ so the gateway can cache them for good. Relative URLs: the gateway rewrites
// them under `gateway.controlUi.basePath` when it serves index.html.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  publicDir: false,
  logLevel: "warn",
  define: { __OPENCLAW_VERSION__: JSON.stringify(pkg.version) },
  build: {
    outDir: fileURLToPath(new URL("../dist/control-ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // The polyfill is for browsers without modulepreload; every browser lit 3 runs on has it.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    sourcemap: false,
  },
});
