/**
 * The browser driver process: the gateway forks it on the first `browser` call and relays calls to it
 * over IPC. It holds playwright-core and the CDP connections, so when the last profile's browser stops
 * (idle, `stop`, or the gateway stopping) the gateway stops this process and its memory is as it was before.
 * @module
 */
import { BrowserService, clearArtifacts, type BrowserMedia } from "./service.js";
import type { BrowserSettings } from "./settings.js";

interface Init {
  type: "init";
  stateDir: string;
  settings: BrowserSettings;
}
interface Call {
  type: "act";
  id: number;
  args: Record<string, unknown>;
  media: BrowserMedia;
  settings: BrowserSettings;
}

let settings: BrowserSettings | undefined;
let service: BrowserService | undefined;
let inflight = 0;
/** Resolves once the message is handed to the channel, so an exit right after cannot drop it. */
const send = (message: unknown) =>
  new Promise<void>((resolve) => (process.send ? process.send(message, undefined, {}, () => resolve()) : resolve()));
const log = (level: "info" | "warn", msg: string, fields?: object) => void send({ type: "log", level, msg, fields });

/**
 * Nothing running and nothing asked: the gateway is told, and it stops this process unless it has just sent
 * a call (only it knows; exiting here could drop a call already on its way).
 */
function reportIdle(): void {
  setImmediate(() => {
    if (inflight === 0 && service && service.running.size === 0) void send({ type: "idle" });
  });
}

process.on("message", (raw: Init | Call | { type: "stop" }) => {
  if (raw.type === "init") {
    settings = raw.settings;
    clearArtifacts();
    service = new BrowserService(
      {
        stateDir: raw.stateDir,
        settings: () => settings!,
        log: { info: (m, f) => log("info", m, f), warn: (m, f) => log("warn", m, f) },
      },
      (profile, running) => {
        void send({ type: "running", profile, running });
        if (!running) reportIdle();
      },
    );
    return;
  }
  if (raw.type === "stop") {
    void (service?.stopAll() ?? Promise.resolve()).finally(() => process.exit(0));
    return;
  }
  settings = raw.settings;
  inflight += 1;
  service!
    .act(raw.args, raw.media)
    .then(
      (result) => send({ type: "result", id: raw.id, ok: true, result }),
      (error: Error) =>
        send({ type: "result", id: raw.id, ok: false, error: { name: error.name, message: error.message } }),
    )
    .finally(() => {
      inflight -= 1;
      reportIdle();
    });
});
// The gateway went away (even by kill -9): take the browsers down with this process.
process.on("disconnect", () => void (service?.stopAll() ?? Promise.resolve()).finally(() => process.exit(0)));
