/**
 * `<openclaw-app>`: the shell. It owns the connection, the route (History API under the base path the
 * gateway announces on `<html>`), the connection state shown in the header, the sign-in gate and the
 * pairing panel. Chat is in the first bundle (it is the landing page); other pages load when opened.
 * @module
 */
import { html, LitElement, nothing } from "lit";
import { GatewayConnection, type ConnectionState } from "./gateway.js";
import { loadIdentity, takeTokenFromLocation } from "./identity.js";
import "./pages/chat.js";
import { explainConnectError, t } from "./strings.js";

const PAGES = ["overview", "chat", "sessions", "channels", "logs", "config", "devices"] as const;
type PageName = (typeof PAGES)[number];
/** Which method each page needs: a page the connection cannot use is not offered. */
const PAGE_METHOD: Record<PageName, string> = {
  overview: "status",
  chat: "chat.send",
  sessions: "sessions.list",
  channels: "channels.status",
  logs: "logs.tail",
  config: "config.get",
  devices: "device.pair.list",
};
const LAZY: Partial<Record<PageName, () => Promise<unknown>>> = {
  overview: () => import("./pages/overview.js"),
  sessions: () => import("./pages/sessions.js"),
  channels: () => import("./pages/channels.js"),
  logs: () => import("./pages/logs.js"),
  config: () => import("./pages/config.js"),
  devices: () => import("./pages/devices.js"),
};

export class OpenClawApp extends LitElement {
  static override properties = {
    state: { state: true },
    page: { state: true },
    loaded: { state: true },
    reachable: { state: true },
  };
  declare state: ConnectionState;
  declare page: PageName;
  declare loaded: ReadonlySet<PageName>;
  /** After a socket failed before its handshake: does the gateway answer HTTP? (origin or proxy trouble) */
  declare reachable: boolean | undefined;
  readonly basePath = document.documentElement.dataset.openclawControlUiBasePath ?? "";
  readonly conn: GatewayConnection;
  /** Once a page has been shown, a dropped connection is a banner above it, not a gate in its place. */
  #everConnected = false;

  constructor() {
    super();
    const { token } = takeTokenFromLocation(location, history);
    const gatewayUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${this.basePath}`;
    this.conn = new GatewayConnection(
      {
        url: gatewayUrl,
        identity: loadIdentity(localStorage, { subtle: globalThis.isSecureContext ? crypto.subtle : undefined }),
        localStorage,
        sessionStorage,
        clientVersion: __OPENCLAW_VERSION__,
        WebSocket,
      },
      (state) => this.#onState(state),
    );
    this.state = this.conn.state;
    this.page = this.#routeFromLocation();
    this.loaded = new Set(["chat"]);
    this.reachable = undefined;
    this.conn.start(token);
    addEventListener("popstate", () => this.#go(this.#routeFromLocation(), false));
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  #onState(state: ConnectionState): void {
    this.state = state;
    if (state.kind === "connected") {
      this.reachable = undefined;
      this.#everConnected = true;
    }
    if (state.kind === "waiting" && state.error.message.includes("unreachable"))
      void fetch(`${this.basePath}/readyz`, { cache: "no-store" }).then(
        (res) => (this.reachable = res.status < 500),
        () => (this.reachable = false),
      );
  }

  #routeFromLocation(): PageName {
    const rest = location.pathname.slice(this.basePath.length).replace(/^\/+|\/+$/g, "");
    const name = rest.split("/")[0] as PageName;
    return PAGES.includes(name) ? name : "chat";
  }

  #go(page: PageName, push = true, query = ""): void {
    if (push) history.pushState(null, "", `${this.basePath}/${page}${query}`);
    this.page = page;
    const load = LAZY[page];
    if (load && !this.loaded.has(page)) void load().then(() => (this.loaded = new Set([...this.loaded, page])));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#go(this.page, false);
    // Pages ask for navigation with an event (open a session in chat), so they need no reference to the shell.
    this.addEventListener("navigate", (event) => {
      const { page, query } = (event as CustomEvent<{ page: PageName; query?: string }>).detail;
      this.#go(page, true, query ?? "");
    });
  }

  #navigate(event: MouseEvent, page: PageName): void {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    this.#go(page);
  }

  #login(event: SubmitEvent): void {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem("token") as HTMLInputElement;
    const token = input.value.trim();
    if (token) this.conn.start(token);
  }

  override render() {
    const hello = this.conn.hello;
    return html`
      <header class="top">
        <span class="brand">${t.appName}</span>
        ${this.#renderStatus()}
      </header>
      <nav class="nav" aria-label="Pages">
        ${PAGES.map((page) => {
          const usable = !hello || this.conn.can(PAGE_METHOD[page]);
          return usable
            ? html`<a
                href="${this.basePath}/${page}"
                aria-current=${this.page === page ? "page" : "false"}
                @click=${(e: MouseEvent) => this.#navigate(e, page)}
                >${t.nav[page]}</a
              >`
            : nothing;
        })}
      </nav>
      <main class="main">${this.#renderMain()}</main>
    `;
  }

  #renderStatus() {
    const s = this.state;
    const label =
      s.kind === "connected"
        ? t.connection.connected
        : s.kind === "connecting"
          ? t.connection.connecting
          : s.kind === "waiting"
            ? t.connection.waiting(Math.ceil(s.retryInMs / 1000))
            : t.connection.needsAuth;
    return html`<span class="conn-state" data-state=${s.kind} role="status" aria-live="polite">${label}</span>`;
  }

  #renderMain() {
    const gate = this.#renderGate();
    if (!gate) return this.#renderPage();
    const s = this.state;
    const shown = s.kind === "waiting" ? s.error : s.kind === "connecting" ? s.previous : undefined;
    const transient =
      (s.kind === "connecting" || s.kind === "waiting") && !(shown?.details as { code?: string } | undefined)?.code;
    return this.#everConnected && transient
      ? html`<div class="banner">${gate}</div>
          ${this.#renderPage()}`
      : gate;
  }

  /** The sign-in form, the pairing panel, or a connect error: shown instead of the page until connected. */
  #renderGate() {
    const s = this.state;
    if (s.kind === "connected" || (s.kind === "connecting" && s.attempt <= 1)) return undefined;
    if (s.kind === "connecting" && !s.previous) return html`<p class="muted">${t.connection.connecting}</p>`;
    const error = s.kind === "connecting" ? s.previous : s.error;
    const code = (error?.details as { code?: string } | undefined)?.code ?? error?.code;
    const explained = error ? explainConnectError(code, error.message) : undefined;
    const errorBlock = explained
      ? html`<div class="error" role="alert" data-code=${code ?? ""}>
          <p>${explained.text} <code class="code">${code}</code></p>
          ${error && explained.text !== error.message ? html`<p class="muted">${error.message}</p>` : nothing}
          ${explained.fix ? html`<p>${t.common.fix} <code>${explained.fix}</code></p>` : nothing}
        </div>`
      : nothing;
    if (s.kind === "needs-auth")
      return html`<section class="card gate">
        <h1>${t.login.title}</h1>
        ${errorBlock}
        <p class="muted">${t.login.intro}</p>
        <form @submit=${this.#login}>
          <label>${t.login.label}<input name="token" type="password" autocomplete="off" required /></label>
          <button type="submit">${t.login.submit}</button>
        </form>
        <button class="link" @click=${() => void this.conn.forgetCredentials()}>${t.login.forget}</button>
      </section>`;
    if (code === "PAIRING_REQUIRED") {
      const requestId = (error?.details as { requestId?: string } | undefined)?.requestId;
      return html`<section class="card gate pairing">
        <h1>${t.pairing.title}</h1>
        <p>${t.pairing.intro}</p>
        <pre class="command">openclaw devices approve ${requestId ?? "<requestId>"}</pre>
        <p class="muted">${t.pairing.requestId}: <code data-request-id=${requestId ?? ""}>${requestId}</code></p>
        <p class="muted">${t.pairing.keepOpen}</p>
        <button @click=${() => this.conn.retryNow()}>${t.connection.retryNow}</button>
      </section>`;
    }
    return html`<section class="card gate">
      ${errorBlock} ${this.reachable ? html`<p>${t.connection.refusedUpgrade}</p>` : nothing}
      <button @click=${() => this.conn.retryNow()}>${t.connection.retryNow}</button>
    </section>`;
  }

  #renderPage() {
    const hello = this.conn.hello;
    switch (this.page) {
      case "chat":
        return html`<oc-chat .conn=${this.conn} .hello=${hello}></oc-chat>`;
      case "overview":
        return html`<oc-overview .conn=${this.conn} .hello=${hello}></oc-overview>`;
      case "sessions":
        return html`<oc-sessions .conn=${this.conn} .hello=${hello}></oc-sessions>`;
      case "channels":
        return html`<oc-channels .conn=${this.conn} .hello=${hello}></oc-channels>`;
      case "logs":
        return html`<oc-logs .conn=${this.conn} .hello=${hello}></oc-logs>`;
      case "config":
        return html`<oc-config .conn=${this.conn} .hello=${hello}></oc-config>`;
      case "devices":
        return html`<oc-devices .conn=${this.conn} .hello=${hello}></oc-devices>`;
    }
  }
}

customElements.define("openclaw-app", OpenClawApp);
