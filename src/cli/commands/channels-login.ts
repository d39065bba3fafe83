/**
 * `openclaw channels login|logout --channel whatsapp`. Through the running gateway when one answers
 * (`web.login.start`, then `web.login.wait` until linked, showing each new QR in the terminal); in this
 * process when none does (the same adapter, which writes the credentials the gateway reads when it
 * starts). Loaded only by these two commands: the QR library and Baileys stay out of every other one.
 * @module
 */
import { resolveChannelAccounts } from "../../channels/accounts.js";
import type { AdapterHost, TransportState } from "../../channels/contract.js";
import type { LoginState } from "../../channels/manager.js";
import { clearAuthDir, isLinked } from "../../channels/whatsapp/auth-store.js";
import { qrTerminal } from "../../channels/whatsapp/qr.js";
import { loadConfig } from "../../config/load.js";
import type { Logger } from "../../logging/logger.js";
import type { CliContext } from "../command.js";
import { CliError } from "../errors.js";
import { parseTimeout, withGateway, type RpcOptions } from "../gateway-rpc.js";

async function renderQr(ctx: CliContext, qr: string): Promise<void> {
  ctx.print(await qrTerminal(qr));
  ctx.print("Scan it in WhatsApp: Settings → Linked devices → Link a device. A new code follows every 20 s or so.");
}

const unreachable = (error: unknown) => error instanceof CliError && error.message.startsWith("Gateway not reachable");

export async function loginWhatsApp(
  ctx: CliContext,
  opts: RpcOptions,
  accountId: string,
  force: boolean,
): Promise<boolean> {
  const timeoutMs = parseTimeout(opts.timeout, 300_000);
  try {
    return await withGateway(ctx, opts, 15_000, async (client) => {
      const deadline = Date.now() + timeoutMs;
      let state: LoginState | undefined;
      // A config edit a moment ago reaches the gateway within a second: ask again meanwhile.
      for (let tries = 0; !state; tries++) {
        try {
          state = await client.call<LoginState>(
            "web.login.start",
            { channel: "whatsapp", accountId, force, timeoutMs: 30_000 },
            35_000,
          );
        } catch (error) {
          if (tries >= 20 || !/no whatsapp account/.test((error as Error).message)) throw error;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
      let shown: string | undefined;
      for (;;) {
        if (state.connected) {
          ctx.print(`Linked: ${state.message}.`);
          return true;
        }
        if (state.failed)
          throw new CliError(`WhatsApp login failed: ${state.message}`, {
            hint: "Try again: openclaw channels login --channel whatsapp --force",
          });
        if (state.qr && state.qr !== shown) {
          shown = state.qr;
          await renderQr(ctx, state.qr);
        }
        const left = deadline - Date.now();
        if (left <= 0)
          throw new CliError("WhatsApp login timed out: the QR code was not scanned", {
            hint: "Run it again when the phone is at hand: openclaw channels login --channel whatsapp",
          });
        state = await client.call<LoginState>(
          "web.login.wait",
          { channel: "whatsapp", accountId, currentQr: shown, timeoutMs: Math.min(60_000, left) },
          Math.min(60_000, left) + 5000,
        );
      }
    });
  } catch (error) {
    if (!unreachable(error)) throw error;
  }
  return loginHere(ctx, accountId, force, timeoutMs);
}

function quietLog(ctx: CliContext): Logger {
  const log: Logger = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: (msg) => ctx.warn(msg),
    error: (msg) => ctx.warn(msg),
    fatal: (msg) => ctx.warn(msg),
    child: () => log,
    addSecret: () => undefined,
    close: () => undefined,
  };
  return log;
}

/** No gateway: link in this process with the gateway's own adapter, then let go of the socket. */
async function loginHere(ctx: CliContext, accountId: string, force: boolean, timeoutMs: number): Promise<boolean> {
  const account = resolveChannelAccounts(
    loadConfig(ctx.paths.configPath, ctx.env).config,
    ctx.env,
    ctx.paths.credentialsDir,
  ).find((a) => a.channel === "whatsapp" && a.accountId === accountId)!;
  const authDir = String(account.settings.authDir);
  ctx.print("No gateway answered: linking from this process.");
  if (force) clearAuthDir(authDir);
  else if (isLinked(authDir)) {
    ctx.print(`Already linked (credentials in ${authDir}). To link another phone: --force.`);
    return true;
  }
  const { createAdapter } = await import("../../channels/whatsapp/baileys.js");
  let shown: string | undefined;
  let settle!: (result: { ok: boolean; message: string }) => void;
  const outcome = new Promise<{ ok: boolean; message: string }>((resolve) => (settle = resolve));
  const host: AdapterHost = {
    log: quietLog(ctx),
    inbound: () => undefined,
    cursor: { load: () => undefined, save: () => undefined },
    state: (patch: Partial<TransportState>) => {
      if (patch.loginQr && patch.loginQr !== shown) {
        shown = patch.loginQr;
        void renderQr(ctx, patch.loginQr);
      }
      if (patch.connected) settle({ ok: true, message: "linked" });
      if (patch.terminal) settle({ ok: false, message: patch.lastError ?? "stopped" });
    },
  };
  const adapter = createAdapter({ channel: "whatsapp", accountId, token: "", settings: account.settings }, host);
  void adapter.start();
  const timer = setTimeout(() => settle({ ok: false, message: "timed out: the QR code was not scanned" }), timeoutMs);
  const result = await outcome;
  clearTimeout(timer);
  // Linking saved the credentials as they arrived; a moment more lets the last of them reach the disk.
  await new Promise((r) => setTimeout(r, result.ok ? 1000 : 0));
  await adapter.stop(2000);
  if (!result.ok)
    throw new CliError(`WhatsApp login failed: ${result.message}`, {
      hint: "Try again: openclaw channels login --channel whatsapp",
    });
  ctx.print(`Linked: WhatsApp ${accountId}. Credentials in ${authDir}; the gateway uses them when it starts.`);
  return true;
}

export async function logoutWhatsApp(ctx: CliContext, opts: RpcOptions, accountId: string): Promise<void> {
  try {
    const result = await withGateway(ctx, opts, 30_000, (client) =>
      client.call<{ cleared: boolean; loggedOut: boolean }>("channels.logout", { channel: "whatsapp", accountId }),
    );
    ctx.print(
      result.cleared
        ? `Logged out: WhatsApp ${accountId} unlinked${result.loggedOut ? " (the phone was told)" : ""} and its credentials deleted.`
        : `WhatsApp ${accountId} was not linked.`,
    );
    return;
  } catch (error) {
    if (!unreachable(error)) throw error;
  }
  const account = resolveChannelAccounts(
    loadConfig(ctx.paths.configPath, ctx.env).config,
    ctx.env,
    ctx.paths.credentialsDir,
  ).find((a) => a.channel === "whatsapp" && a.accountId === accountId);
  if (!account)
    throw new CliError(`no WhatsApp account "${accountId}" in the config`, {
      hint: "See them: openclaw channels status",
    });
  const cleared = clearAuthDir(String(account.settings.authDir));
  ctx.print(
    cleared
      ? `No gateway answered: deleted WhatsApp ${accountId}'s credentials. The phone still lists the device until you remove it there (Linked devices).`
      : `WhatsApp ${accountId} was not linked.`,
  );
}
