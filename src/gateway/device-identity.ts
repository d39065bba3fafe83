/**
 * Device identity at `connect`: the device id is the lowercase hex SHA-256 of its raw Ed25519 public key
 * (base64url), and it signs upstream's `v2|…` payload over this connection's challenge nonce. Checked
 * here: the id matches the key, the nonce is the one this connection was given, the signature is fresh
 * (within `MAX_SKEW_MS` of now) and valid.
 * @module
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import { deviceAuthPayload } from "../protocol/device.js";
import { ConnectErrorDetailCodes } from "../protocol/errors.js";

/** How far the signed time may be from the gateway's clock (upstream's "device-signature-stale"). */
export const MAX_SKEW_MS = 10 * 60_000;

export interface DeviceProof {
  readonly id: string;
  readonly publicKey: string;
  readonly signature: string;
  readonly signedAt: number;
  readonly nonce?: string | undefined;
}

export type DeviceCheck =
  | { ok: true; deviceId: string; publicKey: string }
  | { ok: false; code: string; reason: string; message: string };

const fail = (code: string, reason: string, message: string): DeviceCheck => ({ ok: false, code, reason, message });

export function deviceIdOf(publicKeyBase64Url: string): string | undefined {
  const raw = Buffer.from(publicKeyBase64Url, "base64url");
  return raw.length === 32 ? createHash("sha256").update(raw).digest("hex") : undefined;
}

export function verifyDeviceProof(
  device: DeviceProof,
  expected: {
    nonce: string;
    clientId: string;
    clientMode: string;
    role: string;
    scopes: readonly string[];
    token: string;
    now: number;
  },
): DeviceCheck {
  const id = deviceIdOf(device.publicKey);
  if (!id)
    return fail(
      ConnectErrorDetailCodes.DEVICE_AUTH_PUBLIC_KEY_INVALID,
      "device-public-key",
      "device public key is not a 32-byte Ed25519 key (base64url)",
    );
  if (id !== device.id.toLowerCase())
    return fail(
      ConnectErrorDetailCodes.DEVICE_AUTH_DEVICE_ID_MISMATCH,
      "device-id-mismatch",
      "device id is not the SHA-256 of its public key",
    );
  if (!device.nonce)
    return fail(
      ConnectErrorDetailCodes.DEVICE_AUTH_NONCE_REQUIRED,
      "device-nonce-missing",
      "device signature needs the connect.challenge nonce",
    );
  if (device.nonce !== expected.nonce)
    return fail(
      ConnectErrorDetailCodes.DEVICE_AUTH_NONCE_MISMATCH,
      "device-nonce-mismatch",
      "device signature is for another challenge",
    );
  if (Math.abs(expected.now - device.signedAt) > MAX_SKEW_MS)
    return fail(
      ConnectErrorDetailCodes.DEVICE_AUTH_SIGNATURE_EXPIRED,
      "device-signature-stale",
      "device signature is too old or from the future (check the device's clock)",
    );
  let valid = false;
  try {
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: device.publicKey }, format: "jwk" });
    const payload = deviceAuthPayload({
      deviceId: id,
      clientId: expected.clientId,
      clientMode: expected.clientMode,
      role: expected.role,
      scopes: expected.scopes,
      signedAt: device.signedAt,
      token: expected.token,
      nonce: device.nonce,
    });
    valid = verify(null, Buffer.from(payload, "utf8"), key, Buffer.from(device.signature, "base64url"));
  } catch {
    valid = false;
  }
  if (!valid)
    return fail(
      ConnectErrorDetailCodes.DEVICE_AUTH_SIGNATURE_INVALID,
      "device-signature",
      "device signature does not verify",
    );
  return { ok: true, deviceId: id, publicKey: device.publicKey };
}
