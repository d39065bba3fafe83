/**
 * The agent's browser: one managed Chromium per gateway (profile `openclaw`), started on the first call and
 * never at gateway start, attached with playwright-core over CDP (imported on that first call), stopped
 * after `browser.idleMinutes` without use and when the gateway stops. A browser that crashed or was killed
 * is noticed and started again by the next call. Every navigation passes the SSRF policy, before it starts
 * and on the URL it ends at. Actions answer in upstream's shapes.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  BrowserLaunchError,
  findExecutable,
  forgetPid,
  launchChromium,
  reapOrphan,
  stopChromium,
  type LaunchedBrowser,
} from "./chromium.js";
import { checkUrl, ssrfPolicy, type SsrfPolicy } from "./ssrf.js";

export const DEFAULT_PROFILE = "openclaw";

/** The build carries playwright-core in dist/vendor/ (it cannot be bundled); from source, node_modules. */
async function loadPlaywright(): Promise<typeof import("playwright-core")> {
  for (const relative of ["./vendor/playwright-core/index.mjs", "../vendor/playwright-core/index.mjs"]) {
    try {
      return (await import(new URL(relative, import.meta.url).href)) as typeof import("playwright-core");
    } catch {
      // not at this depth
    }
  }
  return import("playwright-core");
}
/** Upstream's cap on AI snapshots. */
export const MAX_SNAPSHOT_CHARS = 40_000;
const NAVIGATE_TIMEOUT_MS = 20_000;
const ACT_TIMEOUT_MS = 8_000;

export interface BrowserSettings {
  readonly enabled: boolean;
  readonly executablePath?: string | undefined;
  readonly headless: boolean;
  readonly headlessSource: string;
  readonly noSandbox: boolean;
  readonly noSandboxSource: string;
  readonly idleMs: number;
  readonly ssrf: SsrfPolicy;
  readonly extraArgs: readonly string[];
}

/** `browser.*` with upstream's defaults: headless where there is no display, no sandbox only as root. */
export function browserSettings(
  config: Record<string, unknown> | undefined,
  env: Readonly<Record<string, string | undefined>>,
): BrowserSettings {
  const c = config ?? {};
  const noDisplay = process.platform === "linux" && !env.DISPLAY && !env.WAYLAND_DISPLAY;
  const headless =
    env.OPENCLAW_BROWSER_HEADLESS !== undefined
      ? { value: env.OPENCLAW_BROWSER_HEADLESS !== "0", source: "OPENCLAW_BROWSER_HEADLESS" }
      : typeof c.headless === "boolean"
        ? { value: c.headless, source: "browser.headless" }
        : { value: noDisplay, source: noDisplay ? "linux-display-fallback" : "default" };
  const root = process.getuid?.() === 0;
  const noSandbox =
    typeof c.noSandbox === "boolean"
      ? { value: c.noSandbox, source: "browser.noSandbox" }
      : { value: root, source: root ? "running as root (Chromium's sandbox refuses root)" : "default" };
  const idleMinutes = typeof c.idleMinutes === "number" && c.idleMinutes > 0 ? c.idleMinutes : 10;
  return {
    enabled: c.enabled !== false,
    executablePath:
      typeof c.executablePath === "string"
        ? c.executablePath.startsWith("~/")
          ? join(env.HOME ?? "", c.executablePath.slice(2))
          : c.executablePath
        : undefined,
    headless: headless.value,
    headlessSource: headless.source,
    noSandbox: noSandbox.value,
    noSandboxSource: noSandbox.source,
    idleMs: idleMinutes * 60_000,
    ssrf: ssrfPolicy(c.ssrfPolicy as Record<string, unknown> | undefined),
    extraArgs: Array.isArray(c.extraArgs) ? c.extraArgs.map(String) : [],
  };
}

/** What the browser needs from where it runs: its profile's place, its CDP port, the settings, a log. */
export interface BrowserWorld {
  readonly stateDir: string;
  /** The environment the driver process (and so Chromium) is given a minimal part of. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cdpPort: number;
  settings: () => BrowserSettings;
  readonly log: { info(m: string, f?: object): void; warn(m: string, f?: object): void };
}

interface Session {
  launched: LaunchedBrowser;
  browser: Browser;
  context: BrowserContext;
  /** Tabs by target id, in the order they were opened. */
  tabs: Map<string, Page>;
  current?: string | undefined;
}

/** The status object upstream's `status` answers (`running` is the caller's to add). Pure but for the executable search. */
export function browserStatus(settings: BrowserSettings, cdpPort: number, profileDir: string): Record<string, unknown> {
  let detected: string | undefined;
  let detectError: string | undefined;
  try {
    detected = findExecutable(settings.executablePath);
  } catch (error) {
    detectError = (error as Error).message;
  }
  return {
    enabled: settings.enabled,
    profile: DEFAULT_PROFILE,
    driver: "openclaw",
    transport: "cdp",
    running: false,
    cdpPort,
    cdpUrl: `http://127.0.0.1:${cdpPort}`,
    detectedExecutablePath: detected ?? null,
    ...(detectError ? { detectError } : {}),
    userDataDir: join(profileDir, "user-data"),
    headless: settings.headless,
    headlessSource: settings.headlessSource,
    noSandbox: settings.noSandbox,
    noSandboxSource: settings.noSandboxSource,
    attachOnly: false,
  };
}

export class BrowserError extends Error {
  override name = "BrowserError";
}

export class BrowserService {
  #session: Promise<Session> | undefined;
  #idle: NodeJS.Timeout | undefined;
  #lastTargetSeq = 0;
  readonly #targetIds = new WeakMap<Page, string>();
  readonly #guards = new WeakMap<Page, Promise<void>>();

  constructor(
    private readonly world: BrowserWorld,
    /** Told when the browser has been stopped (idle or asked): the driver process then exits. */
    private readonly onStopped: () => void = () => undefined,
  ) {}

  get profileDir(): string {
    return join(this.world.stateDir, "browser", DEFAULT_PROFILE);
  }

  /** A Chromium that a killed gateway left on this profile: stopped now (called at gateway start). */
  reapOrphan(): number | undefined {
    const pid = reapOrphan(this.profileDir, join(this.profileDir, "user-data"));
    if (pid) this.world.log.warn("stopped a browser a previous gateway left running", { pid });
    return pid;
  }

  get running(): boolean {
    return this.#session !== undefined;
  }

  status(): Record<string, unknown> {
    return { ...browserStatus(this.world.settings(), this.world.cdpPort, this.profileDir), running: this.running };
  }

  /** The running session, started when there is none (or the last one died). */
  async #ensure(): Promise<Session> {
    const settings = this.world.settings();
    if (!settings.enabled) throw new BrowserError("the browser is off (browser.enabled: false)");
    this.#touch();
    this.#session ??= this.#start(settings).catch((error: unknown) => {
      this.#session = undefined;
      throw error;
    });
    return this.#session;
  }

  async #start(settings: BrowserSettings): Promise<Session> {
    const executablePath = findExecutable(settings.executablePath);
    const launched = await launchChromium({
      executablePath,
      profileDir: this.profileDir,
      userDataDir: join(this.profileDir, "user-data"),
      cdpPort: this.world.cdpPort,
      headless: settings.headless,
      noSandbox: settings.noSandbox,
      extraArgs: settings.extraArgs,
    });
    let browser: Browser;
    try {
      const { chromium } = await loadPlaywright();
      browser = await chromium.connectOverCDP(launched.cdpUrl, { timeout: 8000 });
    } catch (error) {
      stopChromium(launched.process);
      throw new BrowserLaunchError(`could not attach to Chromium over CDP: ${(error as Error).message}`);
    }
    const context = browser.contexts()[0] ?? (await browser.newContext());
    const session: Session = { launched, browser, context, tabs: new Map() };
    for (const page of context.pages()) this.#adopt(session, page);
    // Tabs a page opens itself (window.open, target=_blank) are guarded as well.
    context.on("page", (page) => void this.#adopt(session, page));
    void launched.exited.then(() => {
      // Crashed or killed: the next call starts a new one.
      if (this.#session)
        this.world.log.warn("browser exited; the next call starts it again", { profile: DEFAULT_PROFILE });
      this.#session = undefined;
      forgetPid(this.profileDir);
    });
    this.world.log.info("browser started", {
      profile: DEFAULT_PROFILE,
      pid: launched.process.pid,
      headless: settings.headless,
      noSandbox: settings.noSandbox,
    });
    return session;
  }

  /**
   * Every document request of the tab, each redirect hop included, is held (CDP Fetch, request stage) until
   * the policy says yes: a redirect to a private address is refused before a byte goes there. (Playwright's
   * own routing does not see redirect hops.)
   */
  #guard(session: Session, page: Page): Promise<void> {
    let guard = this.#guards.get(page);
    if (!guard) {
      guard = (async () => {
        const cdp = await session.context.newCDPSession(page);
        cdp.on("Fetch.requestPaused", (event: { requestId: string; request: { url: string } }) => {
          void checkUrl(event.request.url, this.world.settings().ssrf).then((verdict) =>
            cdp
              .send(verdict.ok ? "Fetch.continueRequest" : "Fetch.failRequest", {
                requestId: event.requestId,
                ...(verdict.ok ? {} : { errorReason: "BlockedByClient" }),
              })
              .catch(() => undefined),
          );
        });
        await cdp.send("Fetch.enable", {
          patterns: [{ urlPattern: "*", resourceType: "Document", requestStage: "Request" }],
        });
      })();
      this.#guards.set(page, guard);
    }
    return guard;
  }

  #adopt(session: Session, page: Page): string {
    const id = this.#targetIds.get(page) ?? `t${++this.#lastTargetSeq}`;
    this.#targetIds.set(page, id);
    void this.#guard(session, page).catch(() => undefined);
    session.tabs.set(id, page);
    session.current = id;
    page.once("close", () => {
      session.tabs.delete(id);
      if (session.current === id) session.current = [...session.tabs.keys()].at(-1);
    });
    return id;
  }

  #touch(): void {
    clearTimeout(this.#idle);
    const idleMs = this.world.settings().idleMs;
    this.#idle = setTimeout(() => {
      this.world.log.info("browser idle: stopping it", { idleMs });
      void this.stop();
    }, idleMs);
    this.#idle.unref();
  }

  async stop(): Promise<boolean> {
    clearTimeout(this.#idle);
    const pending = this.#session;
    this.#session = undefined;
    if (!pending) return false;
    const session = await pending.catch(() => undefined);
    if (!session) return false;
    await session.browser.close().catch(() => undefined);
    stopChromium(session.launched.process);
    await Promise.race([session.launched.exited, new Promise((r) => setTimeout(r, 3000))]);
    forgetPid(this.profileDir);
    this.onStopped();
    return true;
  }

  async #page(session: Session, targetId: unknown): Promise<{ id: string; page: Page }> {
    const id = typeof targetId === "string" && targetId ? targetId : session.current;
    const page = id ? session.tabs.get(id) : undefined;
    if (page && id) return { id, page };
    if (typeof targetId === "string" && targetId)
      throw new BrowserError(`no tab ${targetId}; list them with action "tabs"`);
    const fresh = await session.context.newPage();
    return { id: this.#adopt(session, fresh), page: fresh };
  }

  async #navigate(session: Session, page: Page, raw: string, timeoutMs = NAVIGATE_TIMEOUT_MS): Promise<void> {
    const policy = this.world.settings().ssrf;
    const before = await checkUrl(raw, policy);
    if (!before.ok) throw new BrowserError(`navigation refused: ${before.reason}`);
    await this.#guard(session, page);
    try {
      await page.goto(before.url.href, { timeout: timeoutMs, waitUntil: "domcontentloaded" });
    } catch (error) {
      if (/ERR_BLOCKED_BY_CLIENT/.test((error as Error).message))
        throw new BrowserError(
          `navigation refused: a redirect led to a private or blocked address (browser.ssrfPolicy)`,
        );
      throw error;
    }
    // Where it ended: a redirect to a private address is left at once.
    const after = await checkUrl(page.url(), policy);
    if (!after.ok) {
      await page.goto("about:blank").catch(() => undefined);
      throw new BrowserError(`navigation refused after a redirect: ${after.reason}`);
    }
  }

  async #tab(page: Page, id: string) {
    return {
      targetId: id,
      tabId: id,
      suggestedTargetId: id,
      title: await page.title().catch(() => ""),
      url: page.url(),
      type: "page",
    };
  }

  /** One `browser` tool call: the action's result as upstream shapes it. */
  async act(args: Record<string, unknown>, media: { dir: string }): Promise<Record<string, unknown>> {
    const action = String(args.action ?? "");
    switch (action) {
      case "status":
        return this.status();
      case "start":
        await this.#ensure();
        return this.status();
      case "stop":
        await this.stop();
        return this.status();
      case "profiles":
        return {
          profiles: [
            {
              name: DEFAULT_PROFILE,
              transport: "cdp",
              cdpPort: this.world.cdpPort,
              driver: "openclaw",
              running: this.running,
              isDefault: true,
              isRemote: false,
            },
          ],
        };
    }
    const session = await this.#ensure();
    switch (action) {
      case "tabs":
        return {
          running: true,
          tabCount: session.tabs.size,
          tabs: await Promise.all([...session.tabs].map(([id, page]) => this.#tab(page, id))),
        };
      case "open": {
        const url = String(args.targetUrl ?? args.url ?? "");
        const page = await session.context.newPage();
        const id = this.#adopt(session, page);
        try {
          await this.#navigate(session, page, url);
        } catch (error) {
          await page.close().catch(() => undefined);
          throw error;
        }
        return this.#tab(page, id);
      }
      case "focus": {
        const { id, page } = await this.#page(session, args.targetId);
        session.current = id;
        await page.bringToFront();
        return { ok: true, targetId: id };
      }
      case "close": {
        const { id, page } = await this.#page(session, args.targetId);
        await page.close();
        return { ok: true, targetId: id };
      }
      case "navigate": {
        const { id, page } = await this.#page(session, args.targetId);
        const timeout =
          typeof args.timeoutMs === "number" ? Math.min(120_000, Math.max(1000, args.timeoutMs)) : undefined;
        await this.#navigate(session, page, String(args.targetUrl ?? args.url ?? ""), timeout);
        return { ok: true, targetId: id, url: page.url() };
      }
      case "snapshot": {
        const { id, page } = await this.#page(session, args.targetId);
        const max =
          typeof args.maxChars === "number" ? Math.min(MAX_SNAPSHOT_CHARS, args.maxChars) : MAX_SNAPSHOT_CHARS;
        const text = await page.locator("body").ariaSnapshot({ mode: "ai", timeout: 20_000 });
        const refs = (text.match(/\[ref=e\d+\]/g) ?? []).length;
        return {
          ok: true,
          format: "ai",
          targetId: id,
          url: page.url(),
          truncated: text.length > max,
          stats: { lines: text.split("\n").length, chars: text.length, refs },
          snapshot: text.slice(0, max),
        };
      }
      case "act":
        return this.#act(session, (args.request as Record<string, unknown> | undefined) ?? args);
      case "text": {
        const { id, page } = await this.#page(session, args.targetId);
        const selector = typeof args.selector === "string" && args.selector ? args.selector : "body";
        const text = (await page.locator(selector).first().innerText({ timeout: ACT_TIMEOUT_MS })).trim();
        const max = typeof args.maxChars === "number" ? Math.min(40_000, args.maxChars) : 40_000;
        return { ok: true, targetId: id, url: page.url(), text: text.slice(0, max) };
      }
      case "screenshot": {
        const { id, page } = await this.#page(session, args.targetId);
        mkdirSync(media.dir, { recursive: true, mode: 0o700 });
        const type = args.type === "jpeg" ? "jpeg" : "png";
        const path = join(media.dir, `screenshot-${Date.now()}.${type}`);
        const target =
          typeof args.ref === "string" ? page.locator(`aria-ref=${args.ref.replace(/^@|^ref=/, "")}`) : page;
        writeFileSync(
          path,
          await target.screenshot({
            type,
            timeout: 20_000,
            ...(args.fullPage === true && target === page ? { fullPage: true } : {}),
          }),
          { mode: 0o600 },
        );
        return { ok: true, path, targetId: id, url: page.url() };
      }
      default:
        throw new BrowserError(
          `unknown action ${JSON.stringify(action)}; one of status, start, stop, profiles, tabs, open, focus, close, navigate, snapshot, act, text, screenshot`,
        );
    }
  }

  async #act(session: Session, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { id, page } = await this.#page(session, request.targetId);
    const kind = String(request.kind ?? "");
    const timeout =
      typeof request.timeoutMs === "number" ? Math.min(60_000, Math.max(500, request.timeoutMs)) : ACT_TIMEOUT_MS;
    const ref = (name = "ref") => {
      const value = request[name];
      if (typeof value !== "string" || !/^(@|ref=)?e\d+$/.test(value))
        throw new BrowserError(`act ${kind} needs ${name}: an e12-style ref from the last snapshot`);
      return page.locator(`aria-ref=${value.replace(/^@|^ref=/, "")}`);
    };
    const urlBefore = page.url();
    try {
      switch (kind) {
        case "click":
          await ref().click({ timeout, ...(request.doubleClick === true ? { clickCount: 2 } : {}) });
          break;
        case "type":
          await ref().fill(String(request.text ?? ""), { timeout });
          if (request.submit === true) await ref().press("Enter", { timeout });
          break;
        case "press":
          await page.keyboard.press(String(request.key ?? ""));
          break;
        case "hover":
          await ref().hover({ timeout });
          break;
        case "select":
          await ref().selectOption((request.values as string[] | undefined) ?? [], { timeout });
          break;
        case "wait":
          if (typeof request.text === "string") await page.getByText(request.text).first().waitFor({ timeout });
          else if (typeof request.timeMs === "number") await page.waitForTimeout(Math.min(30_000, request.timeMs));
          else throw new BrowserError("act wait needs text or timeMs");
          break;
        case "close":
          await page.close();
          return { ok: true, targetId: id };
        default:
          throw new BrowserError(
            `unknown act kind ${JSON.stringify(kind)}; one of click, type, press, hover, select, wait, close`,
          );
      }
    } catch (error) {
      if (/Unknown ref|aria-ref/.test((error as Error).message) && !(error instanceof BrowserError))
        throw new BrowserError(`unknown ref ${String(request.ref)}: refs die on navigation; run a new snapshot`);
      throw error;
    }
    // A click that navigated: the page it reached must pass the policy too.
    if (page.url() !== urlBefore) {
      const verdict = await checkUrl(page.url(), this.world.settings().ssrf);
      if (!verdict.ok) {
        await page.goto("about:blank").catch(() => undefined);
        throw new BrowserError(`navigation refused: ${verdict.reason}`);
      }
    }
    return { ok: true, targetId: id, url: page.url() };
  }
}
