/**
 * Configuration problems as data, and the one error type that carries them to the CLI (exit 78).
 * @module
 */

export type ConfigIssueCode =
  | "parse"
  | "read"
  | "unknown_key"
  | "invalid_type"
  | "invalid_value"
  | "missing_env"
  | "include";

export interface ConfigIssue {
  readonly code: ConfigIssueCode;
  /** Dot path of the key (`gateway.port`), or "" for the whole file. */
  readonly path: string;
  readonly message: string;
  /** File the issue is in, when it is not the main config (an included file). */
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly suggestion?: string;
}

/** An edit that cannot apply to the file as it is (a key inside a value, an index past a list's end). */
export class ConfigEditError extends Error {
  override name = "ConfigEditError";
}

/** A configuration that cannot be used; the CLI maps it to exit code 78. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly configPath: string,
    readonly issues: readonly ConfigIssue[],
    readonly hint?: string,
  ) {
    super(formatConfigIssues(configPath, issues, hint));
  }
}

/** One line per issue, in the form `- gateway.port: Expected a number but got "abc"`. */
export function formatIssueLine(issue: ConfigIssue): string {
  const where =
    issue.line !== undefined
      ? ` (line ${issue.line}${issue.column !== undefined ? `, column ${issue.column}` : ""})`
      : "";
  const file = issue.file ? ` in ${issue.file}` : "";
  const key = issue.path ? `${issue.path}: ` : "";
  const hint = issue.suggestion ? ` (did you mean "${issue.suggestion}"?)` : "";
  return `- ${key}${issue.message}${hint}${file}${where}`;
}

/** The full message: file, issues, and the next step. */
export function formatConfigIssues(configPath: string, issues: readonly ConfigIssue[], hint?: string): string {
  const lines = [`Invalid config at ${configPath}:`, ...issues.map(formatIssueLine)];
  lines.push(hint ?? nextStep(issues));
  return lines.join("\n");
}

function nextStep(issues: readonly ConfigIssue[]): string {
  const unknown = issues.find((issue) => issue.code === "unknown_key");
  if (unknown?.suggestion) {
    const parent = unknown.path.split(".").slice(0, -1).join(".");
    const fixed = parent ? `${parent}.${unknown.suggestion}` : unknown.suggestion;
    return `Fix: rename ${unknown.path} to ${fixed} in the file, or run: openclaw config unset ${unknown.path}. Check again with: openclaw config validate`;
  }
  if (unknown)
    return `Fix: remove the key with: openclaw config unset ${unknown.path}. Check again with: openclaw config validate`;
  const missing = issues.find((issue) => issue.code === "missing_env");
  if (missing)
    return "Fix: set the variable in the environment or in the state directory's .env file, then run: openclaw config validate";
  if (issues.some((issue) => issue.code === "parse"))
    return "Fix: correct the syntax at the line shown (the file is JSON5), then run: openclaw config validate";
  return "Fix: edit the file or use openclaw config set <key> <value>, then run: openclaw config validate";
}
