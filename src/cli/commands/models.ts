/** `openclaw models list|status`: the configured models and whether their credentials are there. @module */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { classifyProviderError } from "../../providers/errors.js";
import { credentialsFor, profileStates } from "../../providers/auth-profiles.js";
import { modelChain, resolveModel, type ResolvedModel } from "../../providers/resolve.js";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";

const KEYLESS = new Set(["ollama", "lmstudio", "vllm"]);

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const models = program.command("models").description("Model providers and their credentials");
  const show = async (opts: { json?: boolean; probe?: boolean }) => {
    const config = loadConfig(ctx.paths.configPath, ctx.env).config;
    const refs = [
      ...new Set([
        ...modelChain(config),
        ...Object.entries(config.models?.providers ?? {}).flatMap(([p, c]) =>
          (c.models ?? []).map((m) => `${p}/${m.id}`),
        ),
      ]),
    ];
    const rows: Record<string, unknown>[] = [];
    const probeWith = new Map<string, ResolvedModel>(); // one model per provider, to probe its profiles with
    for (const ref of refs) {
      let row: Record<string, unknown>;
      try {
        const resolved = resolveModel(ref, config, ctx.env);
        const local = KEYLESS.has(resolved.provider) || /^https?:\/\/(127\.|localhost|\[::1\])/.test(resolved.baseUrl);
        const credentials = credentialsFor({ ...resolved, credentialsDir: ctx.paths.credentialsDir, env: ctx.env });
        const usable = credentials.find((c) => c.apiKey);
        const expired = profileStates(ctx.paths.credentialsDir, resolved.provider).some((p) => p.state === "expired");
        row = {
          ref,
          provider: resolved.provider,
          baseUrl: resolved.baseUrl,
          api: resolved.api,
          keySource: usable?.id ?? "none",
          status: usable || local ? "valid" : expired ? "expired" : "missing",
        };
        if (!probeWith.has(resolved.provider)) probeWith.set(resolved.provider, resolved);
        if (opts.probe && row.status === "valid") row.status = await probe({ ...resolved, apiKey: usable?.apiKey });
      } catch (error) {
        row = { ref, status: "invalid", error: (error as Error).message };
      }
      rows.push(row);
    }
    // Every auth profile, whether or not a configured model uses its provider.
    const profiles: Record<string, unknown>[] = [];
    for (const profile of profileStates(ctx.paths.credentialsDir)) {
      let status: string = profile.state;
      const model = probeWith.get(profile.provider);
      if (opts.probe && status === "valid" && model)
        status = await probe({ ...model, apiKey: profile.credential.apiKey });
      profiles.push({ name: profile.name, provider: profile.provider, type: profile.type, status });
    }
    const primary = modelChain(config)[0] ?? null;
    if (opts.json) ctx.printJson({ primary, models: rows, profiles });
    else if (rows.length === 0 && profiles.length === 0)
      ctx.print("No models configured. Set one: openclaw config set agents.defaults.model openai/gpt-5.1");
    else {
      for (const r of rows)
        ctx.print(
          `${r.ref === primary ? "*" : " "} ${String(r.ref).padEnd(40)} ${String(r.status).padEnd(12)} key: ${r.keySource ?? "-"}`,
        );
      if (profiles.length) ctx.print("\nAuth profiles (credentials/auth-profiles.json):");
      for (const p of profiles) ctx.print(`  ${String(p.name).padEnd(39)} ${String(p.status).padEnd(12)} ${p.type}`);
    }
    done(EXIT.ok);
  };
  models.command("list").description("List the configured models").option("--json", "print as JSON").action(show);
  models
    .command("status")
    .description("Each model's credential state; --probe makes a minimal live call")
    .option("--json", "print as JSON")
    .option("--probe", "make a minimal call to each")
    .action(show);
}

/** A minimal live call: `valid`, or what the provider's refusal means (`invalid`, `billing`, `rate-limited`, …). */
async function probe(resolved: ResolvedModel): Promise<string> {
  const { backendFor } = await import("../../agent/run.js");
  try {
    const stream = backendFor(resolved).stream({
      model: resolved.model,
      messages: [{ role: "user", content: "ping" }],
      tools: [],
      thinking: "off",
      signal: AbortSignal.timeout(20_000),
      maxTokens: 1,
    });
    for await (const event of stream) if (event.type === "done") break;
    return "valid";
  } catch (error) {
    const kind = classifyProviderError(error).kind;
    return kind === "auth" ? "invalid" : kind === "billing" ? "billing" : kind === "rate_limit" ? "rate-limited" : kind;
  }
}
