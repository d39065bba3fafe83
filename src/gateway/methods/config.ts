/** `config.get|set|patch|apply|schema`: the file with secrets masked, and guarded writes. @module */
import * as v from "valibot";
import JSON5 from "json5";
import { editConfigText } from "../../config/edit.js";
import { ConfigEditError, formatIssueLine } from "../../config/issues.js";
import { evaluateDocument, readConfigSnapshot, type ConfigSnapshot } from "../../config/load.js";
import { containsRedacted, mergePatchToEdits, redactRawText, restoreRedacted } from "../../config/remote-edit.js";
import { configSchema } from "../../config/schema.js";
import { redactConfig } from "../../config/secrets.js";
import { isPlainObject } from "../../config/upstream-keys.js";
import { writeConfigFile } from "../../config/write.js";
import { ErrorCodes, GatewayError, invalidRequest } from "../../protocol/errors.js";
import type { GatewayRuntime } from "../runtime.js";
import type { MethodContext, MethodHandler } from "./index.js";
import { noParams, parseParams } from "./params.js";

const MAX_RAW = 2 * 1024 * 1024;
const writeParams = v.looseObject({
  raw: v.pipe(v.string(), v.maxLength(MAX_RAW)),
  baseHash: v.optional(v.pipe(v.string(), v.maxLength(128))),
  restartDelayMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60_000))),
  note: v.optional(v.pipe(v.string(), v.maxLength(1000))),
});

function snapshotPayload(snapshot: ConfigSnapshot, runtime: GatewayRuntime) {
  return {
    path: snapshot.path,
    exists: snapshot.exists,
    raw: snapshot.raw === null ? null : redactRawText(snapshot.raw, snapshot.document),
    parsed: redactConfig(snapshot.document),
    resolved: redactConfig(snapshot.resolved),
    config: redactConfig(snapshot.resolved),
    valid: snapshot.valid,
    hash: snapshot.hash,
    configRevisionHash: snapshot.hash,
    appliedConfigHash: runtime.snapshot.hash,
    issues: snapshot.issues,
    warnings: snapshot.ignored.map((path) => ({ path, message: "kept as it is; not used by this gateway" })),
  };
}

/** The optimistic-concurrency guard: writes to an existing file must name the hash they were based on. */
function checkBaseHash(current: ConfigSnapshot, baseHash: string | undefined): void {
  if (!current.exists) return;
  if (!baseHash) throw invalidRequest("config base hash required; re-run config.get and retry");
  if (baseHash !== current.hash)
    throw invalidRequest("config changed since last load; re-run config.get and retry", { currentHash: current.hash });
}

function parseRaw(raw: string): unknown {
  try {
    return JSON5.parse(raw);
  } catch (error) {
    throw invalidRequest(`invalid config: ${(error as Error).message}`);
  }
}

function rejectInvalid(next: ConfigSnapshot): void {
  if (next.valid) return;
  throw invalidRequest(`invalid config: ${next.issues.map((i) => formatIssueLine(i).slice(2)).join("; ")}`, {
    issues: next.issues,
  });
}

function budget(ctx: MethodContext, method: string): void {
  const waitMs = ctx.runtime.takeConfigWriteBudget(ctx.connection.remoteAddress);
  if (waitMs > 0) {
    throw new GatewayError(
      ErrorCodes.UNAVAILABLE,
      `${method} rate limit reached; retry in ${Math.ceil(waitMs / 1000)} s`,
      {
        retryable: true,
        retryAfterMs: waitMs,
        details: { method, limit: `${ctx.runtime.limits.configWritesPerMinute} per 60s` },
      },
    );
  }
}

function commit(
  ctx: MethodContext,
  method: string,
  current: ConfigSnapshot,
  text: string,
  changedPaths: string[],
): ConfigSnapshot {
  const { runtime } = ctx;
  writeConfigFile({
    configPath: current.path,
    text,
    previousRaw: current.raw,
    command: `gateway ${method}`,
    changedPaths,
    logsDir: runtime.paths.logsDir,
    now: new Date(),
  });
  const written = readConfigSnapshot(current.path, runtime.env);
  runtime.log.info("config written", {
    method,
    paths: changedPaths.slice(0, 20),
    hash: written.hash,
    conn: ctx.connection.id,
  });
  runtime.clients.broadcast("config.changed", { path: written.path, hash: written.hash, ts: Date.now() });
  return written;
}

/** Full replacement: the text as sent when it has no masked secrets, else the restored document as JSON. */
function replaceWhole(ctx: MethodContext, method: "config.set" | "config.apply") {
  const params = parseParams(method, writeParams, ctx.params);
  const current = readConfigSnapshot(ctx.runtime.paths.configPath, ctx.runtime.env);
  checkBaseHash(current, params.baseHash);
  if (method === "config.apply") budget(ctx, method);
  const parsed = parseRaw(params.raw);
  if (!isPlainObject(parsed)) throw invalidRequest(`${method} raw must be a JSON5 object`);
  let document: unknown;
  try {
    document = restoreRedacted(parsed, current.document);
  } catch (error) {
    throw invalidRequest((error as Error).message);
  }
  const text = containsRedacted(parsed)
    ? `${JSON.stringify(document, null, 2)}\n`
    : params.raw.endsWith("\n")
      ? params.raw
      : `${params.raw}\n`;
  const next = evaluateDocument(document, { configPath: current.path, env: ctx.runtime.env, raw: text });
  rejectInvalid(next);
  const written = commit(ctx, method, current, text, ["(whole file)"]);
  return { params, written };
}

export const handlers: Record<string, MethodHandler> = {
  "config.get": (ctx) => {
    parseParams("config.get", noParams, ctx.params);
    return snapshotPayload(readConfigSnapshot(ctx.runtime.paths.configPath, ctx.runtime.env), ctx.runtime);
  },

  "config.set": (ctx) => {
    const { written } = replaceWhole(ctx, "config.set");
    ctx.runtime.reloadNow("config.set");
    return { ok: true, path: written.path, hash: written.hash, config: redactConfig(written.resolved) };
  },

  "config.apply": (ctx) => {
    const { params, written } = replaceWhole(ctx, "config.apply");
    const delayMs = params.restartDelayMs ?? 250;
    ctx.runtime.requestRestart("config.apply", delayMs);
    return {
      ok: true,
      path: written.path,
      hash: written.hash,
      config: redactConfig(written.resolved),
      restart: { scheduled: true, delayMs },
    };
  },

  "config.patch": (ctx) => {
    const params = parseParams("config.patch", writeParams, ctx.params);
    const current = readConfigSnapshot(ctx.runtime.paths.configPath, ctx.runtime.env);
    checkBaseHash(current, params.baseHash);
    if (!current.valid) throw invalidRequest("invalid config; fix before patching", { issues: current.issues });
    const patch = parseRaw(params.raw);
    if (!isPlainObject(patch)) throw invalidRequest("config.patch raw must be an object");
    budget(ctx, "config.patch");
    let restored: Record<string, unknown>;
    let edited: ReturnType<typeof editConfigText>;
    try {
      restored = restoreRedacted(patch, current.document) as Record<string, unknown>;
      edited = editConfigText(current.raw, mergePatchToEdits(restored, current.document));
    } catch (error) {
      if (error instanceof ConfigEditError) throw invalidRequest(error.message);
      throw error;
    }
    if (edited.changed.length === 0) {
      return { ok: true, path: current.path, hash: current.hash, config: redactConfig(current.resolved), changed: [] };
    }
    const next = evaluateDocument(edited.document, {
      configPath: current.path,
      env: ctx.runtime.env,
      raw: edited.text,
    });
    rejectInvalid(next);
    const changedPaths = edited.changed.map((p) => p.join("."));
    const written = commit(ctx, "config.patch", current, edited.text, changedPaths);
    ctx.runtime.reloadNow("config.patch");
    return {
      ok: true,
      path: written.path,
      hash: written.hash,
      config: redactConfig(written.resolved),
      changed: changedPaths,
    };
  },

  "config.schema": async (ctx) => {
    parseParams("config.schema", noParams, ctx.params);
    const { toJsonSchema } = await import("@valibot/to-json-schema");
    return {
      schema: toJsonSchema(configSchema, { errorMode: "ignore" }),
      uiHints: {},
      version: ctx.runtime.version,
      generatedAt: new Date().toISOString(),
    };
  },
};
