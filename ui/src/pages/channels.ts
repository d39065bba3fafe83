/**
 * Channels: the `channels.status` table (every account, its state and last error, the gateway's status
 * issues with their fixes), a probe on demand, and a plain "not configured" state before any channel.
 * @module
 */
import { html, nothing } from "lit";
import { dataTable, Page } from "../page.js";
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
  linked?: boolean;
  probe?: { ok?: boolean; error?: string; bot?: { username?: string } };
}
interface ChannelsStatus {
  channelOrder: string[];
  channelLabels: Record<string, string>;
  channelAccounts: Record<string, Account[]>;
  statusIssues?: { channel: string; accountId: string; message: string; fix?: string }[];
  skipped?: string;
}

interface LoginState {
  connected: boolean;
  failed?: boolean;
  message: string;
  qrDataUrl?: string;
}

export class ChannelsPage extends Page {
  static override properties = {
    ...Page.properties,
    status: { state: true },
    probing: { state: true },
    login: { state: true },
  };
  declare status: ChannelsStatus | undefined;
  declare probing: boolean;
  /** A WhatsApp link in progress: the account, the QR shown, what WhatsApp said last. */
  declare login: { accountId: string; qrDataUrl?: string; message: string } | undefined;
  #loginRun = 0;

  constructor() {
    super();
    this.probing = false;
  }

  protected override unload(): void {
    this.#loginRun++; // a page left ends its wait loop
  }

  /** `web.login.start`, then `web.login.wait` until linked, failed, or the page is left; each new QR shown. */
  async #link(accountId: string): Promise<void> {
    const run = ++this.#loginRun;
    this.login = { accountId, message: t.channels.linking };
    let state = await this.call<LoginState>("web.login.start", { channel: "whatsapp", accountId, timeoutMs: 30_000 });
    while (state && run === this.#loginRun) {
      if (state.qrDataUrl) this.login = { accountId, qrDataUrl: state.qrDataUrl, message: state.message };
      if (state.connected || state.failed) {
        this.login = state.connected ? undefined : { accountId, message: state.message };
        await this.load();
        return;
      }
      state = await this.call<LoginState>("web.login.wait", {
        channel: "whatsapp",
        accountId,
        currentQrDataUrl: this.login?.qrDataUrl,
        timeoutMs: 30_000,
      });
    }
  }

  async #unlink(accountId: string): Promise<void> {
    if (!confirm(t.channels.confirmUnlink(accountId))) return;
    if (await this.call("channels.logout", { channel: "whatsapp", accountId })) await this.load();
  }

  protected override async load(probe = false): Promise<void> {
    this.probing = probe;
    const status = await this.call<ChannelsStatus>("channels.status", probe ? { probe: true, timeoutMs: 10_000 } : {});
    this.probing = false;
    if (status) this.status = status;
  }

  #whatsappActions(a: Account) {
    if (!this.conn.can("web.login.start")) return nothing;
    const linked = a.linked === true && a.state !== "error";
    return html`<div class="actions">
      ${
        linked
          ? html`<button class="secondary" @click=${() => void this.#unlink(a.accountId)}>${t.channels.unlink}</button>`
          : html`<button
              @click=${() => void this.#link(a.accountId)}
              ?disabled=${this.login?.accountId === a.accountId}
            >
              ${t.channels.link}
            </button>`
      }
    </div>`;
  }

  #renderLogin() {
    const login = this.login;
    if (!login) return nothing;
    return html`<section class="card" data-login=${login.accountId} aria-live="polite">
      <h2>WhatsApp ${login.accountId}</h2>
      <p>${login.message}</p>
      ${login.qrDataUrl ? html`<img class="qr" alt="WhatsApp QR code" src=${login.qrDataUrl} width="264" height="264" />` : nothing}
    </section>`;
  }

  override render() {
    const s = this.status;
    return html`
      <h1>${t.nav.channels}</h1>
      ${this.renderError()} ${this.#renderLogin()}
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
              ${dataTable(
                "channels",
                [
                  t.channels.channel,
                  t.channels.account,
                  t.channels.state,
                  t.channels.lastError,
                  t.channels.lastInbound,
                  "",
                ],
                s.channelOrder.flatMap((id) =>
                  (s.channelAccounts[id] ?? []).map(
                    (a) =>
                      html`<tr data-channel=${id} data-account=${a.accountId}>
                        <td>${s.channelLabels[id] ?? id}</td>
                        <td>${a.name ?? a.accountId}${a.enabled ? "" : ` ${t.common.disabled}`}</td>
                        <td>
                          <span class="pill ${a.state === "connected" ? "ok" : a.state === "error" ? "bad" : "warn"}"
                            >${a.state}</span
                          >
                          ${a.probe ? html`<span class="muted">${t.common.probe}: ${a.probe.ok ? "ok" : a.probe.error}</span>` : nothing}
                        </td>
                        <td>${a.lastError ?? t.common.none}</td>
                        <td>${formatTime(a.lastInboundAt)}</td>
                        <td>${id === "whatsapp" ? this.#whatsappActions(a) : nothing}</td>
                      </tr>`,
                  ),
                ),
              )}`
      }
    `;
  }
}

customElements.define("oc-channels", ChannelsPage);
