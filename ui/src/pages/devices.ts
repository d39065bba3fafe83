/**
 * Devices: pending pairing requests (approve, reject) and paired devices (revoke the token, remove),
 * refreshed by `device.pair.requested|resolved` events.
 * @module
 */
import { html, nothing } from "lit";
import { IDENTITY_KEY } from "../identity.js";
import { dataTable, Page } from "../page.js";
import { formatTime, t } from "../strings.js";

interface Device {
  deviceId: string;
  clientId: string;
  clientMode: string;
  platform?: string;
  role: string;
  scopes: string[];
  remoteIp?: string;
}
interface Pending extends Device {
  requestId: string;
  createdAtMs: number;
  reason: string;
}
interface Paired extends Device {
  approvedAtMs: number;
  roles: string[];
}

const short = (id: string) => `${id.slice(0, 12)}…`;

function ownDeviceId(): string | undefined {
  try {
    return (JSON.parse(localStorage.getItem(IDENTITY_KEY) ?? "null") as { deviceId?: string } | null)?.deviceId;
  } catch {
    return undefined;
  }
}

export class DevicesPage extends Page {
  static override properties = { ...Page.properties, list: { state: true } };
  declare list: { pending: Pending[]; paired: Paired[] } | undefined;
  #off: (() => void)[] = [];

  protected override async load(): Promise<void> {
    this.unload();
    this.#off.push(
      this.conn.on("device.pair.requested", () => void this.#refresh()),
      this.conn.on("device.pair.resolved", () => void this.#refresh()),
    );
    await this.#refresh();
  }

  protected override unload(): void {
    for (const off of this.#off) off();
    this.#off = [];
  }

  async #refresh(): Promise<void> {
    const list = await this.call<{ pending: Pending[]; paired: Paired[] }>("device.pair.list");
    if (list) this.list = list;
  }

  async #act(method: string, params: Record<string, string>, question?: string): Promise<void> {
    if (question && !confirm(question)) return;
    if (await this.call(method, params)) await this.#refresh();
  }

  override render() {
    const own = ownDeviceId();
    return html`
      <h1>${t.nav.devices}</h1>
      ${this.renderError()}
      <section class="card">
        <h2>${t.devices.pending}</h2>
        ${
          !this.list
            ? html`<p class="muted">${t.common.loading}</p>`
            : this.list.pending.length === 0
              ? html`<p class="muted">${t.devices.noPending}</p>`
              : dataTable(
                  "pending",
                  [t.devices.device, t.devices.client, t.devices.address, t.devices.scopes, t.devices.requested, ""],
                  this.list.pending.map(
                    (p) =>
                      html`<tr data-request=${p.requestId}>
                        <td>
                          <code title=${p.deviceId}>${short(p.deviceId)}</code>
                          <span class="muted">${p.reason}</span>
                        </td>
                        <td>${p.clientId} ${p.platform ?? ""}</td>
                        <td>${p.remoteIp ?? ""}</td>
                        <td>${p.scopes.join(", ")}</td>
                        <td>${formatTime(p.createdAtMs)}</td>
                        <td>
                          <div class="actions">
                            <button @click=${() => void this.#act("device.pair.approve", { requestId: p.requestId })}>
                              ${t.devices.approve}
                            </button>
                            <button
                              class="secondary"
                              @click=${() => void this.#act("device.pair.reject", { requestId: p.requestId })}
                            >
                              ${t.devices.reject}
                            </button>
                          </div>
                        </td>
                      </tr>`,
                  ),
                )
        }
      </section>
      <section class="card">
        <h2>${t.devices.paired}</h2>
        ${
          this.list && this.list.paired.length === 0
            ? html`<p class="muted">${t.devices.noPaired}</p>`
            : dataTable(
                "paired",
                [t.devices.device, t.devices.client, t.devices.address, t.devices.scopes, ""],
                (this.list?.paired ?? []).map(
                  (d) =>
                    html`<tr data-device=${d.deviceId}>
                      <td>
                        <code title=${d.deviceId}>${short(d.deviceId)}</code>
                        ${d.deviceId === own ? html`<span class="pill">${t.devices.thisDevice}</span>` : nothing}
                      </td>
                      <td>${d.clientId} ${d.platform ?? ""}</td>
                      <td>${d.remoteIp ?? ""}</td>
                      <td>${d.scopes.join(", ")}</td>
                      <td>
                        <div class="actions">
                          ${d.roles.map(
                            (role) =>
                              html`<button
                                class="secondary"
                                @click=${() =>
                                  void this.#act(
                                    "device.token.revoke",
                                    { deviceId: d.deviceId, role },
                                    `${t.devices.revoke}: ${short(d.deviceId)} (${role})?`,
                                  )}
                              >
                                ${t.devices.revoke} (${role})
                              </button>`,
                          )}
                          <button
                            class="danger"
                            @click=${() => void this.#act("device.pair.remove", { deviceId: d.deviceId }, `${t.devices.remove} ${short(d.deviceId)}?`)}
                          >
                            ${t.devices.remove}
                          </button>
                        </div>
                      </td>
                    </tr>`,
                ),
              )
        }
      </section>
    `;
  }
}

customElements.define("oc-devices", DevicesPage);
