/**
 * The gateway's side of the channels: the manager gets the gateway's turn runner (agent runs, so a
 * channel's turns stream to operator clients as ordinary `agent`/`chat` events) and a transcript
 * recorder, as parameters: the channel layer never imports the agent or the sessions.
 * @module
 */
import { randomUUID } from "node:crypto";
import { envFlag } from "../config/paths.js";
import { ChannelManager } from "../channels/manager.js";
import { appendEntry } from "../sessions/transcript.js";
import type { GatewayRuntime } from "./runtime.js";

const CHANNEL_AGENT = "default";

export function createChannelManager(runtime: GatewayRuntime): ChannelManager {
  const log = runtime.log.child("channels");
  return new ChannelManager(
    runtime.snapshot.config,
    {
      log,
      env: runtime.env,
      stateDir: runtime.paths.stateDir,
      credentialsDir: runtime.paths.credentialsDir,
      secret: (value) => runtime.log.addSecret(value),
      count: (event, channel, account) =>
        event === "send_failure"
          ? runtime.metrics.inc("openclaw_channel_send_failures_total", { channel, account })
          : runtime.metrics.inc("openclaw_channel_messages_total", { channel, account, direction: event }),
      runTurn: async ({ sessionKey, message, origin }) => {
        const store = runtime.agents.store(CHANNEL_AGENT);
        const { run } = runtime.agents.start({
          runId: randomUUID(),
          message,
          sessionKey,
          agentId: CHANNEL_AGENT,
          origin: { ...origin },
        });
        const done = await run.done;
        store.patch(
          sessionKey,
          {
            channel: origin.channel,
            lastChannel: origin.channel,
            lastTo: origin.to,
            lastAccountId: origin.accountId,
            chatType: origin.chatType,
          },
          false,
        );
        if (done.status === "ok") return { text: done.result?.text ?? "" };
        throw new Error(done.error?.message ?? `the run ended ${done.status}`);
      },
      record: (sessionKey, entry) => {
        const store = runtime.agents.store(CHANNEL_AGENT);
        const session = store.get(sessionKey);
        if (!session) return;
        try {
          appendEntry(store.transcriptPath(session.sessionId), {
            ...entry,
            id: `dl${Date.now().toString(36)}`,
            timestamp: new Date().toISOString(),
          });
        } catch (error) {
          log.error("delivery record not written", { sessionKey, error: (error as Error).message });
        }
      },
    },
    { skip: envFlag(runtime.env, "OPENCLAW_SKIP_CHANNELS") },
  );
}
