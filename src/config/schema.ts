/**
 * The one schema of `openclaw.json`: every key this project reads, now and in later features.
 * Keys that OpenClaw defines but we do not use are listed in `upstream-keys.ts` instead: they are kept
 * on every write and reported as ignored, never rejected.
 * @module
 */
import * as v from "valibot";

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const nonEmpty = v.pipe(v.string(), v.minLength(1, "Expected a non-empty string"));
const secret = v.pipe(v.string(), v.minLength(1, "Expected a non-empty string"), v.maxLength(4096));
const port = int(1, 65535);
const wsUrl = v.pipe(
  v.string(),
  v.url(),
  v.regex(/^wss?:\/\//, "Expected a ws:// or wss:// URL, for example ws://127.0.0.1:18789"),
);
const httpUrl = v.pipe(
  v.string(),
  v.url(),
  v.regex(/^https?:\/\//, "Expected an http:// or https:// URL, for example http://127.0.0.1:11434/v1"),
);
/** A DevTools endpoint: http(s) for discovery or ws(s) directly; credentials and `?token=` are kept. */
const cdpUrl = v.pipe(
  v.string(),
  v.url("Expected a URL such as http://127.0.0.1:9222"),
  v.regex(/^(https?|wss?):\/\//i, "Expected an http://, https://, ws:// or wss:// URL"),
);
const origin = v.pipe(
  v.string(),
  v.regex(/^https?:\/\/[^/\s]+$/, "Expected an origin such as https://example.com (scheme, host and port, no path)"),
);
const modelRef = v.pipe(
  v.string(),
  v.regex(/^[^/\s]+\/\S+$/, 'Expected a model reference "provider/model", for example openai/gpt-5.1'),
);
/** Every key inside is optional and unknown keys are errors. */
const section = <T extends v.ObjectEntries>(entries: T) => v.optional(v.partial(v.strictObject(entries)));

export const BIND_MODES = ["loopback", "lan", "tailnet", "custom", "auto"] as const;
export const AUTH_MODES = ["token", "password", "none", "trusted-proxy"] as const;
export const RELOAD_MODES = ["off", "hot", "restart", "hybrid"] as const;
export const THINKING_LEVELS = ["off", "minimal", "low", "medium", "high", "xhigh"] as const;
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export const MODEL_APIS = [
  "openai-completions",
  "openai-responses",
  "openai-codex-responses",
  "anthropic-messages",
  "google-generative-ai",
  "github-copilot",
  "bedrock-converse-stream",
  "ollama",
  "azure-openai-responses",
] as const;

const providerModel = v.looseObject({
  id: nonEmpty,
  name: v.optional(v.string()),
  api: v.optional(v.picklist(MODEL_APIS)),
  reasoning: v.optional(v.boolean()),
  input: v.optional(v.array(v.picklist(["text", "image"]))),
  contextWindow: v.optional(int(1, 100_000_000)),
  maxTokens: v.optional(int(1, 100_000_000)),
});

const provider = v.partial(
  v.strictObject({
    baseUrl: httpUrl,
    apiKey: secret,
    auth: v.picklist(["api-key", "aws-sdk", "oauth", "token"]),
    api: v.picklist(MODEL_APIS),
    headers: v.record(v.string(), v.string()),
    authHeader: v.boolean(),
    models: v.array(providerModel),
  }),
);

export const DM_POLICIES = ["pairing", "allowlist", "open", "disabled"] as const;
export const GROUP_POLICIES = ["open", "allowlist", "disabled"] as const;
export const DM_SCOPES = ["main", "per-peer", "per-channel-peer", "per-account-channel-peer"] as const;
const accountId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{1,64}$/, "Expected an account id (letters, digits, _ and -)"),
);
const senderIds = v.array(v.union([v.pipe(v.string(), v.maxLength(256)), v.number()]));
/** One Telegram account's keys (also the channel root's, which accounts inherit). */
/** A WhatsApp sender as upstream writes it: an E.164 number (`+15551234567`), or "*". */
const phoneIds = v.array(
  v.pipe(
    v.union([v.string(), v.number()]),
    v.check(
      (id) => String(id).trim() === "*" || /^(whatsapp:)?\+?[\d\s()-]{6,20}$/.test(String(id).trim()),
      'Expected a phone number in E.164 form, for example "+15551234567", or "*"',
    ),
  ),
);

/** The keys every channel account has: switched on, named, who may talk to it (ids in the channel's form). */
const accountKeys = (ids: typeof senderIds | typeof phoneIds) => ({
  enabled: v.optional(v.boolean()),
  name: v.optional(v.string()),
  dmPolicy: v.optional(v.picklist(DM_POLICIES)),
  allowFrom: v.optional(ids),
  groupPolicy: v.optional(v.picklist(GROUP_POLICIES)),
  groupAllowFrom: v.optional(ids),
});

/** `groups.<id|"*">`: a listed group, whether it needs a mention, and who in it may talk. */
const groupsKey = (ids: typeof senderIds | typeof phoneIds) =>
  v.optional(
    v.record(
      v.string(),
      v.looseObject({
        requireMention: v.optional(v.boolean()),
        enabled: v.optional(v.boolean()),
        allowFrom: v.optional(ids),
      }),
    ),
  );

const telegramAccount = {
  ...accountKeys(senderIds),
  botToken: v.optional(secret),
  tokenFile: v.optional(nonEmpty),
  apiRoot: v.optional(
    v.pipe(
      httpUrl,
      v.check((url) => !/\/bot[^/]*\/?$/.test(url), "apiRoot must not end in /bot<token>: give the server's root"),
    ),
  ),
  groups: groupsKey(senderIds),
  textChunkLimit: v.optional(int(1, 4096)),
  pollTimeoutSeconds: v.optional(int(0, 50)),
  stallSeconds: v.optional(int(1, 600)),
  webhookUrl: v.optional(httpUrl),
  webhookSecret: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9_-]{1,256}$/, "Expected 1 to 256 of A-Z, a-z, 0-9, _ and - (Telegram's rule)"),
    ),
  ),
  webhookPath: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\/[\w./-]{0,200}$/, "Expected a path such as /telegram-webhook"),
      v.check((p) => p !== "/healthz", "/healthz is reserved"),
    ),
  ),
  webhookHost: v.optional(nonEmpty),
  webhookPort: v.optional(int(0, 65535)),
};

/** One Discord account's keys (also the channel root's). */
const discordAccount = {
  ...accountKeys(senderIds),
  token: v.optional(secret),
  tokenFile: v.optional(nonEmpty),
  guilds: v.optional(
    v.record(
      v.string(),
      v.looseObject({
        requireMention: v.optional(v.boolean()),
        enabled: v.optional(v.boolean()),
        users: v.optional(senderIds),
        roles: v.optional(v.array(v.string())),
        channels: v.optional(v.union([v.array(v.string()), v.record(v.string(), v.looseObject({}))])),
      }),
    ),
  ),
  allowBots: v.optional(v.union([v.boolean(), v.literal("mentions")])),
  intents: v.optional(v.looseObject({ messageContent: v.optional(v.boolean()) })),
  textChunkLimit: v.optional(int(1, 2000)),
  maxLinesPerMessage: v.optional(int(1, 1000)),
  stallSeconds: v.optional(int(1, 600)),
};

/** One WhatsApp account's keys (also the channel root's). */
const whatsappAccount = {
  ...accountKeys(phoneIds),
  authDir: v.optional(nonEmpty),
  groups: groupsKey(phoneIds),
  sendReadReceipts: v.optional(v.boolean()),
  textChunkLimit: v.optional(int(1, 4000)),
  /** How long a connected socket may carry no traffic before it is declared dead and replaced. */
  watchdogMs: v.optional(int(10_000, 3_600_000)),
};

/** Upstream's rules: `allowlist` needs a sender, `open` needs "*" (with concrete ids only, it admits only those). */
const dmPolicyRule = <T extends { dmPolicy?: string | undefined; allowFrom?: (string | number)[] | undefined }>() =>
  v.check<T, string>(
    (input) =>
      input.dmPolicy === "allowlist"
        ? (input.allowFrom ?? []).length > 0
        : input.dmPolicy === "open"
          ? (input.allowFrom ?? []).map(String).includes("*")
          : true,
    'dmPolicy "allowlist" needs at least one allowFrom entry, and "open" needs "*" in allowFrom (for example allowFrom: ["*"])',
  );
/** Telegram sends the secret back with every update: a webhook without one would accept anybody's posts. */
const webhookRule = <T extends { webhookUrl?: string | undefined; webhookSecret?: string | undefined }>() =>
  v.check<T, string>(
    (input) => input.webhookUrl === undefined || input.webhookSecret !== undefined,
    "webhookUrl needs webhookSecret (1 to 256 of A-Z, a-z, 0-9, _ and -), for example: openssl rand -hex 32",
  );

export const configSchema = v.partial(
  v.strictObject({
    gateway: section({
      mode: v.picklist(["local", "remote"]),
      port,
      bind: v.picklist(BIND_MODES),
      customBind: v.pipe(v.string(), v.ip("Expected an IP address, for example 192.168.1.10")),
      // Upstream's name for customBind; both are read, customBind wins.
      customBindHost: v.pipe(v.string(), v.ip("Expected an IP address, for example 192.168.1.10")),
      auth: section({
        mode: v.picklist(AUTH_MODES),
        token: secret,
        password: secret,
        allowTailscale: v.boolean(),
        rateLimit: section({
          maxAttempts: int(1, 10_000),
          windowMs: int(1_000, 86_400_000),
          lockoutMs: int(0, 86_400_000),
          exemptLoopback: v.boolean(),
        }),
      }),
      controlUi: section({
        enabled: v.boolean(),
        basePath: v.pipe(v.string(), v.regex(/^\/[\w./-]*$/, "Expected a path starting with /")),
        root: v.pipe(
          v.string(),
          v.check((p) => p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p), "Expected an absolute path to a built UI"),
        ),
        allowedOrigins: v.array(origin),
        /** Count any page whose origin host equals the Host header as the gateway's own (behind a proxy). */
        dangerouslyAllowHostHeaderOriginFallback: v.boolean(),
      }),
      tailscale: section({
        mode: v.picklist(["off", "serve", "funnel"]),
        resetOnExit: v.boolean(),
      }),
      tls: section({
        enabled: v.boolean(),
        autoGenerate: v.boolean(),
        certPath: nonEmpty,
        keyPath: nonEmpty,
        caPath: nonEmpty,
      }),
      remote: section({
        enabled: v.boolean(),
        url: wsUrl,
        transport: v.picklist(["ssh", "direct"]),
        token: secret,
        password: secret,
        tlsFingerprint: v.string(),
        sshTarget: v.string(),
        sshIdentity: v.string(),
      }),
      reload: section({
        mode: v.picklist(RELOAD_MODES),
        debounceMs: int(0, 60_000),
        deferralTimeoutMs: int(0, 3_600_000),
      }),
      /** `GET /metrics` (Prometheus text format, behind the gateway's auth). */
      metrics: section({ enabled: v.boolean() }),
      trustedProxies: v.array(
        v.pipe(v.string(), v.regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "Expected an IP address or CIDR range")),
      ),
    }),
    agents: section({
      defaults: section({
        model: v.union([modelRef, v.partial(v.strictObject({ primary: modelRef, fallbacks: v.array(modelRef) }))]),
        workspace: nonEmpty,
        thinking: v.picklist(THINKING_LEVELS),
      }),
      list: v.array(
        v.looseObject({
          id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "Expected an agent id (letters, digits, _ and -)")),
          default: v.optional(v.boolean()),
          workspace: v.optional(nonEmpty),
          model: v.optional(modelRef),
        }),
      ),
    }),
    models: section({
      mode: v.picklist(["merge", "replace"]),
      providers: v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, "Expected a provider id")), provider),
    }),
    // Channels we run have their keys checked; OpenClaw's other keys in those sections, and other channels'
    // sections, are kept as they are (loose).
    channels: v.optional(
      v.looseObject({
        telegram: v.optional(
          v.pipe(
            v.looseObject({
              ...telegramAccount,
              accounts: v.optional(
                v.record(accountId, v.pipe(v.looseObject(telegramAccount), dmPolicyRule(), webhookRule())),
              ),
              defaultAccount: v.optional(accountId),
            }),
            dmPolicyRule(),
            webhookRule(),
          ),
        ),
        discord: v.optional(
          v.pipe(
            v.looseObject({
              ...discordAccount,
              accounts: v.optional(v.record(accountId, v.pipe(v.looseObject(discordAccount), dmPolicyRule()))),
              defaultAccount: v.optional(accountId),
            }),
            dmPolicyRule(),
          ),
        ),
        whatsapp: v.optional(
          v.pipe(
            v.looseObject({
              ...whatsappAccount,
              accounts: v.optional(v.record(accountId, v.pipe(v.looseObject(whatsappAccount), dmPolicyRule()))),
              defaultAccount: v.optional(accountId),
            }),
            dmPolicyRule(),
          ),
        ),
      }),
    ),
    session: v.optional(
      v.looseObject({
        dmScope: v.optional(v.picklist(DM_SCOPES)),
        groupScope: v.optional(v.picklist(["per-group", "main"])),
      }),
    ),
    logging: section({
      level: v.picklist(LOG_LEVELS),
      consoleLevel: v.picklist(LOG_LEVELS),
      consoleStyle: v.picklist(["pretty", "compact", "json"]),
      file: nonEmpty,
      maxFileBytes: int(64 * 1024, 10 * 1024 * 1024 * 1024),
      retentionDays: int(1, 3650),
      redactSensitive: v.picklist(["off", "tools"]),
    }),
    env: v.optional(v.looseObject({ vars: v.optional(v.record(v.string(), v.string())) })),
    // The agent's browser. Loose: upstream's other keys (profiles, snapshotDefaults, …) are kept as they are.
    browser: v.optional(
      v.looseObject({
        enabled: v.optional(v.boolean()),
        executablePath: v.optional(nonEmpty),
        headless: v.optional(v.boolean()),
        noSandbox: v.optional(v.boolean()),
        idleMinutes: v.optional(int(1, 24 * 60)),
        extraArgs: v.optional(v.array(v.string())),
        evaluateEnabled: v.optional(v.boolean()),
        attachOnly: v.optional(v.boolean()),
        cdpUrl: v.optional(cdpUrl),
        defaultProfile: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,64}$/, "Expected a profile name"))),
        profiles: v.optional(
          v.record(
            v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,64}$/, "Profile names are lower-case letters, digits and -")),
            v.looseObject({
              cdpPort: v.optional(int(1, 65535)),
              cdpUrl: v.optional(cdpUrl),
              attachOnly: v.optional(v.boolean()),
              headless: v.optional(v.boolean()),
              executablePath: v.optional(nonEmpty),
              driver: v.optional(v.picklist(["openclaw", "clawd", "existing-session", "extension"])),
            }),
          ),
        ),
        ssrfPolicy: v.optional(
          v.looseObject({
            dangerouslyAllowPrivateNetwork: v.optional(v.boolean()),
            allowPrivateNetwork: v.optional(v.boolean()),
            allowedHostnames: v.optional(v.array(v.pipe(v.string(), v.maxLength(253)))),
            blockedHostnames: v.optional(v.array(v.pipe(v.string(), v.maxLength(253)))),
          }),
        ),
      }),
    ),
    tools: section({
      web: section({
        fetch: section({
          allowPrivateNetwork: v.boolean(),
          maxBytes: int(1024, 20 * 1024 * 1024),
          timeoutSeconds: int(1, 300),
        }),
        search: section({
          apiKey: secret,
          baseUrl: httpUrl,
          count: int(1, 20),
        }),
      }),
    }),
  }),
);

export type OpenClawConfig = v.InferOutput<typeof configSchema>;

/** Defaults applied by readers (never written into the file); listed once so messages can show them. */
export const CONFIG_DEFAULTS: Readonly<Record<string, unknown>> = {
  "gateway.port": 18789,
  "gateway.bind": "loopback",
  "gateway.auth.mode": "token",
  "gateway.reload.mode": "hybrid",
  "gateway.reload.debounceMs": 300,
  "gateway.controlUi.enabled": true,
  "gateway.tailscale.mode": "off",
  "logging.level": "info",
  "logging.maxFileBytes": 100 * 1024 * 1024,
  "logging.retentionDays": 14,
  "agents.defaults.thinking": "low",
};

type AnySchema = v.GenericSchema;

/** What the schema says about a key path: known and its schema, free-form (records, loose objects), or unknown. */
export type PathLookup =
  | { kind: "known"; schema: AnySchema }
  | { kind: "open" }
  | { kind: "unknown"; at: number; keys: string[] };

/** Follows a key path through the schema, for `config set` checks and near-miss suggestions. */
export function lookupPath(path: readonly (string | number)[]): PathLookup {
  let current: AnySchema = configSchema as unknown as AnySchema;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const node = unwrap(current);
    const type = node.type;
    if (type === "strict_object" || type === "object" || type === "loose_object") {
      const entries = (node as unknown as { entries: Record<string, AnySchema> }).entries;
      const next = typeof segment === "string" ? entries[segment] : undefined;
      if (next) {
        current = next;
        continue;
      }
      if (type === "loose_object") return { kind: "open" };
      return { kind: "unknown", at: i, keys: Object.keys(entries) };
    }
    if (type === "record") {
      current = (node as unknown as { value: AnySchema }).value;
      continue;
    }
    if (type === "array") {
      if (typeof segment !== "number") return { kind: "unknown", at: i, keys: [] };
      current = (node as unknown as { item: AnySchema }).item;
      continue;
    }
    if (type === "union") return { kind: "open" };
    return { kind: "unknown", at: i, keys: [] };
  }
  return { kind: "known", schema: current };
}

function unwrap(schema: AnySchema): AnySchema {
  let current = schema as AnySchema & { wrapped?: AnySchema };
  // optional(optional(x)) nests at most a few levels; the bound keeps a malformed schema from looping.
  for (let guard = 0; guard < 8 && current.wrapped; guard++) current = current.wrapped as typeof current;
  return current;
}
