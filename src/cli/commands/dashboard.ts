/** `openclaw dashboard`: the gateway's web address, with the token in the URL fragment. @module */
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { readConfigSnapshot } from "../../config/load.js";
import { ConfigError } from "../../config/issues.js";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";
import { controlUiSettings } from "../../gateway/control-ui.js";
import { resolveTarget } from "../gateway-rpc.js";

/**
 * The UI's http(s) address (under `basePath`, normalised as the gateway does) and the same with
 * `#token=` (a fragment never reaches a server or its logs). Pure.
 */
export function dashboardUrls(
  wsUrl: string,
  token: string | undefined,
  basePath = "",
): { httpUrl: string; url: string; wsUrl: string } {
  const base = controlUiSettings({ basePath }).basePath;
  const ws = new URL(wsUrl);
  ws.pathname = base || "/";
  ws.search = "";
  const url = new URL(wsUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = `${base}/`;
  url.search = "";
  url.hash = "";
  const httpUrl = url.toString();
  url.hash = token ? `token=${encodeURIComponent(token)}` : "";
  // As upstream prints it: no trailing slash at the root.
  return { httpUrl, url: url.toString(), wsUrl: ws.toString().replace(/\/$/, "") };
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
    .option("--json", "print {url, httpUrl, wsUrl, port, tokenIncluded} and open nothing")
    .action(async (opts: { open: boolean; url?: string; json?: boolean }) => {
      const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
      if (!snapshot.valid) throw new ConfigError(snapshot.path, snapshot.issues);
      const target = await resolveTarget(ctx, opts.url ? { url: opts.url } : {});
      // The configured base path is this gateway's; a gateway named by --url keeps its own at the root.
      const basePath = opts.url ? "" : (snapshot.config.gateway?.controlUi?.basePath ?? "");
      const { url, httpUrl, wsUrl } = dashboardUrls(target.url, target.token, basePath);
      if (opts.json) {
        const port = Number(new URL(target.url).port) || (target.url.startsWith("wss:") ? 443 : 80);
        ctx.printJson({ url, httpUrl, wsUrl, port, tokenIncluded: target.token !== undefined });
        done(EXIT.ok);
        return;
      }
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
