/**
 * What every page shares: the connection, a reload whenever a (new) `hello-ok` arrives, a visible error
 * line, and light DOM so one stylesheet (theme.css) styles the whole app.
 * @module
 */
import { html, LitElement, nothing, type PropertyValues } from "lit";
import { RequestError, type GatewayConnection, type Hello } from "./gateway.js";
import { t } from "./strings.js";

export abstract class Page extends LitElement {
  static override properties = {
    conn: { attribute: false },
    hello: { attribute: false },
    error: { state: true },
  };
  declare conn: GatewayConnection;
  declare hello: Hello | undefined;
  declare error: string | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has("hello") && this.hello) void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unload();
  }

  /** Fetches the page's data; called on each new connection. */
  protected abstract load(): Promise<void>;

  /** Stops timers and subscriptions. */
  protected unload(): void {}

  /** A request whose failure shows on the page instead of throwing; undefined when it failed. */
  protected async call<T>(method: string, params: unknown = {}): Promise<T | undefined> {
    if (!this.conn.can(method)) {
      this.error = t.common.notAllowed(method);
      return undefined;
    }
    try {
      const result = await this.conn.request<T>(method, params);
      this.error = undefined;
      return result;
    } catch (error) {
      this.error = t.common.failed(method, error instanceof RequestError ? error.message : String(error));
      return undefined;
    }
  }

  protected renderError(): unknown {
    return this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing;
  }
}

/** A table (in the scrolling wrapper every page uses) with its header row; `rows` are `<tr>`s. */
export function dataTable(name: string, headers: readonly unknown[], rows: unknown) {
  return html`<div class="table-wrap">
    <table data-table=${name}>
      ${
        headers.length
          ? html`<thead>
              <tr>
                ${headers.map((h) => html`<th>${h}</th>`)}
              </tr>
            </thead>`
          : nothing
      }
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}
