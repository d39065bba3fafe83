/**
 * The static list of commands: names and one-line summaries for `--help`. Data only: the entry prints
 * help from it without loading any command (the loaders are in `commands.ts`).
 * @module
 */

export interface CommandDescriptor {
  readonly name: string;
  readonly summary: string;
}

export const COMMANDS: readonly CommandDescriptor[] = [
  {
    name: "gateway",
    summary: "Run the gateway (gateway run), or talk to one: gateway call, gateway probe",
  },
  {
    name: "onboard",
    summary: "Set up the gateway, its auth, the workspace and a model (wizard, or --non-interactive)",
  },
  {
    name: "setup",
    summary: "Create the state directory, a minimal config and the workspace, without questions",
  },
  {
    name: "status",
    summary: "Summarise config, gateway, auth, sessions and channels (--all for a bug report)",
  },
  {
    name: "health",
    summary: "Show the running gateway's health snapshot",
  },
  {
    name: "dashboard",
    summary: "Print the gateway's web address with its token in the URL fragment",
  },
  {
    name: "agent",
    summary: "Send a message to the agent and print the answer (--json, --local, --session-id)",
  },
  {
    name: "sessions",
    summary: "List the agent's sessions; sessions show <id> prints a transcript",
  },
  {
    name: "models",
    summary: "List the configured models and whether their credentials work",
  },
  {
    name: "channels",
    summary: "Messaging channels: status (--probe), add, remove",
  },
  {
    name: "pairing",
    summary: "DM pairing: list pending requests, approve a code",
  },
  {
    name: "browser",
    summary:
      "The agent's browser: status, start, stop, profiles, tabs, open, navigate, snapshot, click, type, screenshot, pdf, …",
  },
  {
    name: "message",
    summary: "Send a message through a channel: message send --channel telegram --target <chat> -m <text>",
  },
  {
    name: "devices",
    summary: "Paired devices (Control UI, apps): list, approve, reject, revoke",
  },
  {
    name: "config",
    summary: "Read and change the configuration: get, set, unset, validate, file",
  },
  {
    name: "logs",
    summary: "Show the gateway's JSON-lines logs (--follow, --json, --limit, --level, --since)",
  },
  {
    name: "doctor",
    summary: "Check Node.js, the state directory, the config and the logs; --fix repairs what is safe",
  },
];

export const GLOBAL_OPTIONS: readonly (readonly [string, string])[] = [
  ["--profile <name>", "Use the named profile: state in ~/.openclaw-<name>, its own config and port"],
  ["--dev", "Shorthand for --profile dev (default gateway port 19001)"],
  ["--log-level <level>", "Console log level: trace, debug, info, warn, error, fatal, silent"],
  ["--no-color", "Plain output without colours (NO_COLOR=1 does the same)"],
  ["-V, --version", "Print the version"],
  ["-h, --help", "Show this help; openclaw <command> --help shows a command's options"],
];

/** The top-level help text, built from data only. */
export function renderHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), ...GLOBAL_OPTIONS.map(([flag]) => flag.length)) + 2;
  const lines = [
    `openclaw ${version}: the OpenClaw Gateway and its command line`,
    "",
    "Usage: openclaw [global options] <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Global options:",
    ...GLOBAL_OPTIONS.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
    "",
    "Environment: OPENCLAW_STATE_DIR, OPENCLAW_CONFIG_PATH, OPENCLAW_PROFILE, OPENCLAW_HOME",
    "Exit codes: 0 ok, 1 failure, 2 usage error, 78 configuration error",
    "",
  ];
  return lines.join("\n");
}
