/** `openclaw dashboard`: the gateway's web address, with the token in the URL fragment. @module */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { readConfigSnapshot } from "../../config/load.js";
import { ConfigError } from "../../config/issues.js";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";
import { resolveTarget } from "../gateway-rpc.js";

/** http(s) URL of the gateway with `#token=` (a fragment never reaches a server or its logs). */
export function dashboardUrl(wsUrl: string, token: string | undefined): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = "/";
  url.search = "";
  url.hash = token ? `token=${encodeURIComponent(token)}` : "";
  return url.toString();
}

function opener(env: Record<string, string | undefined>): string | undefined {
  if (process.platform === "darwin") return "open";
  if (process.platform === "win32") return "explorer";
  return env.DISPLAY || env.WAYLAND_DISPLAY ? "xdg-open" : undefined;
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command("dashboard")
    .description("Print (and open) the gateway's web address with the token in the URL fragment")
    .option("--no-open", "only print the URL")
    .option("--url <url>", "gateway URL (default: the configured gateway)")
    .action(async (opts: { open: boolean; url?: string }) => {
      const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
      if (!snapshot.valid) throw new ConfigError(snapshot.path, snapshot.issues);
      const target = await resolveTarget(ctx, opts.url ? { url: opts.url } : {});
      const url = dashboardUrl(target.url, target.token);
      ctx.print(url);
      if (!target.token)
        ctx.warn(
          target.password
            ? "Log in with the gateway password."
            : "No token is configured; start the gateway once to generate one.",
        );
      const command = opts.open ? opener(ctx.env) : undefined;
      if (opts.open && !command)
        ctx.warn("No desktop session here; open the URL in a browser (through an SSH tunnel for a remote host).");
      if (command) {
        const child = spawn(command, [url], { detached: true, stdio: "ignore" });
        child.on("error", () => ctx.warn(`Could not start ${command}; open the URL yourself.`));
        child.unref();
      }
      done(EXIT.ok);
    });
}
