/**
 * The browser driver process: the gateway forks it on the first `browser` call and relays calls to it
 * over IPC. It holds playwright-core and the CDP connection, so when the browser stops (idle, `stop`, or
 * the gateway stopping) this process exits and the gateway's memory is as it was before the browser.
 * @module
 */
import { BrowserService, type BrowserSettings } from "./service.js";

interface Init {
  type: "init";
  stateDir: string;
  cdpPort: number;
  settings: BrowserSettings;
}
interface Call {
  type: "act";
  id: number;
  args: Record<string, unknown>;
  mediaDir: string;
  settings: BrowserSettings;
}

let settings: BrowserSettings | undefined;
let service: BrowserService | undefined;
const send = (message: unknown) => process.send?.(message);
const log = (level: "info" | "warn", msg: string, fields?: object) => send({ type: "log", level, msg, fields });

process.on("message", (raw: Init | Call | { type: "stop" }) => {
  if (raw.type === "init") {
    settings = raw.settings;
    service = new BrowserService(
      {
        stateDir: raw.stateDir,
        env: process.env,
        cdpPort: raw.cdpPort,
        settings: () => settings!,
        log: { info: (m, f) => log("info", m, f), warn: (m, f) => log("warn", m, f) },
      },
      // The browser stopped (idle, or asked): nothing is left for this process to do.
      () => process.exit(0),
    );
    return;
  }
  if (raw.type === "stop") {
    void (service?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
    return;
  }
  settings = raw.settings;
  service!.act(raw.args, { dir: raw.mediaDir }).then(
    (result) => send({ type: "result", id: raw.id, ok: true, result }),
    (error: Error) =>
      send({ type: "result", id: raw.id, ok: false, error: { name: error.name, message: error.message } }),
  );
});
// The gateway went away (even by kill -9): take the browser down with this process.
process.on("disconnect", () => void (service?.stop() ?? Promise.resolve()).finally(() => process.exit(0)));
