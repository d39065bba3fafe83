/** `openclaw gateway install|uninstall|start|stop|restart|status` and the hidden `supervise`. @module */
import type { Command } from "commander";
import { userInfo } from "node:os";
import {
  credentialAgreement,
  ENV_NAME,
  resolveServiceCredential,
  type Agreement,
  type CredentialKind,
  type ServiceCredential,
} from "../../config/credential-origin.js";
import { resolveGatewaySettings } from "../../config/gateway-settings.js";
import type { GatewayTarget } from "../../config/gateway-target.js";
import { loadConfig, readConfigSnapshot } from "../../config/load.js";
import { resolveProfile, resolveStatePaths } from "../../config/paths.js";
import { ensureGatewayToken } from "../../config/token.js";
import type { ConfigEdit } from "../../config/edit.js";
import { updateConfig } from "../../config/update.js";
import { findPortListeners, isGatewayCommandLine } from "../../gateway/port-owner.js";
import { findLastGatewayError } from "../../logging/last-error.js";
import type { InstalledDefinition, ServiceBackend, ServiceStatus } from "../../service/backend.js";
import { enableLinger, readLinger } from "../../service/linger.js";
import { ServiceError, systemRunner } from "../../service/runner.js";
import { selectBackend, type ServiceWorld } from "../../service/select.js";
import { buildServiceSpec, type ServiceSpec } from "../../service/spec.js";
import { VERSION } from "../../version.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import {
  probeOne,
  probeReadiness,
  resolveTarget,
  waitForProbe,
  waitForReadiness,
  type ProbeResult,
  type RpcOptions,
} from "../gateway-rpc.js";
import { formatUptime } from "./health.js";
import {
  collectDeep,
  renderGatewayStatus,
  type GatewayStatusReport,
  type ServiceConfigView,
} from "./gateway-status-render.js";

const STARTUP_PROBE_MS = 20_000;

function serviceWorld(ctx: CliContext): ServiceWorld {
  return {
    platform: process.platform,
    env: ctx.env,
    home: ctx.homedir,
    uid: process.getuid?.() ?? 0,
    runner: systemRunner(ctx.env),
  };
}

async function backendFor(ctx: CliContext, system = false) {
  try {
    return await selectBackend(ctx.paths, serviceWorld(ctx), { system });
  } catch (error) {
    throw asCliError(error);
  }
}

function asCliError(error: unknown): unknown {
  if (error instanceof ServiceError) return new CliError(error.message, { hint: error.hint });
  return error;
}

/** The state paths a service with this environment resolves (its HOME, profile and overrides). */
function servicePaths(env: Record<string, string>, fallbackHome: string) {
  const home = env.HOME ?? fallbackHome;
  const profile = resolveProfile({ env });
  return { home, profile, paths: resolveStatePaths({ profile, env, homedir: home, cwd: home }) };
}

/** What the installed definition will run: its profile, config, port and bind, resolved like the CLI does. */
export function serviceConfigView(installed: InstalledDefinition, fallbackHome: string): ServiceConfigView {
  const env = installed.environment;
  const portIndex = installed.execStart.indexOf("--port");
  const portFlag = portIndex >= 0 ? installed.execStart[portIndex + 1] : undefined;
  const { profile, paths } = servicePaths(env, fallbackHome);
  const snapshot = readConfigSnapshot(paths.configPath, env);
  const settings = resolveGatewaySettings({
    flags: { port: portFlag },
    env,
    config: snapshot.valid ? snapshot.config : {},
    paths,
  });
  return {
    profile,
    configPath: paths.configPath,
    stateDir: paths.stateDir,
    port: settings.port,
    bind: settings.bind,
    valid: snapshot.valid,
    version: env.OPENCLAW_SERVICE_VERSION,
  };
}

/** The credential a gateway started with this environment expects (kept in memory, never printed). */
function serviceCredentialOf(
  environment: Record<string, string>,
  fallbackHome: string,
  pending?: { kind: CredentialKind; value: string },
): ServiceCredential {
  const { home, paths } = servicePaths(environment, fallbackHome);
  return resolveServiceCredential({
    serviceEnv: environment,
    workingDirectory: home,
    paths,
    readConfig: (env) => {
      const snapshot = readConfigSnapshot(paths.configPath, env);
      return snapshot.valid ? snapshot.config : {};
    },
    pendingConfigValue: pending,
  });
}

/** Whether the CLI's credential opens the installed service; undefined when the CLI targets another gateway. */
function serviceAgreement(
  ctx: CliContext,
  installed: InstalledDefinition | undefined,
  target: GatewayTarget,
): Agreement | undefined {
  if (!installed || target.remote) return undefined;
  if (Number(new URL(target.url).port) !== serviceConfigView(installed, ctx.homedir).port) return undefined;
  return credentialAgreement(
    { secret: target.token ?? target.password, origin: target.credentialOrigin },
    serviceCredentialOf(installed.environment, ctx.homedir),
  );
}

function cliConfigView(ctx: CliContext): ServiceConfigView {
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  const settings = resolveGatewaySettings({
    env: ctx.env,
    config: snapshot.valid ? snapshot.config : {},
    paths: ctx.paths,
  });
  return {
    profile: ctx.profile,
    configPath: ctx.paths.configPath,
    stateDir: ctx.paths.stateDir,
    port: settings.port,
    bind: settings.bind,
    valid: snapshot.valid,
    version: VERSION,
  };
}

/** A line diff good enough to show what `install --force` would change. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  const removed = a.filter((line) => !b.includes(line)).map((line) => `- ${line}`);
  const added = b.filter((line) => !a.includes(line)).map((line) => `+ ${line}`);
  return [...removed, ...added];
}

/** How a start, restart or install ended: the RPC probe, or, when the credentials differ, `/readyz` alone. */
interface Confirmation {
  readonly ok: boolean;
  readonly probe?: ProbeResult | undefined;
  readonly readiness?: string | undefined;
  readonly mismatch?: Agreement | undefined;
}

/**
 * Waits for the service to answer. With a credential the service will refuse, no login is tried (it would
 * count towards a lockout): readiness comes from `/readyz`, and the mismatch is the outcome.
 */
async function confirmUp(ctx: CliContext, backend: ServiceBackend, totalMs: number): Promise<Confirmation> {
  const target = await resolveTarget(ctx, {});
  const agreement = serviceAgreement(ctx, await backend.readInstalled(), target);
  if (agreement && !agreement.agree) {
    const readiness = await waitForReadiness(target, totalMs);
    return { ok: false, readiness, mismatch: agreement };
  }
  const probe = await waitForProbe(target, totalMs);
  return { ok: probe.ok, probe };
}

function printFailure(ctx: CliContext, backend: ServiceBackend, outcome: Confirmation, state: ServiceStatus): void {
  if (outcome.mismatch) {
    ctx.warn(`Runtime: ${state.runtime}; /readyz: ${outcome.readiness ?? "unknown"}`);
    ctx.warn(`Auth ${outcome.mismatch.message}; no login was tried, so nothing counts towards a lockout.`);
    ctx.warn(outcome.mismatch.fix ?? "");
    return;
  }
  const probe = outcome.probe;
  const last = findLastGatewayError(ctx.paths.logsDir);
  ctx.warn(`RPC probe: failed: ${probe?.error?.message ?? "no answer"}`);
  if (probe?.error?.hint && (probe.error.kind === "auth" || probe.error.kind === "locked-out"))
    ctx.warn(probe.error.hint);
  ctx.warn(`Runtime: ${state.runtime}${state.detail ? ` (${state.detail})` : ""}`);
  ctx.warn(`Last gateway error: ${last ? last.message : "(none)"}`);
  ctx.warn(`Logs: ${backend.logsHint}`);
}

export function registerServiceCommands(gateway: Command, ctx: CliContext, done: (code: number) => void): void {
  gateway
    .command("install")
    .description(
      "Install the gateway as a supervised service (systemd, launchd, scheduled task, or openclaw's own supervisor)",
    )
    .option("--force", "replace an installed service whose definition differs")
    .option("--port <port>", "port for the service (default: the resolved gateway port)")
    .option("--token <token>", "the token the service uses, saved to gateway.auth.token (never to the unit)")
    .option("--system", "a systemd system unit (for servers; needs root)")
    .option("--user <name>", "with --system: the account the gateway runs as")
    .option("--runtime <runtime>", "node (the only one supported)", "node")
    .option("--json", "print the outcome as JSON")
    .action(async (opts: InstallOptions) =>
      done(await installService(ctx, opts).catch((e) => Promise.reject(asCliError(e)))),
    );

  gateway
    .command("uninstall")
    .description("Stop and remove the service (the state directory is kept)")
    .option("--json", "print the outcome as JSON")
    .action(async (opts: { json?: boolean }) =>
      done(await uninstall(ctx, opts).catch((e) => Promise.reject(asCliError(e)))),
    );

  for (const [name, text] of [
    ["start", "Start the installed service and wait for it to answer"],
    ["stop", "Stop the service and wait for the port to be released"],
    ["restart", "Restart the service and wait for it to answer"],
  ] as const) {
    gateway
      .command(name)
      .description(text)
      .option("--json", "print the outcome as JSON")
      .action(async (opts: { json?: boolean }) =>
        done(await control(ctx, name, opts).catch((e) => Promise.reject(asCliError(e)))),
      );
  }

  gateway
    .command("status")
    .description("Supervisor state, RPC probe, and what the CLI and the service each resolve")
    .option("--json", "print everything as one JSON object")
    .option("--deep", "also look for other gateway services, listeners on the derived ports, and port clashes")
    .option("--no-probe", "skip the RPC probe")
    .action(async (opts: { json?: boolean; deep?: boolean; probe: boolean }) =>
      done(await statusCommand(ctx, opts).catch((e) => Promise.reject(asCliError(e)))),
    );

  gateway
    .command("supervise", { hidden: true })
    .description("(internal) run the gateway under openclaw's own supervisor; started by `gateway start`")
    .action(async () => {
      const { runSupervisor } = await import("../../service/supervisor.js");
      done(await runSupervisor(ctx.paths.stateDir));
    });
}

type InstallOptions = {
  force?: boolean;
  port?: string;
  token?: string;
  system?: boolean;
  user?: string;
  runtime: string;
  json?: boolean;
};

/**
 * Service definitions never hold secrets, so a credential the CLI takes from the shell reaches the service
 * through the config, as upstream does with `install --token`. Decided before anything is written: a
 * credential that would differ from the service's is refused with the command that resolves it.
 */
function planCredential(
  ctx: CliContext,
  target: GatewayTarget,
  spec: ServiceSpec,
  flagToken: string | undefined,
): { edit?: ConfigEdit; note?: string } {
  const origin = target.credentialOrigin;
  const secret = flagToken ?? target.token ?? target.password;
  if (secret === undefined || !origin) return {};
  const kind: CredentialKind = flagToken ? "token" : origin.kind;
  const current = serviceCredentialOf(spec.environment, ctx.homedir);
  if (current.mode === "none" || current.secret === secret) return {};
  const where = current.origin?.where;
  const carried = serviceCredentialOf(spec.environment, ctx.homedir, { kind, value: secret });
  const carriable = carried.secret === secret && carried.origin?.where === "config";
  const source = flagToken ? "--token" : origin.text;
  if (carriable && (flagToken || where === "generated" || where === "none")) {
    return {
      edit: { path: ["gateway", "auth", kind], value: secret },
      note: `Saved ${source} as gateway.auth.${kind} in ${ctx.paths.configPath} (mode 0600): the service reads it there, because service definitions never hold secrets.`,
    };
  }
  const shellName = ENV_NAME[origin.kind];
  const hint =
    origin.where === "shell" || origin.where === "env-file"
      ? [
          `Either unset ${shellName}${origin.where === "env-file" ? ` (in ${origin.file})` : ""} and rerun: the CLI then uses ${current.origin?.text ?? "the service's"},`,
          where === "config"
            ? `or make this one the service's: openclaw gateway install --${kind} "$${shellName}"`
            : `or give ${current.origin?.text ?? "the service's source"} the same value.`,
        ].join("\n")
      : `Give ${current.origin?.text ?? "the service's source"} the same value, or remove it.`;
  throw new CliError(
    `${source} differs from ${current.origin?.text ?? "the service's credential"}, which the service would use. Nothing was written.`,
    { hint },
  );
}

export async function installService(ctx: CliContext, opts: InstallOptions): Promise<number> {
  if (opts.runtime !== "node")
    throw new UsageError(`--runtime ${opts.runtime} is not supported`, "The gateway runs on Node.js: --runtime node");
  if (opts.token !== undefined && !/^\S{16,}$/.test(opts.token))
    throw new UsageError("--token needs at least 16 characters and no spaces", "Generate one: openssl rand -hex 32");
  let snapshot = loadConfig(ctx.paths.configPath, ctx.env);
  if (snapshot.config.gateway?.mode === "remote") {
    throw new CliError("gateway.mode is remote: this machine is a client, so no local gateway service is installed", {
      exitCode: EXIT.config,
      hint: "Set it to local first: openclaw config set gateway.mode local",
    });
  }
  let settings = resolveGatewaySettings({
    flags: { port: opts.port },
    env: ctx.env,
    config: snapshot.config,
    paths: ctx.paths,
  });
  const { backend, reason } = await backendFor(ctx, opts.system === true);
  const user = opts.user ?? ctx.env.SUDO_USER ?? userInfo().username;
  const spec = serviceSpecFor(ctx, settings.port, opts.system === true, user);
  const credential = planCredential(
    ctx,
    await resolveTarget(ctx, opts.token ? { token: opts.token } : {}, snapshot.config),
    spec,
    opts.token,
  );

  const edits: ConfigEdit[] = [];
  const notes: string[] = [];
  if (!snapshot.exists || snapshot.config.gateway?.mode === undefined)
    edits.push({ path: ["gateway", "mode"], value: "local" });
  // The CLI finds its gateway through the config: a service on another port would be out of its reach.
  const cliPort = resolveGatewaySettings({ env: ctx.env, config: snapshot.config, paths: ctx.paths }).port;
  if (opts.port !== undefined && cliPort !== settings.port && settings.portSource === "flag") {
    edits.push({ path: ["gateway", "port"], value: settings.port });
    notes.push(`Saved gateway.port ${settings.port} in ${ctx.paths.configPath}, so the CLI finds the service there.`);
  }
  if (credential.edit) edits.push(credential.edit);
  if (credential.note) notes.push(credential.note);
  if (edits.length > 0) {
    snapshot = updateConfig({
      configPath: ctx.paths.configPath,
      logsDir: ctx.paths.logsDir,
      env: ctx.env,
      edits,
      command: "gateway install",
      now: ctx.now(),
    }).after;
  }
  for (const note of notes) ctx.warn(note);
  // The service would generate its own token: generate it now, so the CLI reads the same one.
  const generate = serviceCredentialOf(spec.environment, ctx.homedir).origin?.where === "generated";
  const token = generate
    ? ensureGatewayToken({
        paths: ctx.paths,
        env: ctx.env,
        snapshot,
        settings: resolveGatewaySettings({ env: {}, config: snapshot.config, paths: ctx.paths }),
        command: "gateway install",
      })
    : { snapshot, generated: false };
  if (token.generated)
    ctx.warn(`Generated a gateway token and saved it to ${ctx.paths.configPath} (gateway.auth.token).`);
  settings = resolveGatewaySettings({
    flags: { port: opts.port },
    env: ctx.env,
    config: token.snapshot.config,
    paths: ctx.paths,
  });

  const others = findPortListeners(settings.port).filter((l) => !isGatewayCommandLine(l.commandLine));
  for (const other of others)
    ctx.warn(
      `Warning: port ${settings.port} is held by another program: pid ${other.pid ?? "?"} ${other.commandLine ?? ""} (${other.address}); the service will fail to listen until it is free.`,
    );

  const text = backend.render(spec);
  const existing = await backend.readInstalled();
  let action: "installed" | "updated" | "unchanged";
  if (existing && existing.text === text) {
    action = "unchanged";
  } else if (existing && !opts.force) {
    const diff = lineDiff(existing.text, text);
    throw new CliError(
      `${backend.label} is already installed with a different definition (${backend.definitionPath})`,
      {
        hint: [...diff.slice(0, 30), "Replace it with: openclaw gateway install --force"].join("\n"),
      },
    );
  } else {
    await backend.install(spec);
    action = existing ? "updated" : "installed";
  }
  if (!opts.json)
    ctx.print(
      `${action === "unchanged" ? "Already installed" : action === "updated" ? "Updated" : "Installed"}: ${backend.label} (${backend.kind}) at ${backend.definitionPath}\nWhy this backend: ${reason}`,
    );

  const before = await backend.status();
  // A new credential in the config reaches a running gateway by reload; a new definition needs a restart.
  if ((action === "updated" || credential.edit) && before.runtime === "running") await backend.restart();
  else if (before.runtime !== "running") await backend.start();

  let linger: string | undefined;
  if (backend.kind === "systemd-user") {
    const runner = systemRunner(ctx.env);
    const state = await readLinger(runner, user);
    if (state.state === "off") {
      const enabled = await enableLinger(runner, user);
      linger = enabled.enabled ? "enabled" : `off (run: ${enabled.command})`;
      if (!enabled.enabled)
        ctx.warn(`Warning: linger is off for ${user}, so the gateway stops when you log out. Run: ${enabled.command}`);
    } else linger = state.state;
  }

  const outcome = await confirmUp(ctx, backend, STARTUP_PROBE_MS);
  const after = await backend.status();
  if (opts.json) {
    ctx.printJson({
      ok: outcome.ok,
      action,
      backend: backend.kind,
      label: backend.label,
      definitionPath: backend.definitionPath,
      reason,
      port: settings.port,
      runtime: after.runtime,
      probe: outcome.probe,
      ...(outcome.mismatch ? { authMismatch: outcome.mismatch.message, readiness: outcome.readiness } : {}),
      ...(linger ? { linger } : {}),
    });
  } else if (outcome.ok && outcome.probe) {
    ctx.print(
      `Runtime: ${after.runtime}${after.pid ? ` (pid ${after.pid})` : ""}\nRPC probe: ok (${outcome.probe.latencyMs}ms) at ${outcome.probe.url}`,
    );
  }
  if (!outcome.ok) {
    if (!opts.json) printFailure(ctx, backend, outcome, after);
    return EXIT.failure;
  }
  return EXIT.ok;
}

/** What install writes for this profile. A system unit names its state directory explicitly: it may run with another HOME than the installer's shell. */
export function serviceSpecFor(ctx: CliContext, port: number, system: boolean, user: string): ServiceSpec {
  return buildServiceSpec({
    paths: ctx.paths,
    port,
    version: VERSION,
    nodePath: process.execPath,
    entryPath: ctx.entryPath,
    home: ctx.homedir,
    env: system ? { ...ctx.env, OPENCLAW_STATE_DIR: ctx.paths.stateDir } : ctx.env,
    ...(system ? { user } : {}),
  });
}

async function uninstall(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const { backend } = await backendFor(ctx);
  const current = await backend.status();
  if (!current.installed) {
    if (opts.json) ctx.printJson({ ok: true, removed: false, profile: ctx.profile });
    else ctx.print(`No gateway service is installed for profile ${ctx.profile}; nothing to remove.`);
    return EXIT.ok;
  }
  await backend.uninstall();
  if (opts.json)
    ctx.printJson({
      ok: true,
      removed: true,
      backend: backend.kind,
      label: backend.label,
      definitionPath: backend.definitionPath,
      stateDir: ctx.paths.stateDir,
    });
  else
    ctx.print(`Stopped and removed ${backend.label} (${backend.definitionPath}). State kept in ${ctx.paths.stateDir}.`);
  return EXIT.ok;
}

async function control(
  ctx: CliContext,
  action: "start" | "stop" | "restart",
  opts: { json?: boolean },
): Promise<number> {
  const { backend } = await backendFor(ctx);
  const before = await backend.status();
  if (!before.installed)
    throw new CliError(`no gateway service is installed for profile ${ctx.profile}`, {
      hint: "Install it: openclaw gateway install (or run it in the foreground: openclaw gateway)",
    });
  if (action === "stop") {
    await backend.stop();
    const settings = cliConfigView(ctx);
    // Released is a question for the port, not for a login: /readyz answers without credentials.
    const released = (await waitForReadiness(await resolveTarget(ctx, {}), 35_000, "down")) === "down";
    const after = await backend.status();
    if (opts.json) ctx.printJson({ ok: released, action, runtime: after.runtime, port: settings.port, released });
    else
      ctx.print(
        released
          ? `Stopped ${backend.label}; port ${settings.port} is released.`
          : `Stop requested, but port ${settings.port} still answers.`,
      );
    return released ? EXIT.ok : EXIT.failure;
  }
  if (action === "start") await backend.start();
  else await backend.restart();
  const outcome = await confirmUp(ctx, backend, STARTUP_PROBE_MS);
  const after = await backend.status();
  if (opts.json)
    ctx.printJson({
      ok: outcome.ok,
      action,
      runtime: after.runtime,
      pid: after.pid,
      probe: outcome.probe,
      ...(outcome.mismatch ? { authMismatch: outcome.mismatch.message, readiness: outcome.readiness } : {}),
    });
  else if (outcome.ok && outcome.probe)
    ctx.print(
      `${action === "start" ? "Started" : "Restarted"} ${backend.label}: runtime ${after.runtime}${after.pid ? ` (pid ${after.pid})` : ""}, RPC probe ok (${outcome.probe.latencyMs}ms)`,
    );
  else printFailure(ctx, backend, outcome, after);
  return outcome.ok ? EXIT.ok : EXIT.failure;
}

async function statusCommand(
  ctx: CliContext,
  opts: { json?: boolean; deep?: boolean; probe: boolean },
): Promise<number> {
  const world = serviceWorld(ctx);
  const { backend } = await backendFor(ctx);
  const service = await backend.status();
  const installed = await backend.readInstalled();
  const cli = cliConfigView(ctx);
  const serviceView = installed ? serviceConfigView(installed, ctx.homedir) : undefined;
  let probe: ProbeResult | undefined;
  let target: string | undefined;
  let authLabel = "unknown";
  let authMismatch: GatewayStatusReport["authMismatch"];
  try {
    const resolved = await resolveTarget(ctx, {} as RpcOptions);
    target = resolved.url;
    authLabel = resolved.authLabel;
    const agreement = service.runtime === "running" ? serviceAgreement(ctx, installed, resolved) : undefined;
    if (agreement && !agreement.agree) {
      authMismatch = {
        message: agreement.message ?? "mismatch",
        fix: agreement.fix ?? "",
        readiness: await probeReadiness(resolved, 2000),
      };
    } else if (opts.probe) probe = await probeOne(resolved, "local", "Local", 3000);
  } catch (error) {
    probe = {
      id: "local",
      label: "Local",
      url: "",
      ok: false,
      auth: "unknown",
      error: { kind: "config", message: (error as Error).message, hint: "" },
    };
  }
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  const lastError = findLastGatewayError(ctx.paths.logsDir, snapshot.valid ? snapshot.config.logging?.file : undefined);
  const linger =
    backend.kind === "systemd-user" ? (await readLinger(world.runner, userInfo().username)).state : undefined;
  const report: GatewayStatusReport = {
    service: {
      backend: backend.kind,
      label: backend.label,
      definitionPath: backend.definitionPath,
      logsHint: backend.logsHint,
      ...service,
    },
    probe,
    target,
    authLabel,
    cli,
    serviceConfig: serviceView,
    lastError,
    linger,
    deep: opts.deep ? await collectDeep(ctx, world, cli.port) : undefined,
    authMismatch,
  };
  if (opts.json) ctx.printJson(report);
  else for (const line of renderGatewayStatus(report, formatUptime)) ctx.print(line);
  // 0 when the gateway runs and answers: under its service, or in the foreground with no service installed.
  if (authMismatch) return EXIT.failure;
  if (!opts.probe) return service.runtime === "running" ? EXIT.ok : EXIT.failure;
  return probe?.ok && (service.runtime === "running" || !service.installed) ? EXIT.ok : EXIT.failure;
}
