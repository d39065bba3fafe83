/**
 * What a device's identity changes at `connect`, decided in one place: a Control UI without one is refused
 * (as upstream); a device token may stand in for the shared secret; a device that passed gateway auth is
 * paired at once when it is a direct loopback peer, and otherwise waits for `openclaw devices approve`.
 * @module
 */
import { ConnectErrorDetailCodes } from "../protocol/errors.js";
import type { DeviceCheck } from "./device-identity.js";
import type { DeviceStore, PairingReason } from "./devices.js";

export const CONTROL_UI_CLIENT_ID = "openclaw-control-ui";

export interface DeviceContext {
  readonly store: DeviceStore;
  /** The verified identity, when the client presented one. */
  readonly device?: Extract<DeviceCheck, { ok: true }> | undefined;
  readonly clientId: string;
  readonly clientMode: string;
  readonly platform?: string | undefined;
  readonly role: string;
  readonly scopes: readonly string[];
  readonly remoteIp: string;
  /** A loopback peer with no forwarding headers: a local process, not a proxy's client. */
  readonly directLocal: boolean;
  readonly authMode: string;
}

export type Admission =
  | { kind: "admit"; deviceToken?: string | undefined }
  | {
      kind: "pairing-required";
      reason: PairingReason;
      requestId: string | undefined;
      created: boolean;
      deviceId: string;
    };

/** Before any secret is checked: refusals that are not authentication failures. */
export function deviceRequired(ctx: Pick<DeviceContext, "device" | "clientId" | "authMode">): string | undefined {
  if (ctx.device || ctx.clientId !== CONTROL_UI_CLIENT_ID || ctx.authMode === "none") return undefined;
  return ConnectErrorDetailCodes.CONTROL_UI_DEVICE_IDENTITY_REQUIRED;
}

/** Whether a device token stands in for the shared secret. */
export function deviceTokenValid(ctx: DeviceContext, token: string): boolean {
  return ctx.device !== undefined && ctx.store.verifyToken(ctx.device.deviceId, ctx.role, token);
}

/** After gateway auth passed (shared secret or device token): pair, or ask for approval. */
export function admitDevice(ctx: DeviceContext): Admission {
  const device = ctx.device;
  // Upstream: auth mode none skips pairing; a client without identity (the CLI) is not a device.
  if (!device || ctx.authMode === "none") return { kind: "admit" };
  const info = {
    deviceId: device.deviceId,
    publicKey: device.publicKey,
    clientId: ctx.clientId,
    clientMode: ctx.clientMode,
    ...(ctx.platform ? { platform: ctx.platform } : {}),
    role: ctx.role,
    scopes: ctx.scopes,
    remoteIp: ctx.remoteIp,
  };
  const paired = ctx.store.find(device.deviceId);
  const reason = !paired
    ? "not-paired"
    : paired.role !== ctx.role
      ? "role-upgrade"
      : ctx.scopes.some((s) => !paired.scopes.includes(s))
        ? "scope-upgrade"
        : undefined;
  if (paired && !reason) {
    // A paired device whose token was revoked (it came with the gateway secret) gets a new one now.
    if (paired.tokens[ctx.role]) return { kind: "admit" };
    return { kind: "admit", deviceToken: ctx.store.rotate(device.deviceId, ctx.role) };
  }
  // A local process is trusted with new devices and upgrades alike (upstream's autoApproveLocal).
  if (ctx.directLocal) return { kind: "admit", deviceToken: ctx.store.pair(info).token };
  const waiting = new Set(ctx.store.pending().map((r) => r.requestId));
  const requestId = ctx.store.request(info, reason)?.requestId;
  return {
    kind: "pairing-required",
    reason: reason ?? "not-paired",
    requestId,
    // A page retries every few seconds while it waits; operators hear of each request once.
    created: requestId !== undefined && !waiting.has(requestId),
    deviceId: device.deviceId,
  };
}
