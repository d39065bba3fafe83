/**
 * From a model reference (`provider/model`) to a backend: the provider's base URL, API style and key,
 * from `models.providers.<id>` or the usual environment variables, with built-in defaults for the
 * common providers.
 * @module
 */
import type { Env } from "../config/paths.js";
import type { OpenClawConfig } from "../config/schema.js";

export interface ResolvedModel {
  readonly ref: string;
  readonly provider: string;
  readonly model: string;
  readonly api: string;
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  /** Where the key came from, never the key: `config`, `OPENAI_API_KEY`, or `none`. */
  readonly keySource: string;
  /** The environment variable that may hold the key. */
  readonly envName: string;
  /** The key set in the config, if any (auth profiles and the environment come after it). */
  readonly configKey?: string | undefined;
}

const BUILTIN: Record<string, { baseUrl: string; api: string; env?: string }> = {
  openai: { baseUrl: "https://api.openai.com/v1", api: "openai-completions", env: "OPENAI_API_KEY" },
  anthropic: { baseUrl: "https://api.anthropic.com", api: "anthropic-messages", env: "ANTHROPIC_API_KEY" },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", api: "openai-completions", env: "OPENROUTER_API_KEY" },
  ollama: { baseUrl: "http://127.0.0.1:11434/v1", api: "openai-completions" },
  lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", api: "openai-completions" },
  vllm: { baseUrl: "http://127.0.0.1:8000/v1", api: "openai-completions" },
};

export class ModelConfigError extends Error {
  override name = "ModelConfigError";
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export const NO_MODEL_HINT = [
  "Configure one of:",
  "  openclaw config set agents.defaults.model openai/gpt-5.1   (and OPENAI_API_KEY in ~/.openclaw/.env)",
  "  openclaw config set agents.defaults.model anthropic/claude-sonnet-4-5   (and ANTHROPIC_API_KEY)",
  '  a local OpenAI-compatible server: openclaw config set models.providers.local \'{baseUrl:"http://127.0.0.1:11434/v1",api:"openai-completions"}\'',
  "                                    openclaw config set agents.defaults.model local/llama3.2",
].join("\n");

/** The primary model and its fallbacks, in order. */
export function modelChain(config: OpenClawConfig, override?: string): string[] {
  if (override) return [override];
  const model = config.agents?.defaults?.model;
  if (typeof model === "string") return [model];
  return [...(model?.primary ? [model.primary] : []), ...(model?.fallbacks ?? [])];
}

export function resolveModel(ref: string, config: OpenClawConfig, env: Env): ResolvedModel {
  const slash = ref.indexOf("/");
  if (slash <= 0)
    throw new ModelConfigError(`model reference ${JSON.stringify(ref)} is not provider/model`, NO_MODEL_HINT);
  const provider = ref.slice(0, slash);
  const model = ref.slice(slash + 1);
  const configured = config.models?.providers?.[provider];
  const builtin = BUILTIN[provider];
  if (!configured && !builtin) {
    throw new ModelConfigError(
      `unknown provider "${provider}" in ${ref}`,
      `Add it: openclaw config set models.providers.${provider} '{baseUrl:"http://…/v1",api:"openai-completions"}'`,
    );
  }
  const api = configured?.api ?? builtin?.api ?? "openai-completions";
  const baseUrl = configured?.baseUrl ?? builtin!.baseUrl;
  const envName = builtin?.env ?? `${provider.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_API_KEY`;
  const apiKey = configured?.apiKey ?? env[envName];
  return {
    ref,
    provider,
    model,
    api,
    baseUrl,
    apiKey,
    keySource: configured?.apiKey ? "config" : env[envName] ? envName : "none",
    envName,
    configKey: configured?.apiKey,
  };
}
