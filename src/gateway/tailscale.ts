/**
 * Tailscale Serve and Funnel for a gateway on loopback: `tailscale serve|funnel --bg --yes <port>` at
 * start, `tailscale serve|funnel reset` at exit when asked, and the identity of Serve requests. A request
 * counts as coming through Serve only when it arrives from loopback with Tailscale's forwarding headers,
 * and its `Tailscale-User-Login` is believed only when `tailscale whois` of the forwarded address names
 * the same user.
 * @module
 */
import { execFile } from "node:child_process";
import type { IncomingMessage } from "node:http";
import type { Env } from "../config/paths.js";

export type TailscaleMode = "off" | "serve" | "funnel";

/** The `tailscale` command, passed in (tests put a fake on PATH). */
export interface TailscaleCli {
  run(args: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }>;
}

export function systemTailscale(env: Env): TailscaleCli {
  return {
    run: (args, timeoutMs) =>
      new Promise((resolve) => {
        execFile(
          "tailscale",
          [...args],
          { timeout: timeoutMs, env: env as NodeJS.ProcessEnv, maxBuffer: 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr || (error?.message ?? "")) });
          },
        );
      }),
  };
}

/** Turns Serve or Funnel on for the port; the error names the command to try by hand. */
export async function exposeWithTailscale(cli: TailscaleCli, mode: "serve" | "funnel", port: number): Promise<void> {
  const args = [mode, "--bg", "--yes", String(port)];
  const result = await cli.run(args, 15_000);
  if (result.code !== 0)
    throw new Error(
      `tailscale ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim().split("\n")[0] ?? ""}`,
    );
}

export async function resetTailscale(cli: TailscaleCli, mode: "serve" | "funnel"): Promise<void> {
  await cli.run([mode, "reset"], 10_000);
}

export interface ServeRequest {
  readonly login: string;
  readonly forwardedFor: string;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim();

/**
 * The claimed identity of a request that came through Tailscale Serve, or undefined: only from loopback,
 * only with `x-forwarded-for`, `x-forwarded-proto` and `x-forwarded-host`, and a `tailscale-user-login`.
 */
export function serveRequestOf(request: IncomingMessage, fromLoopback: boolean): ServeRequest | undefined {
  if (!fromLoopback) return undefined;
  const h = request.headers;
  const login = first(h["tailscale-user-login"]);
  const forwardedFor = first(h["x-forwarded-for"])?.split(",")[0]?.trim();
  if (!login || !forwardedFor || !first(h["x-forwarded-proto"]) || !first(h["x-forwarded-host"])) return undefined;
  return { login, forwardedFor };
}

export type IdentityOutcome =
  | { ok: true; login: string }
  | { ok: false; reason: "tailscale_whois_failed" | "tailscale_user_mismatch"; message: string };

/** Asks the local Tailscale daemon who the forwarded address is, and compares with the claimed login. */
export async function verifyServeIdentity(cli: TailscaleCli, claim: ServeRequest): Promise<IdentityOutcome> {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(claim.forwardedFor))
    return { ok: false, reason: "tailscale_whois_failed", message: "x-forwarded-for is not an address" };
  const result = await cli.run(["whois", "--json", claim.forwardedFor], 5000);
  let login: string | undefined;
  try {
    login = (JSON.parse(result.stdout) as { UserProfile?: { LoginName?: string } }).UserProfile?.LoginName;
  } catch {
    login = undefined;
  }
  if (result.code !== 0 || !login)
    return {
      ok: false,
      reason: "tailscale_whois_failed",
      message: `tailscale whois ${claim.forwardedFor} gave no user${result.stderr ? `: ${result.stderr.trim().split("\n")[0]}` : ""}`,
    };
  if (login.toLowerCase() !== claim.login.toLowerCase())
    return {
      ok: false,
      reason: "tailscale_user_mismatch",
      message: `the Tailscale identity header says ${claim.login}, but ${claim.forwardedFor} belongs to ${login}`,
    };
  return { ok: true, login };
}
