/** Roles, scopes, the scope each method needs, and the events the gateway emits. @module */

export const OPERATOR_SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
  "operator.talk.secrets",
  "operator.questions",
  "operator.talk",
] as const;
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

/** What the CLI asks for (upstream's CLI_DEFAULT_OPERATOR_SCOPES). */
export const CLI_DEFAULT_SCOPES: readonly OperatorScope[] = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
  "operator.talk.secrets",
];

export const ROLES = ["operator", "node"] as const;
export type Role = (typeof ROLES)[number];

/** `null`: no scope needed (any authenticated connection). Methods not listed need `operator.admin`. */
export const METHOD_SCOPES: Readonly<Record<string, OperatorScope | null>> = {
  health: null,
  status: "operator.read",
  "system-presence": "operator.read",
  metrics: "operator.read",
  "logs.tail": "operator.read",
  "models.list": "operator.read",
  "config.get": "operator.read",
  "config.set": "operator.admin",
  "config.patch": "operator.admin",
  "config.apply": "operator.admin",
  "config.schema": "operator.admin",
  agent: "operator.write",
  "agent.wait": "operator.write",
  "chat.send": "operator.write",
  "chat.abort": "operator.write",
  "chat.history": "operator.read",
  "chat.startup": "operator.read",
  "sessions.messages.subscribe": "operator.read",
  "sessions.messages.unsubscribe": "operator.read",
  "sessions.list": "operator.read",
  "sessions.patch": "operator.admin",
  "sessions.reset": "operator.admin",
  "sessions.delete": "operator.admin",
  "channels.status": "operator.read",
  "channels.start": "operator.admin",
  "channels.stop": "operator.admin",
  "channels.logout": "operator.admin",
  "web.login.start": "operator.admin",
  "web.login.wait": "operator.admin",
  send: "operator.write",
  "device.pair.list": "operator.pairing",
  "device.pair.approve": "operator.pairing",
  "device.pair.reject": "operator.pairing",
  "device.pair.remove": "operator.pairing",
  "device.token.rotate": "operator.pairing",
  "device.token.revoke": "operator.pairing",
  "node.pluginSurface.refresh": "operator.read",
};

/** What a connection with role `node` may call (no scope applies to it). */
export const NODE_METHODS: readonly string[] = ["health", "node.pluginSurface.refresh"];

/** The scope a method needs; unclassified methods default to admin, as upstream does. */
export function requiredScope(method: string): OperatorScope | null {
  return method in METHOD_SCOPES ? METHOD_SCOPES[method]! : "operator.admin";
}

/** `operator.admin` satisfies everything; `operator.write` also satisfies read and talk. */
export function hasScope(granted: readonly string[], required: OperatorScope | null): boolean {
  if (required === null) return true;
  if (granted.includes("operator.admin") || granted.includes(required)) return true;
  if ((required === "operator.read" || required === "operator.talk") && granted.includes("operator.write")) return true;
  return false;
}

/** Events this gateway emits, advertised in `hello-ok.features.events`. */
export const GATEWAY_EVENTS = [
  "connect.challenge",
  "tick",
  "presence",
  "health",
  "shutdown",
  "config.changed",
  "agent",
  "chat",
  "device.pair.requested",
  "device.pair.resolved",
] as const;
export type GatewayEvent = (typeof GATEWAY_EVENTS)[number];
