/**
 * What a device signs to prove its identity at `connect`, as upstream's clients build it, so a browser
 * keeps one identity across this gateway and OpenClaw's. Pure: the UI and any client reuse it.
 * @module
 */

export interface DeviceAuthFields {
  readonly deviceId: string;
  readonly clientId: string;
  readonly clientMode: string;
  readonly role: string;
  readonly scopes: readonly string[];
  /** The challenge's `ts` (epoch ms). */
  readonly signedAt: number;
  /** `auth.token`, else the device token used, else the bootstrap token, else empty. */
  readonly token: string;
  readonly nonce: string;
}

/** `v2|<deviceId>|<clientId>|<clientMode>|<role>|<scopes,…>|<signedAt>|<token>|<nonce>` (UTF-8 when signed). */
export function deviceAuthPayload(fields: DeviceAuthFields): string {
  return [
    "v2",
    fields.deviceId,
    fields.clientId,
    fields.clientMode,
    fields.role,
    fields.scopes.join(","),
    String(fields.signedAt),
    fields.token,
    fields.nonce,
  ].join("|");
}
