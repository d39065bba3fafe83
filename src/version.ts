/** The package version, inlined by the build; read from package.json when running from source. @module */
import { readFileSync } from "node:fs";

declare const __OPENCLAW_VERSION__: string | undefined;

function fromPackageJson(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export const VERSION: string = typeof __OPENCLAW_VERSION__ === "string" ? __OPENCLAW_VERSION__ : fromPackageJson();
