/**
 * `connect` params: the v4 shape (a superset of v3) and the seed's simple form
 * (`clientName`, `clientVersion`, `auth.token`, no protocol range). Unknown keys are tolerated so
 * newer clients keep working; known keys are type-checked and bounded.
 * @module
 */
import * as v from "valibot";

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const secret = v.pipe(v.string(), v.maxLength(4096));

export const connectParamsSchema = v.looseObject({
  minProtocol: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  maxProtocol: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
  client: v.optional(
    v.looseObject({
      id: v.optional(text(64)),
      displayName: v.optional(text(256)),
      version: v.optional(text(64)),
      platform: v.optional(text(64)),
      mode: v.optional(text(32)),
      instanceId: v.optional(text(128)),
      deviceFamily: v.optional(text(64)),
      modelIdentifier: v.optional(text(128)),
      buildId: v.optional(text(96)),
      timeZone: v.optional(text(64)),
    }),
  ),
  clientName: v.optional(text(64)),
  clientVersion: v.optional(text(64)),
  caps: v.optional(v.pipe(v.array(text(64)), v.maxLength(64))),
  role: v.optional(text(32)),
  scopes: v.optional(v.pipe(v.array(text(64)), v.maxLength(32))),
  auth: v.optional(
    v.looseObject({
      token: v.optional(secret),
      password: v.optional(secret),
      deviceToken: v.optional(secret),
      bootstrapToken: v.optional(secret),
    }),
  ),
  /** A device's identity and its signature over the challenge (the Control UI, paired apps). */
  device: v.optional(
    v.looseObject({
      id: text(128),
      publicKey: text(128),
      signature: text(256),
      signedAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
      nonce: v.optional(text(128)),
    }),
  ),
  locale: v.optional(text(64)),
  userAgent: v.optional(text(512)),
});

export type ConnectParams = v.InferOutput<typeof connectParamsSchema>;

export type ParsedConnect = { ok: true; params: ConnectParams } | { ok: false; message: string };

export function parseConnectParams(value: unknown): ParsedConnect {
  const result = v.safeParse(connectParamsSchema, value ?? {});
  if (result.success) return { ok: true, params: result.output };
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
  return { ok: false, message: `invalid connect params: ${path ? `${path}: ` : ""}${issue.message}` };
}

/** A short human name for presence and logs. */
export function describeClient(params: ConnectParams): { id: string; version: string; platform: string; mode: string } {
  return {
    id: params.client?.id ?? params.clientName ?? "unknown",
    version: params.client?.version ?? params.clientVersion ?? "",
    platform: params.client?.platform ?? "",
    mode: params.client?.mode ?? "cli",
  };
}
