/**
 * Headless Chromium for the Control UI tests and `bench:ui`: Debian's `chromium` (`.ci/run` installs it)
 * driven by playwright-core, which downloads nothing. `foreign.test` resolves to 127.0.0.1 inside the
 * browser, so a page can come from an origin the gateway must refuse without leaving loopback.
 * @module
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";

export const CHROMIUM =
  process.env.OPENCLAW_TEST_CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--host-resolver-rules=MAP foreign.test 127.0.0.1",
];

/** Why the browser tests cannot run here, or undefined when they can. */
export const browserUnavailable: string | undefined = CHROMIUM
  ? undefined
  : "no Chromium: apt-get install -y chromium (or set OPENCLAW_TEST_CHROMIUM)";

/** Chromium, optionally inside a network namespace (through `ip netns exec`, which keeps the CDP pipe). */
export async function launchBrowser(options: { netns?: string } = {}): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  let executablePath = CHROMIUM!;
  if (options.netns) {
    const dir = mkdtempSync(join(tmpdir(), "oc-chromium-"));
    executablePath = join(dir, "chromium-in-netns");
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${options.netns} ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS, timeout: 30_000 });
}

/** The OpenClaw release whose Control UI the compatibility test and `bench:ui` serve from `controlUi.root`. */
export const UPSTREAM_VERSION = "2026.9.6";

/**
 * OpenClaw's own built Control UI, from its npm package (fetched once into the temp dir with `npm pack`,
 * the registry being the one place packages come from): its directory, or why it is not available.
 */
export function upstreamControlUi(): { root: string } | { unavailable: string } {
  const dir = join(tmpdir(), `openclaw-upstream-${UPSTREAM_VERSION}`);
  const root = join(dir, "package", "dist", "control-ui");
  if (existsSync(join(root, "index.html"))) return { root };
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["pack", `openclaw@${UPSTREAM_VERSION}`, "--silent", "--pack-destination", dir], {
      stdio: "pipe",
      timeout: 180_000,
    });
    execFileSync("tar", ["xzf", join(dir, `openclaw-${UPSTREAM_VERSION}.tgz`), "-C", dir, "package/dist/control-ui"], {
      stdio: "pipe",
      timeout: 120_000,
    });
    rmSync(join(dir, `openclaw-${UPSTREAM_VERSION}.tgz`), { force: true });
    return { root };
  } catch (error) {
    return {
      unavailable: `openclaw@${UPSTREAM_VERSION} could not be fetched from the npm registry (${String(error).split("\n")[0]})`,
    };
  }
}
