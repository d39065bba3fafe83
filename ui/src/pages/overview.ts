/**
 * Overview: the gateway (version, uptime, bind, auth), connected clients, every channel's state with its
 * last error, the model and its credential state, the last gateway error. Live: `presence` and `health`
 * events update it, and `status` is read again every 10 s while the page is open.
 * @module
 */
import { html, nothing } from "lit";
import { dataTable, Page } from "../page.js";
import { formatDuration, formatTime, t } from "../strings.js";

interface Status {
  runtimeVersion: string;
  uptimeMs: number;
  gateway: { port: number; bind: string; auth: string; clients: number; listening: string[]; configPath?: string };
  model?: { primary: string | null; credential: string; sources?: string[]; hint?: string; error?: string };
  lastError?: { message: string; time?: string; source: string } | null;
}
interface Presence {
  host?: string;
  ip?: string;
  version?: string;
  platform?: string;
  mode?: string;
  text?: string;
  ts?: number;
  reason?: string;
}
interface ChannelHealth {
  state?: string;
  lastError?: string | null;
  accounts?: Record<string, { state?: string; lastError?: string | null }>;
}
interface Health {
  channels?: Record<string, ChannelHealth>;
  eventLoop?: { delayP99Ms: number };
}

const REFRESH_MS = 10_000;

export class OverviewPage extends Page {
  static override properties = {
    ...Page.properties,
    status: { state: true },
    presence: { state: true },
    health: { state: true },
  };
  declare status: Status | undefined;
  declare presence: Presence[];
  declare health: Health | undefined;
  #timer: number | undefined;
  #off: (() => void)[] = [];

  constructor() {
    super();
    this.presence = [];
  }

  protected override async load(): Promise<void> {
    this.unload();
    this.health = this.hello?.snapshot.health as Health | undefined;
    this.presence = (this.hello?.snapshot.presence ?? []) as Presence[];
    this.#off.push(
      this.conn.on("presence", (p) => {
        const rows = (p as { presence?: Presence[] }).presence ?? p;
        if (Array.isArray(rows)) this.presence = rows as Presence[];
      }),
      this.conn.on("health", (h) => (this.health = h as Health)),
    );
    this.#timer = window.setInterval(() => void this.#refresh(), REFRESH_MS);
    await this.#refresh();
  }

  protected override unload(): void {
    clearInterval(this.#timer);
    for (const off of this.#off) off();
    this.#off = [];
  }

  async #refresh(): Promise<void> {
    const [status, presence] = await Promise.all([
      this.call<Status>("status"),
      this.conn.can("system-presence") ? this.call<Presence[]>("system-presence") : undefined,
    ]);
    if (status) this.status = status;
    if (presence) this.presence = presence;
  }

  override render() {
    const s = this.status;
    const channels = Object.entries(this.health?.channels ?? {});
    return html`
      <h1>${t.nav.overview}</h1>
      ${this.renderError()}
      <div class="grid">
        <section class="card" aria-labelledby="ov-gw">
          <h2 id="ov-gw">${t.overview.gateway}</h2>
          ${
            s
              ? html`<dl class="facts">
                  <dt>${t.overview.version}</dt>
                  <dd data-field="version">${s.runtimeVersion}</dd>
                  <dt>${t.overview.uptime}</dt>
                  <dd>${formatDuration(s.uptimeMs)}</dd>
                  <dt>${t.overview.bind}</dt>
                  <dd data-field="bind">${s.gateway.bind} (${s.gateway.listening.join(", ")})</dd>
                  <dt>${t.overview.auth}</dt>
                  <dd data-field="auth">${s.gateway.auth}</dd>
                  ${
                    s.gateway.configPath
                      ? html`<dt>${t.overview.configPath}</dt>
                          <dd><code>${s.gateway.configPath}</code></dd>`
                      : nothing
                  }
                  <dt>${t.overview.eventLoop}</dt>
                  <dd>${this.health?.eventLoop ? `${this.health.eventLoop.delayP99Ms} ms` : t.common.none}</dd>
                </dl>`
              : html`<p class="muted">${t.common.loading}</p>`
          }
        </section>
        <section class="card" aria-labelledby="ov-model">
          <h2 id="ov-model">${t.overview.model}</h2>
          ${
            s?.model
              ? s.model.primary
                ? html`<p><code data-field="model">${s.model.primary}</code></p>
                    <p>
                      <span class="pill ${s.model.credential === "missing" ? "bad" : "ok"}" data-field="credential"
                        >${s.model.credential}</span
                      >
                      ${s.model.sources?.length ? html`<span class="muted">${s.model.sources.join(", ")}</span>` : nothing}
                    </p>
                    ${s.model.hint ? html`<p class="muted">${s.model.hint}</p>` : nothing}
                    ${s.model.error ? html`<p class="error">${s.model.error}</p>` : nothing}`
                : html`<p class="muted" data-field="model">${t.overview.modelNone}</p>`
              : nothing
          }
          <h2>${t.overview.lastError}</h2>
          ${
            s?.lastError
              ? html`<p class="error" data-field="last-error">
                  ${s.lastError.message}
                  <span class="muted">(${s.lastError.time ?? s.lastError.source})</span>
                </p>`
              : html`<p class="muted" data-field="last-error">${t.overview.noError}</p>`
          }
        </section>
      </div>
      <section class="card" aria-labelledby="ov-ch">
        <h2 id="ov-ch">${t.overview.channels}</h2>
        ${
          channels.length === 0
            ? html`<p class="muted">${t.channels.notConfigured}</p>`
            : dataTable(
                "channels",
                [t.channels.channel, t.channels.state, t.channels.lastError],
                channels.map(
                  ([id, ch]) =>
                    html`<tr data-channel=${id}>
                      <td>${id}</td>
                      <td>
                        <span class="pill ${ch.state === "connected" ? "ok" : "warn"}">${ch.state ?? "?"}</span>
                      </td>
                      <td>${ch.lastError ?? t.common.none}</td>
                    </tr>`,
                ),
              )
        }
      </section>
      <section class="card" aria-labelledby="ov-clients">
        <h2 id="ov-clients">${t.overview.clients} (${this.presence.length})</h2>
        ${dataTable(
          "presence",
          [],
          this.presence.map(
            (p) =>
              html`<tr>
                <td>${p.text ?? p.mode ?? ""}</td>
                <td>${p.mode ?? ""}</td>
                <td>${p.platform ?? ""} ${p.version ?? ""}</td>
                <td>${p.ip ?? p.host ?? ""}</td>
                <td>${formatTime(p.ts)}</td>
              </tr>`,
          ),
        )}
      </section>
    `;
  }
}

customElements.define("oc-overview", OverviewPage);
