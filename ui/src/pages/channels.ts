/**
 * Channels: the `channels.status` table (every account, its state and last error, the gateway's status
 * issues with their fixes), a probe on demand, and a plain "not configured" state before any channel.
 * @module
 */
import { html, nothing } from "lit";
import { Page } from "../page.js";
import { formatTime, t } from "../strings.js";

interface Account {
  accountId: string;
  name?: string;
  enabled: boolean;
  configured: boolean;
  state: string;
  lastError?: string | null;
  lastInboundAt?: number | null;
  dmPolicy?: string;
  probe?: { ok?: boolean; error?: string; bot?: { username?: string } };
}
interface ChannelsStatus {
  channelOrder: string[];
  channelLabels: Record<string, string>;
  channelAccounts: Record<string, Account[]>;
  statusIssues?: { channel: string; accountId: string; message: string; fix?: string }[];
  skipped?: string;
}

export class ChannelsPage extends Page {
  static override properties = { ...Page.properties, status: { state: true }, probing: { state: true } };
  declare status: ChannelsStatus | undefined;
  declare probing: boolean;

  constructor() {
    super();
    this.probing = false;
  }

  protected override async load(probe = false): Promise<void> {
    this.probing = probe;
    const status = await this.call<ChannelsStatus>("channels.status", probe ? { probe: true, timeoutMs: 10_000 } : {});
    this.probing = false;
    if (status) this.status = status;
  }

  override render() {
    const s = this.status;
    return html`
      <h1>${t.nav.channels}</h1>
      ${this.renderError()}
      <div class="toolbar">
        <button class="secondary" @click=${() => void this.load()}>${t.common.refresh}</button>
        <button class="secondary" ?disabled=${this.probing} @click=${() => void this.load(true)}>
          ${t.channels.probe}
        </button>
      </div>
      ${
        !s
          ? html`<p class="muted">${t.common.loading}</p>`
          : s.channelOrder.length === 0
            ? html`<p class="card" data-empty>${s.skipped ? `${s.skipped}. ` : ""}${t.channels.notConfigured}</p>`
            : html`${(s.statusIssues ?? []).map(
                  (issue) =>
                    html`<div class="error" role="alert">
                      <p>${s.channelLabels[issue.channel] ?? issue.channel} (${issue.accountId}): ${issue.message}</p>
                      ${issue.fix ? html`<p>${t.common.fix} <code>${issue.fix}</code></p>` : nothing}
                    </div>`,
                )}
                <div class="table-wrap">
                  <table data-table="channels">
                    <thead>
                      <tr>
                        <th>${t.channels.channel}</th>
                        <th>${t.channels.account}</th>
                        <th>${t.channels.state}</th>
                        <th>${t.channels.lastError}</th>
                        <th>${t.channels.lastInbound}</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${s.channelOrder.flatMap((id) =>
                        (s.channelAccounts[id] ?? []).map(
                          (a) =>
                            html`<tr data-channel=${id} data-account=${a.accountId}>
                              <td>${s.channelLabels[id] ?? id}</td>
                              <td>${a.name ?? a.accountId}${a.enabled ? "" : ` ${t.common.disabled}`}</td>
                              <td>
                                <span
                                  class="pill ${a.state === "connected" ? "ok" : a.state === "error" ? "bad" : "warn"}"
                                  >${a.state}</span
                                >
                                ${a.probe ? html`<span class="muted">${t.common.probe}: ${a.probe.ok ? "ok" : a.probe.error}</span>` : nothing}
                              </td>
                              <td>${a.lastError ?? t.common.none}</td>
                              <td>${formatTime(a.lastInboundAt)}</td>
                            </tr>`,
                        ),
                      )}
                    </tbody>
                  </table>
                </div>`
      }
    `;
  }
}

customElements.define("oc-channels", ChannelsPage);
