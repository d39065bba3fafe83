/** Sessions: list, search, rename (label), reset, delete, open in chat. @module */
import { html, nothing } from "lit";
import { dataTable, Page } from "../page.js";
import { formatTime, t } from "../strings.js";
import { shortKey } from "./chat.js";

interface SessionRow {
  key: string;
  sessionId: string;
  label?: string;
  updatedAt: number;
  totalTokens?: number;
  status?: string;
  model?: string;
}

export class SessionsPage extends Page {
  static override properties = {
    ...Page.properties,
    rows: { state: true },
    query: { state: true },
  };
  declare rows: SessionRow[] | undefined;
  declare query: string;

  constructor() {
    super();
    this.query = "";
  }

  protected override async load(): Promise<void> {
    const list = await this.call<{ sessions: SessionRow[] }>("sessions.list", { limit: 1000 });
    if (list) this.rows = list.sessions;
  }

  async #rename(row: SessionRow): Promise<void> {
    const label = prompt(t.sessions.renamePrompt, row.label ?? "");
    if (label === null) return;
    if (await this.call("sessions.patch", { key: row.key, label: label.trim() === "" ? null : label.trim() }))
      await this.load();
  }

  async #reset(row: SessionRow): Promise<void> {
    if (!confirm(t.sessions.confirmReset(shortKey(row.key)))) return;
    if (await this.call("sessions.reset", { key: row.key, reason: "reset" })) await this.load();
  }

  async #delete(row: SessionRow): Promise<void> {
    if (!confirm(t.sessions.confirmDelete(shortKey(row.key)))) return;
    if (await this.call("sessions.delete", { key: row.key, deleteTranscript: false })) await this.load();
  }

  #open(row: SessionRow): void {
    this.dispatchEvent(
      new CustomEvent("navigate", {
        bubbles: true,
        detail: { page: "chat", query: `?session=${encodeURIComponent(shortKey(row.key))}` },
      }),
    );
  }

  override render() {
    const q = this.query.toLowerCase();
    const rows = (this.rows ?? []).filter(
      (r) => !q || r.key.toLowerCase().includes(q) || (r.label ?? "").toLowerCase().includes(q),
    );
    const admin = this.conn.can("sessions.patch");
    return html`
      <h1>${t.nav.sessions}</h1>
      ${this.renderError()}
      <div class="toolbar">
        <label
          >${t.sessions.search}<input
            type="search"
            name="search"
            .value=${this.query}
            @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)}
        /></label>
        <button class="secondary" @click=${() => void this.load()}>${t.common.refresh}</button>
      </div>
      ${
        this.rows === undefined
          ? html`<p class="muted">${t.common.loading}</p>`
          : rows.length === 0
            ? html`<p class="muted">${t.sessions.empty}</p>`
            : dataTable(
                "sessions",
                [t.sessions.key, t.sessions.label, t.sessions.updated, t.sessions.tokens, t.sessions.status, ""],
                rows.map(
                  (r) =>
                    html`<tr data-session=${shortKey(r.key)}>
                      <td><code>${shortKey(r.key)}</code></td>
                      <td data-field="label">${r.label ?? ""}</td>
                      <td>${formatTime(r.updatedAt)}</td>
                      <td>${r.totalTokens ?? 0}</td>
                      <td>${r.status ?? ""}</td>
                      <td>
                        <div class="actions">
                          <button class="secondary" @click=${() => this.#open(r)}>${t.sessions.open}</button>
                          ${
                            admin
                              ? html`<button class="secondary" @click=${() => void this.#rename(r)}>
                                    ${t.sessions.rename}
                                  </button>
                                  <button class="secondary" @click=${() => void this.#reset(r)}>
                                    ${t.sessions.reset}
                                  </button>
                                  <button class="danger" @click=${() => void this.#delete(r)}>
                                    ${t.sessions.delete}
                                  </button>`
                              : nothing
                          }
                        </div>
                      </td>
                    </tr>`,
                ),
              )
      }
    `;
  }
}

customElements.define("oc-sessions", SessionsPage);
