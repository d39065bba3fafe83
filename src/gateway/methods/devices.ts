/** `device.pair.list|approve|reject|remove` and `device.token.rotate|revoke`. @module */
import * as v from "valibot";
import { invalidRequest } from "../../protocol/errors.js";
import type { PairedDevice } from "../devices.js";
import type { MethodHandler } from "./index.js";
import { parseParams } from "./params.js";

const requestId = v.object({ requestId: v.pipe(v.string(), v.minLength(1), v.maxLength(64)) });
const deviceRef = v.looseObject({
  deviceId: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "Expected a device id (64 hex characters)")),
  role: v.optional(v.pipe(v.string(), v.maxLength(32))),
});

/** A paired device without its token hashes. */
function view(device: PairedDevice): Record<string, unknown> {
  const { tokens, ...rest } = device;
  return { ...rest, roles: Object.keys(tokens) };
}

export const handlers: Record<string, MethodHandler> = {
  "device.pair.list": ({ runtime, params }) => {
    parseParams("device.pair.list", v.looseObject({}), params);
    return { pending: runtime.devices.pending(), paired: runtime.devices.paired().map(view) };
  },
  "device.pair.approve": ({ runtime, params }) => {
    const p = parseParams("device.pair.approve", requestId, params);
    const approved = runtime.devices.approve(p.requestId);
    if (!approved)
      throw invalidRequest(`no pending pairing request ${p.requestId} (it may have expired after an hour)`);
    runtime.clients.broadcast(
      "device.pair.resolved",
      {
        requestId: p.requestId,
        deviceId: approved.deviceId,
        decision: "approved",
        ts: Date.now(),
      },
      { scope: "operator.pairing" },
    );
    // The token reaches the device at its next connect (hello-ok), not the approver.
    return { requestId: p.requestId, device: view(approved) };
  },
  "device.pair.reject": ({ runtime, params }) => {
    const p = parseParams("device.pair.reject", requestId, params);
    const rejected = runtime.devices.reject(p.requestId);
    if (!rejected) throw invalidRequest(`no pending pairing request ${p.requestId}`);
    runtime.clients.broadcast(
      "device.pair.resolved",
      {
        requestId: p.requestId,
        deviceId: rejected.deviceId,
        decision: "rejected",
        ts: Date.now(),
      },
      { scope: "operator.pairing" },
    );
    return { requestId: p.requestId, deviceId: rejected.deviceId, rejected: true };
  },
  "device.pair.remove": ({ runtime, params }) => {
    const p = parseParams("device.pair.remove", deviceRef, params);
    if (!runtime.devices.remove(p.deviceId)) throw invalidRequest(`no paired device ${p.deviceId}`);
    return { deviceId: p.deviceId, removed: true };
  },
  "device.token.rotate": ({ runtime, params }) => {
    const p = parseParams("device.token.rotate", deviceRef, params);
    const token = runtime.devices.rotate(p.deviceId, p.role ?? "operator");
    if (!token) throw invalidRequest(`no paired device ${p.deviceId}`);
    return { deviceId: p.deviceId, role: p.role ?? "operator", token };
  },
  "device.token.revoke": ({ runtime, params }) => {
    const p = parseParams("device.token.revoke", deviceRef, params);
    if (!runtime.devices.revoke(p.deviceId, p.role ?? "operator"))
      throw invalidRequest(`device ${p.deviceId} has no ${p.role ?? "operator"} token`);
    return { deviceId: p.deviceId, role: p.role ?? "operator", revoked: true };
  },
};
