/** `openclaw gateway [run]`, `gateway call`, `gateway probe`. @module */
import type { Command } from "commander";
import { systemNetworkWorld } from "../../config/bind-world.js";
import { ConfigError } from "../../config/issues.js";
import type { GatewayTarget } from "../../config/gateway-target.js";
import { readConfigSnapshot } from "../../config/load.js";
import { VERSION } from "../../version.js";
import type { CliContext } from "../command.js";
import { registerServiceCommands } from "./gateway-service.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import { addRpcOptions, parseTimeout, probeOne, resolveTarget, withGateway, type RpcOptions } from "../gateway-rpc.js";

interface RunOptions {
  port?: string;
  bind?: string;
  auth?: string;
  token?: string;
  password?: string;
  allowUnconfigured?: boolean;
  force?: boolean;
  verbose?: boolean;
}

function addRunOptions(command: Command): Command {
  return command
    .option("--port <port>", "port for HTTP and WebSocket (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789)")
    .option(
      "--bind <mode>",
      "loopback, lan, tailnet, custom or auto (default: OPENCLAW_GATEWAY_BIND, gateway.bind, loopback)",
    )
    .option("--auth <mode>", "token, password or none (none only on loopback)")
    .option("--token <token>", "shared token (default: OPENCLAW_GATEWAY_TOKEN, gateway.auth.token, generated)")
    .option("--password <password>", "shared password (default: OPENCLAW_GATEWAY_PASSWORD, gateway.auth.password)")
    .option("--allow-unconfigured", "start even when gateway.mode is remote")
    .option("--force", "stop an earlier gateway of this profile that holds the state directory or port")
    .option("--verbose", "debug output on the console");
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const gateway = addRunOptions(program.command("gateway").description("Run the gateway, or talk to a running one"))
    .enablePositionalOptions()
    .action(async (opts: RunOptions) => done(await runCommand(ctx, opts)));
  addRunOptions(
    gateway.command("run").description("Run the gateway in the foreground (the same as plain `openclaw gateway`)"),
  ).action(async (opts: RunOptions) => done(await runCommand(ctx, opts)));

  addRpcOptions(
    gateway
      .command("call")
      .description("Call a gateway method and print its result")
      .argument("<method>", "method name, e.g. health"),
    10_000,
  )
    .option("--params <json>", "parameters as a JSON object", "{}")
    .option("--json", "print only the JSON result")
    .action(async (method: string, opts: RpcOptions & { params: string; json?: boolean }) =>
      done(await callCommand(ctx, method, opts)),
    );

  addRpcOptions(
    gateway.command("probe").description("Check that the local (and the configured remote) gateway answers"),
    3000,
  )
    .option("--json", "print the result as JSON")
    .action(async (opts: RpcOptions & { json?: boolean }) => done(await probeCommand(ctx, opts)));

  registerServiceCommands(gateway, ctx, done);
}

async function runCommand(ctx: CliContext, opts: RunOptions): Promise<number> {
  const { runGateway, GatewayStartError } = await import("../../gateway/run.js");
  try {
    return await runGateway({
      paths: ctx.paths,
      env: ctx.env,
      flags: { port: opts.port, bind: opts.bind, auth: opts.auth, token: opts.token, password: opts.password },
      allowUnconfigured: opts.allowUnconfigured === true,
      force: opts.force === true,
      verbose: opts.verbose === true || ctx.logLevel === "debug" || ctx.logLevel === "trace",
      version: VERSION,
      network: systemNetworkWorld(ctx.env),
      console: ctx.stderr,
      color: ctx.color && ctx.stderr.isTTY === true,
      signals: process,
    });
  } catch (error) {
    if (error instanceof GatewayStartError)
      throw new CliError(`Gateway failed to start: ${error.message}`, {
        exitCode: error.exitCode,
        ...(error.hint ? { hint: error.hint } : {}),
      });
    throw error;
  }
}

async function callCommand(
  ctx: CliContext,
  method: string,
  opts: RpcOptions & { params: string; json?: boolean },
): Promise<number> {
  let params: unknown;
  try {
    params = JSON.parse(opts.params);
  } catch (error) {
    throw new UsageError(
      `--params is not valid JSON: ${(error as Error).message}`,
      `Example: --params '{"probe":true}'`,
    );
  }
  return withGateway(ctx, opts, 10_000, async (client, _target, timeoutMs) => {
    const result = await client.call(method, params, timeoutMs);
    if (!opts.json) ctx.print(`Gateway call: ${method}`);
    ctx.printJson(result);
    return EXIT.ok;
  });
}

async function probeCommand(ctx: CliContext, opts: RpcOptions & { json?: boolean }): Promise<number> {
  const timeoutMs = parseTimeout(opts.timeout, 3000);
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  if (!snapshot.valid) throw new ConfigError(snapshot.path, snapshot.issues);
  const targets: { target: GatewayTarget; id: string; label: string }[] = [];
  const resolve = (flags: RpcOptions, config = snapshot.config) => resolveTarget(ctx, flags, config);
  const primary = await resolve(opts);
  targets.push({
    target: primary,
    id: "primary",
    label:
      primary.urlSource === "local config"
        ? "Local loopback"
        : primary.urlSource === "remote config"
          ? "Remote (configured)"
          : "URL (explicit)",
  });
  // With no explicit URL, also probe the configured remote gateway when there is one (and the reverse).
  const remoteUrl = snapshot.config.gateway?.remote?.url;
  if (!opts.url && !ctx.env.OPENCLAW_GATEWAY_URL && remoteUrl && primary.urlSource === "local config") {
    try {
      const remote = await resolve(
        { ...opts, url: remoteUrl },
        { ...snapshot.config, gateway: { ...snapshot.config.gateway, mode: "remote" } },
      );
      targets.push({ target: remote, id: "remote", label: "Remote (configured, inactive)" });
    } catch (error) {
      ctx.warn(`Skipping the configured remote gateway: ${(error as Error).message}`);
    }
  }
  const results = await Promise.all(targets.map((t) => probeOne(t.target, t.id, t.label, timeoutMs)));
  const ok = results.some((r) => r.ok);
  if (opts.json) {
    ctx.printJson({ ok, degraded: ok && results.some((r) => !r.ok), primaryTargetId: "primary", targets: results });
  } else {
    for (const [i, r] of results.entries()) {
      if (i > 0) ctx.print("");
      if (results.length > 1) ctx.print(`${r.label}:`);
      ctx.print(r.ok ? `Gateway probe: ok (${r.latencyMs}ms)` : `Gateway probe: failed (${r.error!.kind})`);
      ctx.print(`WS URL: ${r.url}`);
      ctx.print(`Auth: ${r.auth}`);
      if (r.ok && r.version) ctx.print(`Version: ${r.version} (protocol ${r.protocol})`);
      if (!r.ok) {
        ctx.print(`Reason: ${r.error!.message}`);
        ctx.print(`Next: ${r.error!.hint}`);
      }
    }
  }
  return ok ? EXIT.ok : EXIT.failure;
}
