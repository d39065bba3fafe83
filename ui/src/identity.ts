/**
 * What the browser keeps: its Ed25519 device key, the device token the gateway issued it, and the shared
 * gateway token for this tab. Upstream's storage keys and shapes, so one browser can switch between
 * OpenClaw's UI and ours without pairing again. Keys are used through WebCrypto where the page is a
 * secure context (https, localhost); plain HTTP on a LAN or tailnet address has no `crypto.subtle`, and
 * there a pure-JS fallback is loaded (`getRandomValues` exists everywhere).
 * @module
 */
import { deviceAuthPayload, type DeviceAuthFields } from "../../src/protocol/device.js";

export const IDENTITY_KEY = "openclaw-device-identity-v1";
export const tokenKey = (gatewayUrl: string) => `openclaw.control.token.v1:${gatewayUrl}`;
export const deviceAuthKey = (gatewayUrl: string) => `openclaw.device.auth.v1:${gatewayUrl}`;
/** Upstream's unsuffixed key from older builds: removed, so a stale token never outlives its gateway. */
const LEGACY_TOKEN_KEY = "openclaw.control.token.v1";

export interface DeviceIdentity {
  readonly deviceId: string;
  /** base64url of the raw 32-byte public key. */
  readonly publicKey: string;
  readonly sign: (message: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;
}

export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
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

interface StoredIdentity {
  version?: number;
  publicKey?: string;
  privateKey?: string;
}

const ED25519: Algorithm = { name: "Ed25519" };
const PROBE = new TextEncoder().encode("openclaw device key check");

/** Through WebCrypto; undefined when it cannot do Ed25519 here (then the fallback does). */
async function webCryptoIdentity(subtle: SubtleCrypto, stored: StoredIdentity | null) {
  try {
    let d = stored?.privateKey;
    let x = stored?.publicKey;
    let fresh = false;
    if (!d || !x) {
      const pair = (await subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
      const jwk = await subtle.exportKey("jwk", pair.privateKey);
      if (!jwk.d || !jwk.x) return undefined;
      [d, x, fresh] = [jwk.d, jwk.x, true];
    }
    const key = await subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", d, x }, ED25519, false, ["sign"]);
    const raw = fromBase64url(x);
    // A stored key pair whose halves do not belong together is not ours to sign with.
    const publicKey = await subtle.importKey("raw", raw, ED25519, false, ["verify"]);
    if (!(await subtle.verify(ED25519, publicKey, await subtle.sign(ED25519, key, PROBE), PROBE))) return null;
    return {
      identity: {
        deviceId: hex(new Uint8Array(await subtle.digest("SHA-256", raw))),
        publicKey: x,
        sign: async (message: Uint8Array<ArrayBuffer>) => new Uint8Array(await subtle.sign(ED25519, key, message)),
      },
      privateKey: d,
      fresh,
    };
  } catch (error) {
    // Malformed stored keys are replaced; an engine without Ed25519 hands over to the fallback.
    return error instanceof DOMException && error.name === "NotSupportedError" ? undefined : null;
  }
}

async function fallbackIdentity(stored: StoredIdentity | null) {
  const ed = await import("./ed25519-fallback.js");
  let secretKey: Uint8Array | undefined;
  try {
    if (stored?.privateKey && stored.publicKey) {
      secretKey = fromBase64url(stored.privateKey);
      if (base64url(ed.publicKeyOf(secretKey)) !== stored.publicKey) secretKey = undefined;
    }
  } catch {
    secretKey = undefined;
  }
  const fresh = secretKey === undefined;
  const key = secretKey ?? ed.randomSecretKey();
  const publicKey = ed.publicKeyOf(key);
  return {
    identity: {
      deviceId: hex(ed.digest(publicKey)),
      publicKey: base64url(publicKey),
      sign: async (message: Uint8Array) => ed.sign(message, key),
    },
    privateKey: base64url(key),
    fresh,
  };
}

/**
 * The stored identity, or a new one saved in its place when none (or a damaged one) is stored.
 * `subtle` is WebCrypto where the page has it.
 */
export async function loadIdentity(
  storage: Storage,
  options: { subtle?: SubtleCrypto | undefined; now?: number } = {},
): Promise<DeviceIdentity> {
  let stored: StoredIdentity | null = null;
  try {
    const parsed = JSON.parse(storage.getItem(IDENTITY_KEY) ?? "null") as StoredIdentity | null;
    stored = parsed?.version === 1 ? parsed : null;
  } catch {
    stored = null;
  }
  let made = options.subtle ? await webCryptoIdentity(options.subtle, stored) : undefined;
  if (made === null && options.subtle) made = await webCryptoIdentity(options.subtle, null);
  const result = made ?? (await fallbackIdentity(stored));
  if (result.fresh || !stored)
    storage.setItem(
      IDENTITY_KEY,
      JSON.stringify({
        version: 1,
        deviceId: result.identity.deviceId,
        publicKey: result.identity.publicKey,
        privateKey: result.privateKey,
        createdAtMs: options.now ?? Date.now(),
      }),
    );
  return result.identity;
}

/** The `device` field of `connect`: upstream's v2 payload signed over this connection's challenge. */
export async function signChallenge(
  identity: DeviceIdentity,
  fields: Omit<DeviceAuthFields, "deviceId">,
): Promise<{ id: string; publicKey: string; signature: string; signedAt: number; nonce: string }> {
  const payload = deviceAuthPayload({ ...fields, deviceId: identity.deviceId });
  const signature = await identity.sign(new TextEncoder().encode(payload));
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
