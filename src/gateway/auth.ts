/**
 * Shared-secret checks for WebSocket `connect` and HTTP `Authorization: Bearer`, compared in constant
 * time, with failures rate-limited per remote address.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { ConnectErrorDetailCodes } from "../protocol/errors.js";
import type { GatewayAuthMode } from "../config/gateway-settings.js";

export interface ActiveAuth {
  readonly mode: GatewayAuthMode;
  readonly token?: string | undefined;
  readonly password?: string | undefined;
  /** Where the secret came from (flag, env, config): told to a refused client so it can name the mismatch. */
  readonly tokenSource?: string | undefined;
  readonly passwordSource?: string | undefined;
}

/** The source of the secret the gateway expects, as a word (never the value). */
export function expectedSource(auth: ActiveAuth): string | undefined {
  return auth.mode === "token" ? auth.tokenSource : auth.mode === "password" ? auth.passwordSource : undefined;
}

/** Hashing both sides first makes the comparison constant-time whatever the lengths. */
export function safeEqualSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export type AuthOutcome =
  | { ok: true; method: "token" | "password" | "none" }
  | { ok: false; reason: string; detailCode: string; message: string };

/**
 * Checks what a client presented. As upstream does, the configured secret may arrive in either
 * `auth.token` or `auth.password`: the mode picks the secret, not the wire field.
 */
export function checkSharedSecret(
  auth: ActiveAuth,
  presented: { token?: string | undefined; password?: string | undefined },
): AuthOutcome {
  if (auth.mode === "none") return { ok: true, method: "none" };
  const expected = auth.mode === "token" ? auth.token : auth.password;
  const label = auth.mode;
  const given =
    auth.mode === "token" ? (presented.token ?? presented.password) : (presented.password ?? presented.token);
  if (!expected) {
    return {
      ok: false,
      reason: `${label}_missing_config`,
      detailCode:
        label === "token"
          ? ConnectErrorDetailCodes.AUTH_TOKEN_NOT_CONFIGURED
          : ConnectErrorDetailCodes.AUTH_PASSWORD_NOT_CONFIGURED,
      message: `unauthorized: the gateway has no ${label} configured`,
    };
  }
  if (given === undefined || given === "") {
    return {
      ok: false,
      reason: `${label}_missing`,
      detailCode:
        label === "token" ? ConnectErrorDetailCodes.AUTH_TOKEN_MISSING : ConnectErrorDetailCodes.AUTH_PASSWORD_MISSING,
      message: `unauthorized: gateway ${label} missing (set OPENCLAW_GATEWAY_${label.toUpperCase()} or pass --${label})`,
    };
  }
  if (!safeEqualSecret(given, expected)) {
    return {
      ok: false,
      reason: `${label}_mismatch`,
      detailCode:
        label === "token"
          ? ConnectErrorDetailCodes.AUTH_TOKEN_MISMATCH
          : ConnectErrorDetailCodes.AUTH_PASSWORD_MISMATCH,
      message: `unauthorized: gateway ${label} mismatch (use this gateway's gateway.auth.${label})`,
    };
  }
  return { ok: true, method: auth.mode };
}

/** The bearer value of an `Authorization` header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}
