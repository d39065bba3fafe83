/** Every English string the UI shows, in one table (a translation replaces this object). @module */

export const t = {
  appName: "OpenClaw",
  nav: {
    overview: "Overview",
    chat: "Chat",
    sessions: "Sessions",
    channels: "Channels",
    logs: "Logs",
    config: "Config",
    devices: "Devices",
  },
  connection: {
    connecting: "Connecting…",
    connected: "Connected",
    waiting: (seconds: number) => `Retrying in ${seconds} s`,
    needsAuth: "Not signed in",
    retryNow: "Check now",
    refusedUpgrade:
      "The gateway answers HTTP but refused the WebSocket: its origin check (gateway.controlUi.allowedOrigins) or a proxy that drops the Upgrade headers.",
  },
  login: {
    title: "Sign in to the gateway",
    intro:
      "Paste the gateway token. `openclaw dashboard` prints a link that signs you in; `openclaw config get gateway.auth.token` shows the token on the gateway host.",
    label: "Gateway token or password",
    submit: "Connect",
    forget: "Forget this browser's credentials",
  },
  pairing: {
    title: "Waiting for approval",
    intro: "This browser is a new device for the gateway. Approve it on the gateway host:",
    requestId: "Request",
    keepOpen: "This page connects by itself once the device is approved.",
  },
  common: {
    refresh: "Refresh",
    loading: "Loading…",
    none: "—",
    save: "Save",
    cancel: "Cancel",
    remove: "Remove",
    yes: "yes",
    no: "no",
    notAllowed: (what: string) => `This connection may not ${what} (missing scope or method).`,
    failed: (what: string, message: string) => `${what} failed: ${message}`,
    fix: "Fix:",
    disabled: "(disabled)",
    probe: "probe",
    byDefault: "(default)",
    wholeFile: "(file)",
  },
  overview: {
    gateway: "Gateway",
    version: "Version",
    uptime: "Uptime",
    bind: "Bind",
    auth: "Auth",
    port: "Port",
    configPath: "Config file",
    clients: "Connected clients",
    channels: "Channels",
    model: "Model",
    modelNone: "No model configured: openclaw config set agents.defaults.model <provider/model>",
    lastError: "Last gateway error",
    noError: "None since start",
    eventLoop: "Event loop delay (p99)",
  },
  chat: {
    placeholder: "Message the assistant (Enter sends, Shift+Enter for a new line)",
    send: "Send",
    abort: "Stop",
    newChat: "New chat",
    session: "Session",
    earlier: "Show earlier messages",
    empty: "No messages yet. Say hello.",
    thinking: "Working…",
    aborted: "Stopped.",
    attach: "Attach image",
    attachmentTooBig: (max: string) => `The attachment is larger than the gateway accepts (${max}).`,
    attachmentType: "Only images can be attached.",
    tool: "Tool",
    toolRunning: "running",
    toolDone: "done",
    toolFailed: "failed",
    you: "You",
    assistant: "Assistant",
  },
  sessions: {
    search: "Search sessions",
    key: "Session",
    label: "Label",
    updated: "Updated",
    tokens: "Tokens",
    status: "Status",
    open: "Open",
    rename: "Rename",
    reset: "Reset",
    delete: "Delete",
    confirmReset: (key: string) => `Start session ${key} over? Its transcript is archived, not deleted.`,
    confirmDelete: (key: string) => `Delete session ${key}? Its transcript is archived as .deleted.`,
    renamePrompt: "New label (empty to clear)",
    empty: "No sessions yet.",
  },
  channels: {
    notConfigured:
      "No channel is configured. Add one: openclaw channels add --channel telegram --token <token>, --channel discord --token <token>, or --channel whatsapp (then link it here).",
    link: "Link with QR",
    unlink: "Unlink",
    linking: "Waiting for the scan…",
    linked: "Linked.",
    confirmUnlink: (account: string) => `Unlink WhatsApp account ${account} and delete its credentials?`,
    channel: "Channel",
    account: "Account",
    state: "State",
    lastError: "Last error",
    lastInbound: "Last message in",
    probe: "Probe now",
  },
  logs: {
    level: "Level",
    pause: "Pause",
    resume: "Resume",
    filter: "Filter",
    empty: "No log lines yet.",
    all: "all",
  },
  config: {
    raw: "Raw (JSON5)",
    form: "Common settings",
    apply: "Save and apply",
    applied: "Saved and applied.",
    reload: "Load the current file",
    conflict:
      "The config changed on the gateway since you opened it. Load the current file, then make your change again.",
    invalid: "The gateway refused this config:",
    noFile: "No config file yet: saving creates it.",
  },
  devices: {
    pending: "Waiting for approval",
    paired: "Paired devices",
    approve: "Approve",
    reject: "Reject",
    revoke: "Revoke token",
    remove: "Remove",
    device: "Device",
    client: "Client",
    address: "Address",
    scopes: "Scopes",
    requested: "Requested",
    noPending: "No device is waiting.",
    noPaired: "No paired device.",
    thisDevice: "this browser",
  },
} as const;

/** What to tell the user for a refused connect, by `details.code`: the problem and the command that fixes it. */
export function explainConnectError(code: string | undefined, message: string): { text: string; fix?: string } {
  switch (code) {
    case "AUTH_TOKEN_MISSING":
    case "AUTH_REQUIRED":
      return {
        text: "The gateway needs a token.",
        fix: "openclaw dashboard   (prints a link that signs this browser in)",
      };
    case "AUTH_TOKEN_MISMATCH":
      return {
        text: "The token is not the gateway's.",
        fix: "openclaw config get gateway.auth.token   (on the gateway host), or openclaw dashboard",
      };
    case "AUTH_PASSWORD_MISSING":
    case "AUTH_PASSWORD_MISMATCH":
      return {
        text: "The gateway uses a password and this one is not it.",
        fix: "openclaw config get gateway.auth.mode",
      };
    case "AUTH_RATE_LIMITED":
      return { text: "Too many failed attempts from this address; the gateway is waiting before it listens again." };
    case "AUTH_DEVICE_TOKEN_MISMATCH":
      return {
        text: "This browser's device token was revoked or belongs to another gateway.",
        fix: "openclaw dashboard   (sign in again with the gateway token)",
      };
    case "PAIRING_REQUIRED":
      return {
        text: "This browser waits for approval as a device.",
        fix: "openclaw devices list, then openclaw devices approve <requestId>",
      };
    case "CONTROL_UI_ORIGIN_NOT_ALLOWED":
      return {
        text: "The gateway does not accept this page's origin.",
        fix: "openclaw config set gateway.controlUi.allowedOrigins '[\"<this page's origin>\"]'",
      };
    case "CONTROL_UI_DEVICE_IDENTITY_REQUIRED":
    case "DEVICE_AUTH_SIGNATURE_EXPIRED":
      return { text: "The device signature was refused; check this device's clock.", fix: "reload the page" };
    case "PROTOCOL_MISMATCH":
      return { text: "This page is older or newer than the gateway.", fix: "reload the page (Ctrl+Shift+R)" };
    default:
      return { text: message };
  }
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatTime(ms: number | undefined | null): string {
  if (!ms) return t.common.none;
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
