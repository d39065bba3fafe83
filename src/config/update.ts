/**
 * Changes keys in the config safely: edit the text, check the result with the same load path as
 * every reader, refuse anything that adds a problem, then write atomically with backups and audit.
 * @module
 */
import { ConfigError } from "./issues.js";
import { type ConfigEdit, editConfigText } from "./edit.js";
import { evaluateDocument, formatKeyPath, readConfigSnapshot, type ConfigSnapshot } from "./load.js";
import type { Env } from "./paths.js";
import { writeConfigFile, backupPath } from "./write.js";

export interface UpdateInput {
  readonly configPath: string;
  readonly logsDir: string;
  readonly env: Env;
  readonly edits: readonly ConfigEdit[];
  readonly command: string;
  readonly now: Date;
}

export interface UpdateOutcome {
  readonly changedPaths: readonly string[];
  readonly before: ConfigSnapshot;
  readonly after: ConfigSnapshot;
  readonly preservedFormatting: boolean;
  readonly hashAfter: string | null;
}

/** Applies the edits or throws ConfigError without writing anything. */
export function updateConfig(input: UpdateInput): UpdateOutcome {
  const before = readConfigSnapshot(input.configPath, input.env);
  const unreadable = before.issues.filter((issue) => issue.code === "parse" || issue.code === "read");
  if (unreadable.length > 0) {
    throw new ConfigError(
      input.configPath,
      unreadable,
      `Nothing was changed. Fix the file first, or restore the last good copy: cp ${backupPath(input.configPath, 1)} ${input.configPath}`,
    );
  }
  const edited = editConfigText(before.raw, input.edits);
  const changedPaths = edited.changed.map(formatKeyPath);
  if (changedPaths.length === 0) {
    return {
      changedPaths,
      before,
      after: before,
      preservedFormatting: edited.preservedFormatting,
      hashAfter: before.hash,
    };
  }
  const after = evaluateDocument(edited.document, { configPath: input.configPath, env: input.env, raw: edited.text });
  const known = new Set(before.issues.map(issueKey));
  const added = after.issues.filter((issue) => !known.has(issueKey(issue)));
  if (added.length > 0) {
    throw new ConfigError(input.configPath, added, "Nothing was written: the change would make the config invalid.");
  }
  const written = writeConfigFile({
    configPath: input.configPath,
    text: edited.text,
    previousRaw: before.raw,
    command: input.command,
    changedPaths,
    logsDir: input.logsDir,
    now: input.now,
  });
  return { changedPaths, before, after, preservedFormatting: edited.preservedFormatting, hashAfter: written.hashAfter };
}

function issueKey(issue: { code: string; path: string; message: string }): string {
  return `${issue.code}\0${issue.path}\0${issue.message}`;
}
