/**
 * What the browser keeps: its Ed25519 device key, the device token the gateway issued it, and the shared
 * gateway token for this tab. Upstream's storage keys and shapes, so one browser can switch between
 * OpenClaw's UI and ours without pairing again. Pure JS crypto: plain HTTP on a LAN or tailnet is not a
 * secure context, so `crypto.subtle` may be missing there (`getRandomValues` is always present).
 * @module
 */
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { deviceAuthPayload, type DeviceAuthFields } from "../../src/protocol/device.js";

ed.hashes.sha512 = sha512;

export const IDENTITY_KEY = "openclaw-device-identity-v1";
export const tokenKey = (gatewayUrl: string) => `openclaw.control.token.v1:${gatewayUrl}`;
export const deviceAuthKey = (gatewayUrl: string) => `openclaw.device.auth.v1:${gatewayUrl}`;
/** Upstream's unsuffixed key from older builds: removed, so a stale token never outlives its gateway. */
const LEGACY_TOKEN_KEY = "openclaw.control.token.v1";

export interface DeviceIdentity {
  readonly deviceId: string;
  /** base64url of the raw 32-byte public key. */
  readonly publicKey: string;
  readonly secretKey: Uint8Array;
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A random id for requests and runs (`crypto.randomUUID` needs a secure context). */
export function randomId(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The stored identity, or a new one saved in its place when none (or a damaged one) is stored. */
export function loadIdentity(storage: Storage, now = Date.now()): DeviceIdentity {
  try {
    const stored = JSON.parse(storage.getItem(IDENTITY_KEY) ?? "null") as {
      version?: number;
      deviceId?: string;
      publicKey?: string;
      privateKey?: string;
    } | null;
    if (stored?.version === 1 && stored.privateKey && stored.publicKey) {
      const secretKey = fromBase64url(stored.privateKey);
      const publicKey = ed.getPublicKey(secretKey);
      // A key pair that does not match is not ours to sign with.
      if (base64url(publicKey) === stored.publicKey)
        return { deviceId: hex(sha256(publicKey)), publicKey: stored.publicKey, secretKey };
    }
  } catch {
    // unreadable: replaced below
  }
  const secretKey = ed.utils.randomSecretKey();
  const publicKey = ed.getPublicKey(secretKey);
  const identity = { deviceId: hex(sha256(publicKey)), publicKey: base64url(publicKey), secretKey };
  storage.setItem(
    IDENTITY_KEY,
    JSON.stringify({
      version: 1,
      deviceId: identity.deviceId,
      publicKey: identity.publicKey,
      privateKey: base64url(secretKey),
      createdAtMs: now,
    }),
  );
  return identity;
}

/** The `device` field of `connect`: upstream's v2 payload signed over this connection's challenge. */
export function signChallenge(
  identity: DeviceIdentity,
  fields: Omit<DeviceAuthFields, "deviceId">,
): { id: string; publicKey: string; signature: string; signedAt: number; nonce: string } {
  const payload = deviceAuthPayload({ ...fields, deviceId: identity.deviceId });
  const signature = ed.sign(new TextEncoder().encode(payload), identity.secretKey);
  return {
    id: identity.deviceId,
    publicKey: identity.publicKey,
    signature: base64url(signature),
    signedAt: fields.signedAt,
    nonce: fields.nonce,
  };
}

export interface StoredDeviceToken {
  readonly token: string;
  readonly scopes: readonly string[];
}

/** The device token issued to this browser for `role` at this gateway, if it is this device's. */
export function loadDeviceToken(
  storage: Storage,
  gatewayUrl: string,
  deviceId: string,
  role: string,
): StoredDeviceToken | undefined {
  try {
    const stored = JSON.parse(storage.getItem(deviceAuthKey(gatewayUrl)) ?? "null") as {
      deviceId?: string;
      tokens?: Record<string, { token?: string; scopes?: string[] }>;
    } | null;
    const entry = stored?.deviceId === deviceId ? stored.tokens?.[role] : undefined;
    return entry?.token ? { token: entry.token, scopes: entry.scopes ?? [] } : undefined;
  } catch {
    return undefined;
  }
}

export function saveDeviceToken(
  storage: Storage,
  gatewayUrl: string,
  deviceId: string,
  role: string,
  token: StoredDeviceToken | undefined,
): void {
  const key = deviceAuthKey(gatewayUrl);
  let tokens: Record<string, unknown> = {};
  try {
    const stored = JSON.parse(storage.getItem(key) ?? "null") as {
      deviceId?: string;
      tokens?: Record<string, unknown>;
    };
    if (stored?.deviceId === deviceId && stored.tokens) tokens = stored.tokens;
  } catch {
    // replaced below
  }
  if (token) tokens[role] = { token: token.token, scopes: [...token.scopes], updatedAtMs: Date.now() };
  else delete tokens[role];
  storage.setItem(key, JSON.stringify({ version: 1, deviceId, tokens }));
}

/** The tab's shared gateway token (sessionStorage: it leaves with the tab). */
export function loadSharedToken(storage: Storage, gatewayUrl: string): string | undefined {
  storage.removeItem(LEGACY_TOKEN_KEY);
  return storage.getItem(tokenKey(gatewayUrl)) || undefined;
}

export function saveSharedToken(storage: Storage, gatewayUrl: string, token: string | undefined): void {
  if (token) storage.setItem(tokenKey(gatewayUrl), token);
  else storage.removeItem(tokenKey(gatewayUrl));
}

/**
 * Takes `#token=` (and upstream's `#gatewayUrl=`, legacy `?token=`) off the address bar at once, so the
 * secret never stays in history, a bookmark, a Referer or a screenshot. Returns what was found.
 */
export function takeTokenFromLocation(location: Location, history: History): { token?: string } {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(location.search);
  const token = hash.get("token") ?? query.get("token") ?? undefined;
  if (hash.has("token") || hash.has("gatewayUrl") || query.has("token")) {
    query.delete("token");
    const search = query.toString();
    history.replaceState(history.state, "", `${location.pathname}${search ? `?${search}` : ""}`);
  }
  return token ? { token } : {};
}
