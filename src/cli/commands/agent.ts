/** `openclaw agent`: one turn through the gateway (or in-process with --local), streamed. @module */
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { THINKING_LEVELS } from "../../config/schema.js";
import { loadConfig } from "../../config/load.js";
import { modelChain, NO_MODEL_HINT } from "../../providers/resolve.js";
import type { ThinkingLevel } from "../../providers/types.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";
import { withGateway } from "../gateway-rpc.js";

interface AgentOptions {
  message: string;
  sessionId?: string;
  agent?: string;
  thinking?: string;
  timeout: string;
  json?: boolean;
  local?: boolean;
  model?: string;
}

interface FinalPayload {
  runId: string;
  status: string;
  result?: {
    payloads: { text: string }[];
    stats: { durationMs: number; tokensIn: number; tokensOut: number };
    meta?: unknown;
  };
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command("agent")
    .description("Send a message to the agent and print its answer (streams; Ctrl-C aborts)")
    .requiredOption("-m, --message <text>", "the message")
    .option("--session-id <id>", "session to use (default: main)")
    .option("--agent <id>", "agent id (default: default)")
    .option("--thinking <level>", `thinking level: ${THINKING_LEVELS.join(", ")}`)
    .option("--model <ref>", "override the model (provider/model)")
    .option("--timeout <seconds>", "give up after this long", "600")
    .option("--json", 'print {"result":{"payloads":[{"text":…}],"stats":{…}}}')
    .option("--local", "run in this process instead of through the gateway")
    .action(async (opts: AgentOptions) => done(await agentCommand(ctx, opts)));
}

async function agentCommand(ctx: CliContext, opts: AgentOptions): Promise<number> {
  if (opts.thinking !== undefined && !(THINKING_LEVELS as readonly string[]).includes(opts.thinking)) {
    throw new UsageError(`Unknown thinking level "${opts.thinking}"`, `Use one of: ${THINKING_LEVELS.join(", ")}`);
  }
  if (!/^\d+$/.test(opts.timeout) || Number(opts.timeout) < 1)
    throw new UsageError(`--timeout takes whole seconds (got "${opts.timeout}")`);
  const snapshot = loadConfig(ctx.paths.configPath, ctx.env);
  if (modelChain(snapshot.config, opts.model).length === 0)
    throw new CliError("no model is configured", { hint: NO_MODEL_HINT });
  const timeoutS = Number(opts.timeout);
  return opts.local ? runLocal(ctx, opts, timeoutS) : runRemote(ctx, opts, timeoutS);
}

function printFinal(ctx: CliContext, final: FinalPayload, json: boolean, streamed: boolean): number {
  if (final.status === "aborted") {
    ctx.warn("Aborted.");
    return 130;
  }
  if (json)
    ctx.printJson({
      result: {
        payloads: final.result?.payloads ?? [],
        stats: final.result?.stats ?? null,
        meta: final.result?.meta ?? null,
      },
    });
  else if (!streamed) ctx.print(final.result?.payloads[0]?.text ?? "");
  else ctx.stdout.write("\n");
  return EXIT.ok;
}

async function runRemote(ctx: CliContext, opts: AgentOptions, timeoutS: number): Promise<number> {
  return withGateway(ctx, {}, 10_000, async (client) => {
    const runId = randomUUID();
    const sessionKey = opts.sessionId ?? "main";
    let streamed = false;
    client.onEvent((event) => {
      const payload = event.payload as { runId?: string; stream?: string; data?: { delta?: string } };
      if (
        opts.json ||
        event.event !== "agent" ||
        payload.runId !== runId ||
        payload.stream !== "assistant" ||
        !payload.data?.delta
      )
        return;
      ctx.stdout.write(payload.data.delta);
      streamed = true;
    });
    const onInt = () => {
      void client.call("chat.abort", { sessionKey, runId }).catch(() => undefined);
    };
    process.once("SIGINT", onInt);
    try {
      const final = await client.call<FinalPayload>(
        "agent",
        {
          message: opts.message,
          idempotencyKey: runId,
          sessionKey,
          ...(opts.agent ? { agentId: opts.agent } : {}),
          ...(opts.thinking ? { thinking: opts.thinking } : {}),
          ...(opts.model ? { model: opts.model } : {}),
          timeout: timeoutS,
        },
        (timeoutS + 30) * 1000,
        { expectFinal: true },
      );
      return printFinal(ctx, final, opts.json === true, streamed);
    } finally {
      process.off("SIGINT", onInt);
    }
  });
}

async function runLocal(ctx: CliContext, opts: AgentOptions, timeoutS: number): Promise<number> {
  // The gateway of this profile owns its session files; a second writer would race its index.
  const { readLock } = await import("../../config/state-lock.js");
  const held = readLock(ctx.paths.stateDir);
  if (held?.alive)
    throw new CliError(
      `a gateway (pid ${held.info.pid}) is running for profile ${ctx.profile}: --local would write the same session files from a second process`,
      { hint: "Run without --local (the turn goes through that gateway), or stop it first: openclaw gateway stop" },
    );
  const { runAgent } = await import("../../agent/run.js");
  const { SessionStore, normalizeSessionKey } = await import("../../sessions/store.js");
  const snapshot = loadConfig(ctx.paths.configPath, ctx.env);
  const agentId = opts.agent ?? "default";
  const controller = new AbortController();
  const onInt = () => controller.abort();
  process.once("SIGINT", onInt);
  let streamed = false;
  try {
    const result = await runAgent({
      store: new SessionStore(ctx.paths.agentsDir, agentId),
      sessionKey: normalizeSessionKey(opts.sessionId, agentId),
      message: opts.message,
      config: snapshot.config,
      env: ctx.env,
      workspace: snapshot.config.agents?.defaults?.workspace ?? ctx.paths.workspaceDir,
      model: opts.model,
      thinking: (opts.thinking as ThinkingLevel | undefined) ?? snapshot.config.agents?.defaults?.thinking ?? "low",
      timeoutMs: timeoutS * 1000,
      signal: controller.signal,
      credentialsDir: ctx.paths.credentialsDir,
      onEvent: (event) => {
        if (!opts.json && event.stream === "assistant") {
          ctx.stdout.write(event.data.delta);
          streamed = true;
        }
      },
    });
    return printFinal(
      ctx,
      {
        runId: "local",
        status: result.aborted ? "aborted" : "ok",
        result: {
          payloads: [{ text: result.text }],
          stats: { durationMs: result.durationMs, tokensIn: result.usage.input, tokensOut: result.usage.output },
          meta: { model: result.model, sessionId: result.sessionId },
        },
      },
      opts.json === true,
      streamed,
    );
  } catch (error) {
    const e = error as Error & { hint?: string };
    throw new CliError(`The agent run failed: ${e.message}`, e.hint ? { hint: e.hint } : {});
  } finally {
    process.off("SIGINT", onInt);
  }
}
