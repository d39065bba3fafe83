/**
 * What onboarding writes, decided from the answers (flags or prompts) and the current config. Pure: the
 * same answers on the same config give the same plan; the command applies it. Existing values are the
 * defaults, so running onboarding again changes only what is asked to change.
 * @module
 */
import type { ConfigEdit } from "./edit.js";
import { BIND_MODE_NAMES, type BindMode } from "./gateway-settings.js";
import type { Env } from "./paths.js";
import type { OpenClawConfig } from "./schema.js";

export const AUTH_CHOICES = ["openai-api-key", "anthropic-api-key", "custom", "skip"] as const;
export type AuthChoice = (typeof AUTH_CHOICES)[number];
export const TAILSCALE_MODES = ["off", "serve", "funnel"] as const;
export type TailscaleMode = (typeof TAILSCALE_MODES)[number];

export const DEFAULT_MODELS: Record<"openai" | "anthropic", string> = {
  openai: "openai/gpt-5.1",
  anthropic: "anthropic/claude-sonnet-4-5",
};

/** The answers, each optional: what is left out keeps its current value (or the default). */
export interface OnboardAnswers {
  readonly port?: number | undefined;
  readonly bind?: BindMode | undefined;
  readonly auth?: "token" | "password" | "none" | undefined;
  readonly token?: string | undefined;
  readonly password?: string | undefined;
  readonly workspace?: string | undefined;
  readonly authChoice?: AuthChoice | undefined;
  readonly openaiApiKey?: string | undefined;
  readonly anthropicApiKey?: string | undefined;
  readonly customBaseUrl?: string | undefined;
  readonly customModelId?: string | undefined;
  readonly customProviderId?: string | undefined;
  readonly customApiKey?: string | undefined;
  readonly tailscale?: TailscaleMode | undefined;
}

/** The current values, shown as defaults by the wizard. */
export interface OnboardDefaults {
  readonly port: number;
  readonly bind: BindMode;
  readonly auth: "token" | "password" | "none" | "trusted-proxy";
  readonly hasToken: boolean;
  readonly hasPassword: boolean;
  readonly workspace: string;
  readonly model: string | undefined;
  /** Where the primary model is written: `{primary, fallbacks}` keeps its fallbacks. */
  readonly modelPath: readonly string[];
  readonly tailscale: TailscaleMode;
}

export interface OnboardPlan {
  readonly edits: ConfigEdit[];
  /** An API key to keep in `credentials/auth-profiles.json` (never in the config). */
  readonly profile?: { name: string; provider: string; key: string } | undefined;
  readonly model: string | undefined;
  readonly workspace: string;
  readonly port: number;
  readonly bind: BindMode;
  readonly auth: OnboardDefaults["auth"];
  readonly tokenGenerated: boolean;
  /** Everything that is missing or refused, each with what to pass; empty when the plan can be applied. */
  readonly problems: string[];
}

export function onboardDefaults(config: OpenClawConfig, workspaceDir: string, defaultPort: number): OnboardDefaults {
  const gateway = config.gateway ?? {};
  const model = config.agents?.defaults?.model;
  return {
    port: gateway.port ?? defaultPort,
    bind: gateway.bind ?? "loopback",
    auth: gateway.auth?.mode ?? (gateway.auth?.password && !gateway.auth?.token ? "password" : "token"),
    hasToken: Boolean(gateway.auth?.token),
    hasPassword: Boolean(gateway.auth?.password),
    workspace: config.agents?.defaults?.workspace ?? workspaceDir,
    model: typeof model === "string" ? model : model?.primary,
    modelPath:
      model && typeof model === "object" ? ["agents", "defaults", "model", "primary"] : ["agents", "defaults", "model"],
    tailscale: gateway.tailscale?.mode ?? "off",
  };
}

/** The provider choice the answers imply: an explicit choice, else the key or URL that was given. */
export function impliedAuthChoice(answers: OnboardAnswers): AuthChoice | undefined {
  if (answers.authChoice) return answers.authChoice;
  if (answers.customBaseUrl) return "custom";
  if (answers.anthropicApiKey) return "anthropic-api-key";
  if (answers.openaiApiKey) return "openai-api-key";
  return undefined;
}

export function planOnboard(
  answers: OnboardAnswers,
  defaults: OnboardDefaults,
  env: Env,
  generateToken: () => string,
): OnboardPlan {
  const problems: string[] = [];
  const port = answers.port ?? defaults.port;
  const tailscale = answers.tailscale ?? defaults.tailscale;
  const bind = answers.bind ?? defaults.bind;
  const auth = answers.auth ?? defaults.auth;
  if (!BIND_MODE_NAMES.includes(bind)) problems.push(`--gateway-bind must be one of ${BIND_MODE_NAMES.join(", ")}`);
  if (auth === "none" && bind !== "loopback")
    problems.push(
      `a ${bind} bind without auth is refused: anyone who can reach the port could run commands here. Use --gateway-auth token (or password), or --gateway-bind loopback`,
    );
  if (auth === "password" && !answers.password && !defaults.hasPassword)
    problems.push("--gateway-password <password> (auth mode password needs one)");
  if (answers.password !== undefined && answers.password.length < 8)
    problems.push("--gateway-password must be at least 8 characters");
  if (answers.token !== undefined && answers.token.length < 16)
    problems.push("--gateway-token must be at least 16 characters (or leave it out to have one generated)");
  // Tailscale Serve and Funnel proxy to a gateway on loopback; Funnel is public, so it needs a password.
  if (tailscale !== "off" && bind !== "loopback")
    problems.push(`--tailscale ${tailscale} needs --gateway-bind loopback (Tailscale proxies to the loopback port)`);
  if (tailscale === "funnel" && auth !== "password")
    problems.push("--tailscale funnel makes the gateway public: it needs --gateway-auth password");

  const edits: ConfigEdit[] = [
    { path: ["gateway", "mode"], value: "local" },
    { path: ["gateway", "port"], value: port },
    { path: ["gateway", "bind"], value: bind },
    { path: ["gateway", "auth", "mode"], value: auth },
  ];
  let tokenGenerated = false;
  if (auth === "token") {
    if (answers.token) edits.push({ path: ["gateway", "auth", "token"], value: answers.token });
    else if (!defaults.hasToken) {
      edits.push({ path: ["gateway", "auth", "token"], value: generateToken() });
      tokenGenerated = true;
    }
  }
  if (auth === "password" && answers.password)
    edits.push({ path: ["gateway", "auth", "password"], value: answers.password });
  if (answers.tailscale !== undefined) edits.push({ path: ["gateway", "tailscale", "mode"], value: tailscale });
  const workspace = answers.workspace ?? defaults.workspace;
  edits.push({ path: ["agents", "defaults", "workspace"], value: workspace });

  let model = defaults.model;
  let profile: OnboardPlan["profile"];
  const choice = impliedAuthChoice(answers);
  if (choice === "openai-api-key" || choice === "anthropic-api-key") {
    const provider = choice === "openai-api-key" ? "openai" : "anthropic";
    const envName = provider === "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
    const key = provider === "openai" ? answers.openaiApiKey : answers.anthropicApiKey;
    if (key) profile = { name: `${provider}:default`, provider, key };
    else if (!env[envName]) problems.push(`--${provider}-api-key <key> (or ${envName} in the environment)`);
    if (!model?.startsWith(`${provider}/`)) model = DEFAULT_MODELS[provider];
  } else if (choice === "custom") {
    const id = answers.customProviderId ?? "local";
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) problems.push("--custom-provider-id: letters, digits, _ . - only");
    if (!answers.customBaseUrl) problems.push("--custom-base-url <url> (for example http://127.0.0.1:11434/v1)");
    else if (!/^https?:\/\/[^\s/]+/.test(answers.customBaseUrl))
      problems.push(`--custom-base-url must be an http(s) URL (got ${JSON.stringify(answers.customBaseUrl)})`);
    if (!answers.customModelId)
      problems.push("--custom-model-id <id> (the model's name on that server, e.g. llama3.2)");
    edits.push({
      path: ["models", "providers", id],
      value: { baseUrl: answers.customBaseUrl, api: "openai-completions" },
    });
    if (answers.customApiKey) profile = { name: `${id}:default`, provider: id, key: answers.customApiKey };
    model = `${id}/${answers.customModelId}`;
  }
  if (model && model !== defaults.model) edits.push({ path: defaults.modelPath, value: model });
  return { edits, profile, model, workspace, port, bind, auth, tokenGenerated, problems };
}
