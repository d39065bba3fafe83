// The live provider targets, one place for both the runner (scripts/run-live.mjs) and the tests.
// A target runs only when its key (or, for a local server, its base URL) is in the environment.

export interface LiveTarget {
  readonly id: "openai" | "anthropic" | "local";
  readonly api: string;
  readonly model: string;
  readonly apiKey?: string | undefined;
  readonly baseUrl?: string | undefined;
  /** The variable that enables this target. */
  readonly needs: string;
  readonly available: boolean;
}

export function liveTargets(env: NodeJS.ProcessEnv): LiveTarget[] {
  return [
    {
      id: "openai" as const,
      api: "openai-completions",
      model: env.OPENCLAW_LIVE_OPENAI_MODEL || "gpt-5-mini",
      apiKey: env.OPENAI_API_KEY,
      needs: "OPENAI_API_KEY",
    },
    {
      id: "anthropic" as const,
      api: "anthropic-messages",
      model: env.OPENCLAW_LIVE_ANTHROPIC_MODEL || "claude-haiku-4-5",
      apiKey: env.ANTHROPIC_API_KEY,
      needs: "ANTHROPIC_API_KEY",
    },
    {
      // Any OpenAI-compatible server you run yourself (Ollama, llama.cpp, LM Studio, vLLM).
      id: "local" as const,
      api: "openai-completions",
      model: env.OPENCLAW_LIVE_LOCAL_MODEL || "llama3.2",
      baseUrl: env.OPENCLAW_LIVE_LOCAL_BASE_URL,
      apiKey: env.OPENCLAW_LIVE_LOCAL_API_KEY || "not-needed",
      needs: "OPENCLAW_LIVE_LOCAL_BASE_URL",
    },
  ].map((t): LiveTarget => ({ ...t, available: Boolean(t.id === "local" ? t.baseUrl : t.apiKey) }));
}
