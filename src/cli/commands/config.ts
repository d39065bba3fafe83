/** `openclaw config get|set|unset|validate|file`. @module */
import type { Command } from "commander";
import JSON5 from "json5";
import { ConfigError } from "../../config/issues.js";
import { getAtPath, parseKeyPath, type KeySegment } from "../../config/key-path.js";
import { formatKeyPath, loadConfig, readConfigSnapshot } from "../../config/load.js";
import { CONFIG_DEFAULTS, lookupPath } from "../../config/schema.js";
import { isSecretPath, redactConfig, REDACTED } from "../../config/secrets.js";
import { closest } from "../../config/suggest.js";
import { isUpstreamOnlyPath } from "../../config/upstream-keys.js";
import type { CliContext } from "../command.js";
import { CliError, EXIT, UsageError } from "../errors.js";

export const MAX_VALUE_BYTES = 64 * 1024;

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const config = program.command("config").description("Read and change the configuration (openclaw.json, JSON5)");

  config
    .command("get")
    .description("Print the value at a key path, e.g. gateway.port (secrets are masked)")
    .argument("<path>", "key path: gateway.port, agents.list[0].id, models.providers.openai.apiKey")
    .option("--json", "print the value as JSON")
    .option("--show-secrets", "print secret values (tokens, passwords, API keys) instead of masking them")
    .action((path: string, opts: { json?: boolean; showSecrets?: boolean }) => done(getCommand(ctx, path, opts)));

  config
    .command("set")
    .description("Set a key; the value is read as JSON5 when it parses, else as a string")
    .argument("<path>", "key path, e.g. gateway.port")
    .argument("<value>", 'value, e.g. 18790, true, "text", [1,2], {a:1}')
    .option("--strict-json", "require the value to be valid JSON")
    .option("--json", "print the outcome as JSON")
    .action(async (path: string, value: string, opts: { strictJson?: boolean; json?: boolean }) =>
      done(await setCommand(ctx, path, value, opts)),
    );

  config
    .command("unset")
    .description("Remove a key from the config file")
    .argument("<path>", "key path, e.g. gateway.auth.password")
    .option("--json", "print the outcome as JSON")
    .action(async (path: string, opts: { json?: boolean }) => done(await unsetCommand(ctx, path, opts)));

  config
    .command("validate")
    .description("Check the config and list every problem (exit 78 when invalid)")
    .option("--json", "print the result as JSON")
    .action((opts: { json?: boolean }) => done(validateCommand(ctx, opts)));

  config
    .command("file")
    .description("Print the path of the config file this profile uses")
    .option("--json", "print the path and whether it exists as JSON")
    .action((opts: { json?: boolean }) => {
      const snapshot = opts.json ? readConfigSnapshot(ctx.paths.configPath, ctx.env) : undefined;
      if (snapshot)
        ctx.printJson({
          path: ctx.paths.configPath,
          exists: snapshot.exists,
          profile: ctx.profile,
          stateDir: ctx.paths.stateDir,
        });
      else ctx.print(ctx.paths.configPath);
      done(EXIT.ok);
    });
}

function getCommand(ctx: CliContext, path: string, opts: { json?: boolean; showSecrets?: boolean }): number {
  const segments = parseKeyPath(path);
  const snapshot = loadConfig(ctx.paths.configPath, ctx.env);
  let value = getAtPath(snapshot.resolved, segments);
  let source = "config";
  if (value === undefined) {
    const fallback = CONFIG_DEFAULTS[formatKeyPath(segments)];
    if (fallback === undefined) throw notSet(segments);
    value = fallback;
    source = "default";
  }
  if (!opts.showSecrets)
    value = isSecretPath(segments) && typeof value !== "object" ? REDACTED : redactConfig(value, segments);
  if (opts.json) ctx.printJson(value);
  else ctx.print(typeof value === "string" ? value : JSON.stringify(value, null, 2));
  if (source === "default")
    ctx.warn(`(${formatKeyPath(segments)} is not set in ${ctx.paths.configPath}; this is the default)`);
  if (value === REDACTED) ctx.warn(`${path} is a secret and is masked; add --show-secrets to print it.`);
  return EXIT.ok;
}

function notSet(segments: KeySegment[]): CliError {
  const unknown = describeUnknownKey(segments);
  if (unknown) return new CliError(unknown.message, { hint: unknown.hint });
  const path = formatKeyPath(segments);
  return new CliError(`${path} is not set`, { hint: `Set it with: openclaw config set ${path} <value>` });
}

/** For a path the schema does not know: the message with a near-miss suggestion, and the keys that exist there. */
function describeUnknownKey(segments: KeySegment[]): { message: string; hint: string } | undefined {
  if (isUpstreamOnlyPath(segments)) return undefined;
  const lookup = lookupPath(segments);
  if (lookup.kind !== "unknown") return undefined;
  const wrong = segments[lookup.at];
  const guess = typeof wrong === "string" ? closest(wrong, lookup.keys) : undefined;
  const parent = formatKeyPath(segments.slice(0, lookup.at));
  const full = formatKeyPath(segments.slice(0, lookup.at + 1));
  if (lookup.keys.length === 0 && parent) {
    return {
      message: `${parent} holds a single value, so it has no key ${JSON.stringify(wrong)}`,
      hint: `Set it directly: openclaw config set ${parent} <value>`,
    };
  }
  return {
    message: `${full} is not a config key${guess ? ` (did you mean ${parent ? `${parent}.` : ""}${guess}?)` : ""}`,
    hint: lookup.keys.length
      ? `Keys${parent ? ` under ${parent}` : ""}: ${lookup.keys.join(", ")}`
      : "See docs/CONFIGURATION.md for the keys.",
  };
}

function parseValue(raw: string, segments: KeySegment[], strict: boolean): unknown {
  if (Buffer.byteLength(raw) > MAX_VALUE_BYTES) {
    throw new UsageError(
      `The value is larger than ${MAX_VALUE_BYTES} bytes`,
      "Edit the file directly for large values, or use $include.",
    );
  }
  if (strict) {
    try {
      return JSON.parse(raw) as unknown;
    } catch (error) {
      throw new UsageError(
        `--strict-json: the value is not valid JSON (${(error as Error).message})`,
        `Quote strings as JSON, e.g. '"text"'`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(raw);
  } catch {
    return raw;
  }
  // A key that holds text keeps digits and words as text: `config set gateway.auth.token 123456`.
  const lookup = lookupPath(segments);
  if (
    lookup.kind === "known" &&
    isStringSchema(lookup.schema) &&
    typeof parsed !== "string" &&
    (typeof parsed !== "object" || parsed === null)
  )
    return raw;
  return parsed;
}

function isStringSchema(schema: { type: string; wrapped?: unknown }): boolean {
  let current: { type: string; wrapped?: unknown } = schema;
  for (let i = 0; i < 4 && current.wrapped; i++) current = current.wrapped as typeof current;
  return current.type === "string";
}

function checkKnownKey(segments: KeySegment[]): void {
  const unknown = describeUnknownKey(segments);
  if (unknown)
    throw new CliError(`${unknown.message}; nothing was written`, { exitCode: EXIT.config, hint: unknown.hint });
}

async function setCommand(
  ctx: CliContext,
  path: string,
  raw: string,
  opts: { strictJson?: boolean; json?: boolean },
): Promise<number> {
  const segments = parseKeyPath(path);
  checkKnownKey(segments);
  const value = parseValue(raw, segments, opts.strictJson === true);
  // The editor (jsonc-parser) loads only for writes, keeping `config get` fast.
  const { updateConfig } = await import("../../config/update.js");
  const outcome = updateConfig({
    configPath: ctx.paths.configPath,
    logsDir: ctx.paths.logsDir,
    env: ctx.env,
    edits: [{ path: segments, value }],
    command: "config set",
    now: ctx.now(),
  });
  const changed = outcome.changedPaths.length > 0;
  const secret = isSecretPath(segments);
  if (opts.json) {
    ctx.printJson({
      ok: true,
      path: formatKeyPath(segments),
      changed,
      configPath: ctx.paths.configPath,
      hash: outcome.hashAfter,
    });
  } else if (!changed) {
    ctx.print(`${formatKeyPath(segments)} already has that value; nothing written.`);
  } else {
    const shown = secret ? "(secret, not shown)" : JSON.stringify(value);
    ctx.print(`Set ${formatKeyPath(segments)} = ${shown} in ${ctx.paths.configPath}`);
  }
  if (changed && !outcome.preservedFormatting) {
    ctx.warn(
      "Note: the file used JSON5-only syntax, so it was rewritten as plain JSON and its comments were not kept (a backup is in openclaw.json.bak.1).",
    );
  }
  if (isUpstreamOnlyPath(segments))
    ctx.warn(
      `Note: ${formatKeyPath(segments)} is an OpenClaw setting this gateway does not use; it is kept in the file.`,
    );
  return EXIT.ok;
}

async function unsetCommand(ctx: CliContext, path: string, opts: { json?: boolean }): Promise<number> {
  const segments = parseKeyPath(path);
  const { updateConfig } = await import("../../config/update.js");
  const outcome = updateConfig({
    configPath: ctx.paths.configPath,
    logsDir: ctx.paths.logsDir,
    env: ctx.env,
    edits: [{ path: segments, value: undefined }],
    command: "config unset",
    now: ctx.now(),
  });
  const changed = outcome.changedPaths.length > 0;
  if (opts.json)
    ctx.printJson({
      ok: true,
      path: formatKeyPath(segments),
      changed,
      configPath: ctx.paths.configPath,
      hash: outcome.hashAfter,
    });
  else
    ctx.print(
      changed
        ? `Removed ${formatKeyPath(segments)} from ${ctx.paths.configPath}`
        : `${formatKeyPath(segments)} is not set; nothing written.`,
    );
  return EXIT.ok;
}

function validateCommand(ctx: CliContext, opts: { json?: boolean }): number {
  const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
  if (opts.json) {
    ctx.printJson({
      valid: snapshot.valid,
      path: snapshot.path,
      exists: snapshot.exists,
      hash: snapshot.hash,
      issues: snapshot.issues,
      ignored: snapshot.ignored,
    });
    return snapshot.valid ? EXIT.ok : EXIT.config;
  }
  if (!snapshot.valid) throw new ConfigError(snapshot.path, snapshot.issues);
  if (!snapshot.exists) {
    ctx.print(`No config file at ${snapshot.path}; the defaults apply.`);
    ctx.print("Create one with: openclaw config set gateway.mode local");
    return EXIT.ok;
  }
  ctx.print(`Config valid: ${snapshot.path}`);
  if (snapshot.ignored.length > 0) {
    ctx.warn(
      `Note: ${snapshot.ignored.length} OpenClaw setting(s) this gateway does not use are kept as they are: ${snapshot.ignored.join(", ")}`,
    );
  }
  return EXIT.ok;
}
