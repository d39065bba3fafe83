/**
 * `openclaw onboard` (a wizard, or `--non-interactive --accept-risk` with flags) and `openclaw setup` (the
 * minimal state directory and config, no questions). Both apply an `OnboardPlan` (config/onboard-plan.ts).
 * @module
 */
import type { Command } from "commander";
import { atomicWriteFile, ensurePrivateDir } from "../../files/fs-safe.js";
import { parsePort, type BindMode } from "../../config/gateway-settings.js";
import { getAtPath } from "../../config/key-path.js";
import { readConfigSnapshot } from "../../config/load.js";
import {
  AUTH_CHOICES,
  impliedAuthChoice,
  onboardDefaults,
  planOnboard,
  TAILSCALE_MODES,
  type AuthChoice,
  type OnboardAnswers,
  type OnboardDefaults,
  type OnboardPlan,
} from "../../config/onboard-plan.js";
import type { OpenClawConfig } from "../../config/schema.js";
import { generateToken } from "../../config/token.js";
import { updateConfig } from "../../config/update.js";
import { ensureWorkspace } from "../../agent/workspace.js";
import { saveApiKeyProfile } from "../../providers/auth-profiles.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";

interface OnboardFlags {
  nonInteractive?: boolean;
  acceptRisk?: boolean;
  gatewayPort?: string;
  gatewayBind?: string;
  gatewayAuth?: string;
  gatewayToken?: string;
  gatewayPassword?: string;
  workspace?: string;
  authChoice?: string;
  openaiApiKey?: string;
  anthropicApiKey?: string;
  customBaseUrl?: string;
  customModelId?: string;
  customProviderId?: string;
  customApiKey?: string;
  tailscale?: string;
  installDaemon?: boolean;
  skipHealth?: boolean;
  json?: boolean;
}

const BINDS: readonly BindMode[] = ["loopback", "lan", "tailnet", "auto", "custom"];
const AUTHS = ["token", "password", "none"] as const;

function oneOf<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`${flag} must be one of ${allowed.join(", ")} (got "${raw}")`);
  return raw as T;
}

/** The answers the flags give (validated for form; what is missing is the plan's business). */
function answersFromFlags(flags: OnboardFlags): OnboardAnswers {
  return {
    port: flags.gatewayPort === undefined ? undefined : portFlag(flags.gatewayPort),
    bind: oneOf("--gateway-bind", flags.gatewayBind, BINDS),
    auth: oneOf("--gateway-auth", flags.gatewayAuth, AUTHS),
    token: flags.gatewayToken,
    password: flags.gatewayPassword,
    workspace: flags.workspace,
    authChoice: oneOf("--auth-choice", flags.authChoice, AUTH_CHOICES),
    openaiApiKey: flags.openaiApiKey,
    anthropicApiKey: flags.anthropicApiKey,
    customBaseUrl: flags.customBaseUrl,
    customModelId: flags.customModelId,
    customProviderId: flags.customProviderId,
    customApiKey: flags.customApiKey,
    tailscale: oneOf("--tailscale", flags.tailscale, TAILSCALE_MODES),
  };
}

function portFlag(raw: string): number {
  try {
    return parsePort(raw, "flag");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The current config (refused when broken) and the wizard's defaults from it. */
function currentConfig(ctx: CliContext): { config: OpenClawConfig; defaults: OnboardDefaults } {
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  if (snapshot.exists && !snapshot.valid)
    throw new CliError(`${ctx.paths.configPath} has problems; onboarding will not build on a broken config`, {
      exitCode: EXIT.config,
      hint: "See them with: openclaw config validate (or openclaw doctor --fix)",
    });
  return {
    config: snapshot.config,
    defaults: onboardDefaults(snapshot.config, ctx.paths.workspaceDir, ctx.paths.defaultPort),
  };
}

/** Writes the plan: config (one atomic update), the API key profile, the workspace. */
function applyPlan(ctx: CliContext, plan: OnboardPlan, command: string): void {
  ensurePrivateDir(ctx.paths.stateDir);
  // The key first: a credentials file that cannot be read stops onboarding before the config changes.
  if (plan.profile)
    saveApiKeyProfile(ctx.paths.credentialsDir, plan.profile, (path, text) => atomicWriteFile(path, text));
  updateConfig({
    configPath: ctx.paths.configPath,
    logsDir: ctx.paths.logsDir,
    env: ctx.env,
    edits: plan.edits,
    command,
    now: ctx.now(),
  });
  ensureWorkspace(plan.workspace);
}

async function finish(ctx: CliContext, plan: OnboardPlan, flags: OnboardFlags): Promise<number> {
  let installed: number | undefined;
  if (flags.installDaemon) {
    const { installService } = await import("./gateway-service.js");
    // With --json the outcome is one JSON document: the install's own lines go to stderr instead.
    const quiet = flags.json
      ? { ...ctx, print: ctx.warn, printJson: (v: unknown) => ctx.warn(JSON.stringify(v)) }
      : ctx;
    installed = await installService(quiet, { runtime: "node", force: true, json: false });
  }
  let health: { ok: boolean; latencyMs?: number | undefined; url: string } | undefined;
  if (!flags.skipHealth) {
    const { resolveTarget, probeOne, waitForProbe } = await import("../gateway-rpc.js");
    const target = await resolveTarget(ctx, {});
    health = flags.installDaemon ? await waitForProbe(target, 5000) : await probeOne(target, "local", "Local", 2000);
  }
  const dashboard = `http://${plan.bind === "loopback" ? "127.0.0.1" : "<this host>"}:${plan.port}/`;
  if (flags.json) {
    ctx.printJson({
      ok: installed === undefined || installed === EXIT.ok,
      configPath: ctx.paths.configPath,
      stateDir: ctx.paths.stateDir,
      workspace: plan.workspace,
      port: plan.port,
      bind: plan.bind,
      auth: plan.auth,
      tokenGenerated: plan.tokenGenerated,
      model: plan.model ?? null,
      daemon: flags.installDaemon ? (installed === EXIT.ok ? "installed" : "failed") : "skipped",
      health: health ? { ok: health.ok, latencyMs: health.latencyMs } : null,
      dashboard,
    });
  } else {
    ctx.print(`Config:    ${ctx.paths.configPath}`);
    ctx.print(`Workspace: ${plan.workspace}`);
    ctx.print(
      `Gateway:   port ${plan.port}, bind ${plan.bind}, auth ${plan.auth}${plan.tokenGenerated ? " (token generated)" : ""}`,
    );
    ctx.print(
      `Model:     ${plan.model ?? "none yet (openclaw onboard again, or openclaw config set agents.defaults.model …)"}`,
    );
    if (health?.ok) ctx.print(`Health:    ok (${health.latencyMs}ms)`);
    else if (health && !flags.installDaemon)
      ctx.print("Health:    no gateway running yet. Start it: openclaw gateway (or openclaw gateway install)");
    else if (health) ctx.print("Health:    the service did not answer; see: openclaw gateway status");
    ctx.print(`Dashboard: ${dashboard} (openclaw dashboard opens it with your token)`);
  }
  if (installed !== undefined && installed !== EXIT.ok) return installed;
  return flags.installDaemon && health && !health.ok ? EXIT.failure : EXIT.ok;
}

async function interactive(ctx: CliContext, defaults: OnboardDefaults, flags: OnboardFlags): Promise<OnboardAnswers> {
  // Loaded here only: no other command pays for the prompt library.
  const p = await import("@clack/prompts");
  const ask = async <T>(value: Promise<T>): Promise<Exclude<T, symbol>> => {
    const answer = await value;
    if (p.isCancel(answer)) {
      throw new CliError("onboarding cancelled; nothing was changed");
    }
    return answer as Exclude<T, symbol>;
  };
  const given = answersFromFlags(flags);
  p.intro(`OpenClaw onboarding (profile ${ctx.profile}, ${ctx.paths.stateDir})`);
  const risk = await ask(
    p.confirm({
      message: "The assistant can run commands and change files on this machine, with your rights. Continue?",
      initialValue: true,
    }),
  );
  if (!risk) {
    throw new CliError("onboarding cancelled; nothing was changed");
  }
  const port = Number(
    await ask(
      p.text({
        message: "Gateway port",
        initialValue: String(given.port ?? defaults.port),
        validate: (v) => (/^\d+$/.test(v ?? "") && Number(v) >= 1 && Number(v) <= 65535 ? undefined : "1 to 65535"),
      }),
    ),
  );
  const bind = await ask(
    p.select<BindMode>({
      message: "Who may reach the gateway?",
      initialValue: given.bind ?? defaults.bind,
      options: [
        {
          value: "loopback",
          label: "This machine only (loopback)",
          hint: "recommended; use an SSH tunnel or Tailscale from elsewhere",
        },
        { value: "lan", label: "The local network (lan, 0.0.0.0)", hint: "auth required" },
        { value: "tailnet", label: "My tailnet (the Tailscale address)", hint: "auth required" },
        { value: "auto", label: "Automatic", hint: "loopback, or all addresses in a container" },
      ],
    }),
  );
  const auth = await ask(
    p.select<"token" | "password">({
      message: "How do clients authenticate?",
      initialValue: defaults.auth === "password" ? "password" : "token",
      options: [
        { value: "token", label: "A token", hint: defaults.hasToken ? "keep the current one" : "generated for you" },
        { value: "password", label: "A password", hint: "needed for Tailscale Funnel" },
      ],
    }),
  );
  let password: string | undefined;
  if (auth === "password" && !(defaults.hasPassword && defaults.auth === "password"))
    password = await ask(
      p.password({
        message: "Gateway password (8 characters or more)",
        validate: (v) => ((v ?? "").length >= 8 ? undefined : "at least 8 characters"),
      }),
    );
  const workspace = await ask(
    p.text({ message: "Workspace directory", initialValue: given.workspace ?? defaults.workspace }),
  );
  const choices: { value: AuthChoice | "keep"; label: string; hint?: string }[] = [
    ...(defaults.model ? [{ value: "keep" as const, label: `Keep ${defaults.model}` }] : []),
    { value: "openai-api-key", label: "OpenAI (API key)" },
    { value: "anthropic-api-key", label: "Anthropic (API key)" },
    { value: "custom", label: "A local OpenAI-compatible server", hint: "Ollama, llama.cpp, LM Studio, vLLM" },
    { value: "skip", label: "Skip for now" },
  ];
  const choice = await ask(
    p.select<AuthChoice | "keep">({
      message: "Model provider",
      initialValue: impliedAuthChoice(given) ?? (defaults.model ? "keep" : "openai-api-key"),
      options: choices,
    }),
  );
  const answers: { -readonly [K in keyof OnboardAnswers]: OnboardAnswers[K] } = {
    port,
    bind,
    auth,
    password,
    workspace,
    authChoice: choice === "keep" ? undefined : choice,
  };
  if (choice === "openai-api-key" || choice === "anthropic-api-key") {
    const envName = choice === "openai-api-key" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
    const key = await ask(
      p.password({
        message: ctx.env[envName] ? `API key (empty: use ${envName} from the environment)` : "API key",
        validate: (v) => (v || ctx.env[envName] ? undefined : "an API key is needed for this provider"),
      }),
    );
    if (key) answers[choice === "openai-api-key" ? "openaiApiKey" : "anthropicApiKey"] = key;
  } else if (choice === "custom") {
    answers.customBaseUrl = await ask(
      p.text({
        message: "Server base URL",
        initialValue: given.customBaseUrl ?? "http://127.0.0.1:11434/v1",
        validate: (v) => (/^https?:\/\/\S+$/.test(v ?? "") ? undefined : "an http(s) URL"),
      }),
    );
    answers.customModelId = await ask(
      p.text({
        message: "Model name on that server",
        initialValue: given.customModelId ?? "llama3.2",
        validate: (v) => (v ? undefined : "needed"),
      }),
    );
  }
  const install = await ask(
    p.confirm({ message: "Install the gateway as a service that starts at login?", initialValue: false }),
  );
  flags.installDaemon = install;
  p.outro("Writing the configuration.");
  return answers;
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command("onboard")
    .description("Set up the gateway, its auth, the workspace and a model (a wizard, or --non-interactive)")
    .option("--non-interactive", "no questions: take everything from flags (needs --accept-risk)")
    .option("--accept-risk", "acknowledge that the agent can run commands and change files on this machine")
    .option("--gateway-port <port>", "gateway port (default: the current one, or 18789)")
    .option("--gateway-bind <mode>", "loopback, lan, tailnet, auto or custom")
    .option("--gateway-auth <mode>", "token or password (none only on loopback)")
    .option("--gateway-token <token>", "use this token instead of a generated one")
    .option("--gateway-password <password>", "the password, with --gateway-auth password")
    .option("--workspace <dir>", "the agent's workspace directory")
    .option("--auth-choice <choice>", `model provider: ${AUTH_CHOICES.join(", ")}`)
    .option("--openai-api-key <key>", "OpenAI API key (kept in credentials/auth-profiles.json)")
    .option("--anthropic-api-key <key>", "Anthropic API key (kept in credentials/auth-profiles.json)")
    .option("--custom-base-url <url>", "a local OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1")
    .option("--custom-model-id <id>", "the model's name on that server")
    .option("--custom-provider-id <id>", "the provider id for that server", "local")
    .option("--custom-api-key <key>", "its API key, if it needs one")
    .option("--tailscale <mode>", "off, serve or funnel (funnel needs password auth)")
    .option("--install-daemon", "install and start the gateway service")
    .option("--no-install-daemon", "do not install the service")
    .option("--skip-health", "skip the closing health check")
    .option("--json", "print the outcome as JSON")
    .action(async (flags: OnboardFlags) => {
      const { defaults } = currentConfig(ctx);
      let answers: OnboardAnswers;
      if (flags.nonInteractive) {
        answers = answersFromFlags(flags);
      } else if (!ctx.stdout.isTTY || !process.stdin.isTTY) {
        throw new UsageError(
          "openclaw onboard asks questions and needs a terminal",
          "In scripts: openclaw onboard --non-interactive --accept-risk [--gateway-bind …] [--openai-api-key …]",
        );
      } else answers = await interactive(ctx, defaults, flags);
      const plan = planOnboard(answers, defaults, ctx.env, generateToken);
      const missing = [
        ...plan.problems,
        ...(flags.nonInteractive && !flags.acceptRisk
          ? ["--accept-risk (the agent can run commands and change files here; say you accept that)"]
          : []),
      ];
      if (missing.length)
        throw new CliError(
          `onboarding needs more input; nothing was changed:\n${missing.map((m) => `  - ${m}`).join("\n")}`,
          {
            exitCode: EXIT.usage,
            hint: "Run openclaw onboard --help for every option, or run it in a terminal without --non-interactive.",
          },
        );
      applyPlan(ctx, plan, "onboard");
      done(await finish(ctx, plan, flags));
    });

  program
    .command("setup")
    .description(
      "Create the state directory, a minimal config (with a generated token) and the workspace; no questions",
    )
    .option("--workspace <dir>", "the agent's workspace directory")
    .option("--json", "print the outcome as JSON")
    .action((flags: { workspace?: string; json?: boolean }) => {
      const { config, defaults } = currentConfig(ctx);
      const plan = planOnboard({ workspace: flags.workspace }, defaults, ctx.env, generateToken);
      // setup only fills in what is missing: an existing config keeps every value it has.
      const edits = plan.edits.filter((e) => getAtPath(config, e.path) === undefined);
      applyPlan(ctx, { ...plan, edits }, "setup");
      if (flags.json)
        ctx.printJson({
          ok: true,
          stateDir: ctx.paths.stateDir,
          configPath: ctx.paths.configPath,
          workspace: plan.workspace,
          changed: edits.map((e) => e.path.join(".")),
        });
      else {
        ctx.print(`State:     ${ctx.paths.stateDir}`);
        ctx.print(
          `Config:    ${ctx.paths.configPath}${edits.length ? ` (set ${edits.map((e) => e.path.join(".")).join(", ")})` : " (unchanged)"}`,
        );
        ctx.print(`Workspace: ${plan.workspace}`);
        ctx.print("Next: openclaw onboard (model and service), or openclaw gateway to start it now.");
      }
      done(EXIT.ok);
    });
}
