/**
 * The agent's browser, one session per profile: a managed profile's Chromium is launched on first use
 * (never at gateway start) and attached with playwright-core over CDP; a remote or `attachOnly` profile is
 * only connected to, and `stop` only disconnects from it. Each session stops after `browser.idleMinutes`
 * without use. A browser that crashed or was killed is noticed and started again by the next call. Every
 * navigation, each redirect hop included, passes the SSRF policy. Uploads come only from the caller's
 * roots and downloads land only in the profile's `downloads/`, both with size caps. Actions answer in
 * upstream's shapes.
 * @module
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, sep } from "node:path";
import type { Browser, BrowserContext, Download, Locator, Page } from "playwright-core";
import {
  BrowserLaunchError,
  findExecutable,
  forgetPid,
  launchChromium,
  stopChromium,
  type LaunchedBrowser,
} from "./chromium.js";
import {
  BrowserError,
  browserStatus,
  profileDir,
  profileList,
  profileOf,
  type BrowserProfile,
  type BrowserSettings,
} from "./settings.js";
import { ariaNodes, shapeSnapshot, type AxNode } from "./snapshot.js";
import { checkUrl } from "./ssrf.js";

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
const MAX_SNAPSHOT_CHARS = 40_000;
const NAVIGATE_TIMEOUT_MS = 20_000;
const ACT_TIMEOUT_MS = 8_000;
const WAIT_TIMEOUT_MS = 20_000;
const DOWNLOAD_TIMEOUT_MS = 120_000;
const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_UPLOAD_FILES = 10;
const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;
/** Per tab, the newest entries kept for `console`, `errors` and `requests`. */
const LOG_ENTRIES = { console: 200, errors: 100, requests: 200 } as const;
const MAX_BATCH_ACTIONS = 100;
const MAX_BATCH_DEPTH = 5;
const AsyncFunction = (async () => undefined).constructor as new (...args: string[]) => unknown;

/** What the browser needs from where it runs: the state directory, the settings, a log. */
export interface BrowserWorld {
  readonly stateDir: string;
  settings: () => BrowserSettings;
  readonly log: { info(m: string, f?: object): void; warn(m: string, f?: object): void };
}

/** Where a call's files go: screenshots and PDFs to `dir`; uploads only from under `uploadRoots`. */
export interface BrowserMedia {
  readonly dir: string;
  readonly uploadRoots: readonly string[];
}

type Entry = Record<string, unknown>;

/** What a tab has said and done since it was opened (bounded), and the dialog armed for it. */
interface TabRecord {
  console: Entry[];
  errors: Entry[];
  requests: Entry[];
  dialogs: Entry[];
  armedDialog?: { accept: boolean; promptText?: string | undefined; until: number } | undefined;
  armedUpload?: { paths: string[]; until: number } | undefined;
}

interface Session {
  profile: BrowserProfile;
  /** The Chromium we launched (managed profiles only). */
  launched?: LaunchedBrowser | undefined;
  browser: Browser;
  context: BrowserContext;
  /** Tabs by id, in the order they were opened. */
  tabs: Map<string, Page>;
  current?: string | undefined;
  seq: number;
  devices: Record<string, { viewport: { width: number; height: number }; userAgent: string }>;
}

const push = (list: Entry[], entry: Entry, max: number) => {
  list.push(entry);
  if (list.length > max) list.splice(0, list.length - max);
};
const clamp = (value: unknown, min: number, max: number, fallback: number) =>
  typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
const KEY_ALIASES: Record<string, string> = {
  Esc: "Escape",
  Return: "Enter",
  Del: "Delete",
  Ctrl: "Control",
  Cmd: "Meta",
};

/** A file name for a download: its last path part, without control or separator characters. */
function safeFileName(raw: string): string {
  const name = basename(raw.replace(/\\/g, "/"))
    .replace(/[\p{Cc}<>:"|?*]/gu, "_")
    .trim();
  return name && name !== "." && name !== ".." ? name.slice(0, 200) : "download";
}

/** Playwright's download artifacts (they live under this process's TMPDIR, the browser's own directory). */
function artifactFiles(): string[] {
  const files: string[] = [];
  for (const dir of readdirSync(tmpdir()).filter((d) => d.startsWith("playwright-artifacts-"))) {
    try {
      for (const file of readdirSync(join(tmpdir(), dir))) files.push(join(tmpdir(), dir, file));
    } catch {
      // removed meanwhile
    }
  }
  return files;
}

const artifactBytes = () =>
  artifactFiles().reduce((sum, file) => sum + (statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);

export class BrowserService {
  readonly #sessions = new Map<string, Promise<Session>>();
  readonly #idle = new Map<string, NodeJS.Timeout>();
  readonly #ids = new WeakMap<Page, string>();
  readonly #guards = new WeakMap<Page, Promise<void>>();
  readonly #records = new WeakMap<Page, TabRecord>();
  /** Names given to tabs (`open` with `label`, or `label`): a tab can be named by them instead of its id. */
  readonly #labels = new WeakMap<Page, string>();
  /** Downloads being received or saved now. */
  #downloading = 0;

  constructor(
    private readonly world: BrowserWorld,
    /** Told when a profile's session starts or ends (the driver reports it; with none left, it exits). */
    private readonly onRunning: (profile: string, running: boolean) => void = () => undefined,
  ) {}

  /** Profiles with a session (started or starting). */
  get running(): ReadonlySet<string> {
    return new Set(this.#sessions.keys());
  }

  /** The profile's running session, started when there is none (or the last one died). */
  async #ensure(profile: BrowserProfile): Promise<Session> {
    const settings = this.world.settings();
    if (!settings.enabled) throw new BrowserError("the browser is off (browser.enabled: false)");
    this.#touch(profile.name);
    let session = this.#sessions.get(profile.name);
    const current = session && (await session.catch(() => undefined));
    if (current && !current.browser.isConnected()) {
      // Gone a moment ago (crashed, killed, the remote end closed) before its exit was noticed: start afresh.
      this.world.log.warn("the browser was gone; starting it again", { profile: profile.name });
      if (this.#sessions.get(profile.name) === session) this.#forget(profile.name);
      if (current.launched) {
        // Its profile lock and port must be free before a new one starts on them.
        stopChromium(current.launched.process);
        await Promise.race([current.launched.exited, new Promise((r) => setTimeout(r, 3000))]);
      }
      session = undefined;
      this.#touch(profile.name);
    }
    session = this.#sessions.get(profile.name);
    if (!session) {
      const starting = (profile.attach ? this.#attach(profile) : this.#launch(settings, profile)).catch(
        (error: unknown) => {
          if (this.#sessions.get(profile.name) === starting) this.#forget(profile.name);
          throw error;
        },
      );
      session = starting;
      this.#sessions.set(profile.name, session);
      this.onRunning(profile.name, true);
    }
    return session;
  }

  async #launch(settings: BrowserSettings, profile: BrowserProfile): Promise<Session> {
    const dir = profileDir(this.world.stateDir, profile.name);
    const launched = await launchChromium({
      executablePath: findExecutable(profile.executablePath),
      profileDir: dir,
      userDataDir: join(dir, "user-data"),
      cdpPort: profile.cdpPort,
      headless: profile.headless,
      noSandbox: settings.noSandbox,
      extraArgs: settings.extraArgs,
    });
    let session: Session;
    try {
      session = await this.#connect(profile, launched.cdpUrl, launched);
    } catch (error) {
      stopChromium(launched.process);
      throw new BrowserLaunchError(`could not attach to Chromium over CDP: ${(error as Error).message}`);
    }
    void launched.exited.then(async () => {
      // Crashed or killed: the next call starts a new one (unless one already has: then this is old news).
      if (!(await this.#holds(profile.name, (s) => s.launched === launched))) return;
      this.world.log.warn("browser exited; the next call starts it again", { profile: profile.name });
      this.#forget(profile.name);
      forgetPid(dir);
    });
    this.world.log.info("browser started", {
      profile: profile.name,
      pid: launched.process.pid,
      headless: profile.headless,
      noSandbox: settings.noSandbox,
    });
    return session;
  }

  async #attach(profile: BrowserProfile): Promise<Session> {
    let session: Session;
    try {
      session = await this.#connect(profile, profile.cdpUrl);
    } catch (error) {
      throw new BrowserError(
        `could not attach to the browser at profile ${profile.name}'s cdpUrl: ${(error as Error).message.split("\n")[0]}. Is it running with --remote-debugging-port, and reachable from the gateway?`,
      );
    }
    // The remote browser went away (or we stopped): the next call connects again.
    session.browser.on("disconnected", () => {
      void this.#holds(profile.name, (s) => s.browser === session.browser).then((current) => {
        if (!current) return;
        this.world.log.warn("lost the remote browser; the next call connects again", { profile: profile.name });
        this.#forget(profile.name);
      });
    });
    this.world.log.info("attached to a browser", { profile: profile.name });
    return session;
  }

  async #connect(profile: BrowserProfile, cdpUrl: string, launched?: LaunchedBrowser): Promise<Session> {
    const playwright = await loadPlaywright();
    const browser = await playwright.chromium.connectOverCDP(cdpUrl, { timeout: 8000 });
    const context = browser.contexts()[0] ?? (await browser.newContext());
    const session: Session = {
      profile,
      launched,
      browser,
      context,
      tabs: new Map(),
      seq: 0,
      devices: playwright.devices as Session["devices"],
    };
    // An attached browser's own tabs are listed, but guarded only once the agent uses them.
    for (const page of context.pages()) this.#adopt(session, page, !profile.attach);
    // Tabs a page opens itself (window.open, target=_blank) are guarded at once.
    context.on("page", (page) => void this.#adopt(session, page, true));
    return session;
  }

  /** Whether the profile's current session (once started) is the one `isIt` recognises. */
  async #holds(name: string, isIt: (session: Session) => boolean): Promise<boolean> {
    const current = await this.#sessions.get(name)?.catch(() => undefined);
    return current !== undefined && isIt(current);
  }

  #forget(name: string): void {
    clearTimeout(this.#idle.get(name));
    this.#idle.delete(name);
    if (this.#sessions.delete(name)) this.onRunning(name, false);
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

  #adopt(session: Session, page: Page, guard: boolean): string {
    const known = this.#ids.get(page);
    if (known) return known;
    const id = `t${++session.seq}`;
    this.#ids.set(page, id);
    if (guard) void this.#guard(session, page).catch(() => undefined);
    session.tabs.set(id, page);
    session.current = id;
    this.#observe(page);
    page.once("close", () => {
      session.tabs.delete(id);
      if (session.current === id) session.current = [...session.tabs.keys()].at(-1);
    });
    return id;
  }

  /** Records what the tab logs, throws and requests, and answers its dialogs (the armed answer, else dismiss). */
  #observe(page: Page): void {
    const record: TabRecord = { console: [], errors: [], requests: [], dialogs: [] };
    this.#records.set(page, record);
    page.on("console", (message) => {
      const where = message.location();
      push(
        record.console,
        {
          type: message.type(),
          text: message.text().slice(0, 2000),
          timestamp: Date.now(),
          ...(where.url ? { location: `${where.url}:${where.lineNumber}` } : {}),
        },
        LOG_ENTRIES.console,
      );
    });
    page.on("pageerror", (error) =>
      push(
        record.errors,
        { name: error.name, message: error.message.slice(0, 2000), timestamp: Date.now() },
        LOG_ENTRIES.errors,
      ),
    );
    page.on(
      "requestfinished",
      (request) =>
        void request.response().then((response) =>
          push(
            record.requests,
            {
              method: request.method(),
              url: request.url(),
              resourceType: request.resourceType(),
              status: response?.status(),
              timestamp: Date.now(),
            },
            LOG_ENTRIES.requests,
          ),
        ),
    );
    page.on("requestfailed", (request) =>
      push(
        record.requests,
        {
          method: request.method(),
          url: request.url(),
          resourceType: request.resourceType(),
          failure: request.failure()?.errorText,
          timestamp: Date.now(),
        },
        LOG_ENTRIES.requests,
      ),
    );
    page.on("dialog", (dialog) => {
      const armed = record.armedDialog && record.armedDialog.until > Date.now() ? record.armedDialog : undefined;
      record.armedDialog = undefined;
      const accept = armed?.accept ?? false;
      push(
        record.dialogs,
        {
          type: dialog.type(),
          message: dialog.message().slice(0, 2000),
          handled: accept ? "accepted" : "dismissed",
          timestamp: Date.now(),
        },
        20,
      );
      void (accept ? dialog.accept(armed?.promptText) : dialog.dismiss()).catch(() => undefined);
    });
    page.on("filechooser", (chooser) => {
      const armed = record.armedUpload && record.armedUpload.until > Date.now() ? record.armedUpload : undefined;
      record.armedUpload = undefined;
      if (armed) void chooser.setFiles(armed.paths).catch(() => undefined);
    });
  }

  #touch(name: string): void {
    clearTimeout(this.#idle.get(name));
    const idleMs = this.world.settings().idleMs;
    const timer = setTimeout(() => {
      this.world.log.info("browser idle: stopping it", { profile: name, idleMs });
      void this.stop(name);
    }, idleMs);
    timer.unref();
    this.#idle.set(name, timer);
  }

  /** Stops one profile's session (a managed browser is closed; a remote one is only disconnected from). */
  async stop(name: string): Promise<boolean> {
    const pending = this.#sessions.get(name);
    clearTimeout(this.#idle.get(name));
    this.#idle.delete(name);
    if (!pending) return false;
    this.#sessions.delete(name);
    try {
      const session = await pending.catch(() => undefined);
      if (!session) return false;
      // For a browser we attached to, close() only disconnects: its tabs and process stay as they were.
      await session.browser.close().catch(() => undefined);
      if (session.launched) {
        stopChromium(session.launched.process);
        await Promise.race([session.launched.exited, new Promise((r) => setTimeout(r, 3000))]);
        forgetPid(profileDir(this.world.stateDir, name));
      }
      return true;
    } finally {
      // Told only now: the driver exits when nothing runs, and the browser must be gone by then.
      this.onRunning(name, false);
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((name) => this.stop(name)));
  }

  async #page(session: Session, targetId: unknown): Promise<{ id: string; page: Page }> {
    const wanted = typeof targetId === "string" && targetId ? targetId : undefined;
    // A tab by its id, else by the label it was given.
    const id =
      wanted === undefined
        ? session.current
        : session.tabs.has(wanted)
          ? wanted
          : [...session.tabs].find(([, p]) => this.#labels.get(p) === wanted)?.[0];
    const page = id ? session.tabs.get(id) : undefined;
    if (page && id) {
      await this.#guard(session, page);
      return { id, page };
    }
    if (wanted) throw new BrowserError(`no tab ${wanted}; list them with action "tabs"`);
    const fresh = await session.context.newPage();
    return { id: this.#adopt(session, fresh, true), page: fresh };
  }

  /** Navigates within the policy; a URL that turns out to be a download is saved instead. */
  async #navigate(
    session: Session,
    page: Page,
    raw: string,
    timeoutMs = NAVIGATE_TIMEOUT_MS,
  ): Promise<Entry | undefined> {
    const policy = this.world.settings().ssrf;
    const before = await checkUrl(raw, policy);
    if (!before.ok) throw new BrowserError(`navigation refused: ${before.reason}`);
    await this.#guard(session, page);
    let onDownload!: (download: Download) => void;
    const downloaded = new Promise<Download>((resolve) => (onDownload = resolve));
    page.once("download", onDownload);
    try {
      await page.goto(before.url.href, { timeout: timeoutMs, waitUntil: "domcontentloaded" });
    } catch (error) {
      const message = (error as Error).message;
      if (/ERR_BLOCKED_BY_CLIENT/.test(message))
        throw new BrowserError(
          `navigation refused: a redirect led to a private or blocked address (browser.ssrfPolicy)`,
        );
      if (/Download is starting/.test(message)) {
        // The event comes with the failed navigation; give it a moment.
        const download = await Promise.race([
          downloaded,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000)),
        ]);
        if (download) return { download: await this.#saveDownload(session.profile, download) };
      }
      throw error;
    } finally {
      page.off("download", onDownload);
    }
    // Where it ended: a redirect to a private address is left at once.
    const after = await checkUrl(page.url(), policy);
    if (!after.ok) {
      await page.goto("about:blank").catch(() => undefined);
      throw new BrowserError(`navigation refused after a redirect: ${after.reason}`);
    }
    return undefined;
  }

  /** Saves a download into the profile's `downloads/`, cancelling it once it passes the size cap. */
  async #saveDownload(profile: BrowserProfile, download: Download, name?: unknown): Promise<Entry> {
    this.#downloading += 1;
    try {
      return await this.#receive(profile, download, name);
    } finally {
      this.#downloading -= 1;
      // A cancelled transfer's partial file is not removed by Playwright: with nothing else in flight,
      // whatever is left among the artifacts is nobody's.
      if (this.#downloading === 0) for (const file of artifactFiles()) rmSync(file, { force: true });
    }
  }

  async #receive(profile: BrowserProfile, download: Download, name: unknown): Promise<Entry> {
    const dir = join(profileDir(this.world.stateDir, profile.name), "downloads");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let tooLarge = false;
    const watch = setInterval(() => {
      if (artifactBytes() > MAX_DOWNLOAD_BYTES) {
        tooLarge = true;
        void download.cancel();
      }
    }, 200);
    let failure: string | null;
    try {
      failure = await Promise.race([
        download.failure(),
        new Promise<string>((r) => setTimeout(() => r("timed out"), DOWNLOAD_TIMEOUT_MS).unref()),
      ]);
    } finally {
      clearInterval(watch);
    }
    // A fast transfer can end between two looks: the finished file is measured too.
    if (!failure && !tooLarge) {
      const finished = await download.path().catch(() => undefined);
      tooLarge =
        finished !== undefined && (statSync(finished, { throwIfNoEntry: false })?.size ?? 0) > MAX_DOWNLOAD_BYTES;
    }
    if (tooLarge || failure) {
      if (failure === "timed out") await download.cancel().catch(() => undefined);
      await download.delete().catch(() => undefined);
      throw new BrowserError(
        tooLarge
          ? `download refused: larger than ${MAX_DOWNLOAD_BYTES / 1024 / 1024} MB`
          : `download failed: ${failure}; try again, or fetch the file another way (exec with curl)`,
      );
    }
    const suggested = download.suggestedFilename();
    const wanted = safeFileName(typeof name === "string" && name ? name : suggested);
    let target = join(dir, wanted);
    for (let n = 1; existsSync(target) && n < 1000; n++) target = join(dir, wanted.replace(/(\.[^.]*)?$/, `-${n}$1`));
    await download.saveAs(target);
    chmodSync(target, 0o600);
    await download.delete().catch(() => undefined);
    return { url: download.url(), suggestedFilename: suggested, path: target };
  }

  /** Upload paths: real files under one of the roots (symlinks resolved), within the caps. */
  #uploadPaths(raw: unknown, media: BrowserMedia): string[] {
    if (!Array.isArray(raw) || raw.length === 0 || raw.some((p) => typeof p !== "string" || !p))
      throw new BrowserError("upload needs paths: a list of files to choose");
    if (raw.length > MAX_UPLOAD_FILES) throw new BrowserError(`upload takes at most ${MAX_UPLOAD_FILES} files`);
    const roots = media.uploadRoots.flatMap((root) => {
      try {
        return [realpathSync(root)];
      } catch {
        return [];
      }
    });
    return (raw as string[]).map((path) => {
      let real: string;
      try {
        real = realpathSync(path);
      } catch {
        throw new BrowserError(`upload: no file ${path}`);
      }
      if (!roots.some((root) => real === root || real.startsWith(root + sep)))
        throw new BrowserError(
          `upload: ${path} is outside the directories uploads may come from (${media.uploadRoots.join(", ")})`,
        );
      const stats = statSync(real);
      if (!stats.isFile()) throw new BrowserError(`upload: ${path} is not a file`);
      if (stats.size > MAX_UPLOAD_BYTES)
        throw new BrowserError(`upload: ${path} is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
      return real;
    });
  }

  async #tab(page: Page, id: string): Promise<Entry> {
    const label = this.#labels.get(page);
    return {
      targetId: id,
      tabId: id,
      suggestedTargetId: label ?? id,
      ...(label ? { label } : {}),
      title: await page.title().catch(() => ""),
      url: page.url(),
      type: "page",
    };
  }

  /** One `browser` tool call: the action's result as upstream shapes it. */
  async act(args: Record<string, unknown>, media: BrowserMedia): Promise<Entry> {
    const settings = this.world.settings();
    const action = String(args.action ?? "");
    const profile = profileOf(settings, args.profile);
    switch (action) {
      case "status":
        return browserStatus(settings, profile, this.world.stateDir, this.#sessions.has(profile.name));
      case "profiles":
        return profileList(settings, this.running);
      case "start":
        await this.#ensure(profile);
        return browserStatus(settings, profile, this.world.stateDir, true);
      case "stop":
        await this.stop(profile.name);
        return browserStatus(settings, profile, this.world.stateDir, false);
    }
    const session = await this.#ensure(profile);
    const record = (page: Page) => this.#records.get(page)!;
    switch (action) {
      case "tabs":
        return {
          running: true,
          tabCount: session.tabs.size,
          tabs: await Promise.all([...session.tabs].map(([id, page]) => this.#tab(page, id))),
        };
      case "open": {
        // Checked before the tab exists: a refused label leaves no tab behind.
        const label = typeof args.label === "string" && args.label ? this.#label(session, args.label) : undefined;
        const page = await session.context.newPage();
        const id = this.#adopt(session, page, true);
        if (label) this.#labels.set(page, label);
        try {
          const download = await this.#navigate(session, page, String(args.targetUrl ?? args.url ?? ""));
          if (download) return download;
        } catch (error) {
          await page.close().catch(() => undefined);
          throw error;
        }
        return this.#tab(page, id);
      }
      case "label": {
        const { id, page } = await this.#page(session, args.targetId);
        if (typeof args.label !== "string" || !args.label)
          throw new BrowserError("label needs label: a name for the tab");
        this.#labels.set(page, this.#label(session, args.label, page));
        return this.#tab(page, id);
      }
      case "focus": {
        if (typeof args.targetId !== "string" || !args.targetId)
          throw new BrowserError('focus needs targetId: a tab id (t2) or label, from action "tabs"');
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
        const download = await this.#navigate(
          session,
          page,
          String(args.targetUrl ?? args.url ?? ""),
          clamp(args.timeoutMs, 1000, 120_000, NAVIGATE_TIMEOUT_MS),
        );
        return download ?? { ok: true, targetId: id, url: page.url() };
      }
      case "snapshot": {
        const { id, page } = await this.#page(session, args.targetId);
        if (args.snapshotFormat === "aria" || args.format === "aria") {
          const cdp = await session.context.newCDPSession(page);
          try {
            const { nodes } = (await cdp.send("Accessibility.getFullAXTree")) as { nodes: AxNode[] };
            return {
              ok: true,
              format: "aria",
              targetId: id,
              url: page.url(),
              nodes: ariaNodes(nodes, clamp(args.limit, 1, 2000, 500)),
            };
          } finally {
            await cdp.detach().catch(() => undefined);
          }
        }
        // Upstream's efficient mode: interactive, compact, 6 deep, 8,000 characters.
        const efficient = args.mode === "efficient";
        const depth = efficient ? 6 : typeof args.depth === "number" ? clamp(args.depth, 1, 100, 100) : undefined;
        const root = typeof args.selector === "string" && args.selector ? args.selector : "body";
        const raw = await page
          .locator(root)
          .first()
          .ariaSnapshot({ mode: "ai", timeout: 20_000, ...(depth !== undefined ? { depth } : {}) });
        const shaped = shapeSnapshot(raw, {
          interactive: efficient || args.interactive === true,
          compact: efficient || args.compact === true,
          query: typeof args.query === "string" ? args.query : undefined,
          maxChars: clamp(args.maxChars, 1, MAX_SNAPSHOT_CHARS, efficient ? 8000 : MAX_SNAPSHOT_CHARS),
        });
        return {
          ok: true,
          format: "ai",
          targetId: id,
          url: page.url(),
          truncated: shaped.truncated,
          stats: shaped.stats,
          refs: shaped.stats.refs,
          snapshot: shaped.text,
        };
      }
      case "act":
        return this.#act(session, (args.request as Entry | undefined) ?? args, media, 0);
      case "text": {
        const { id, page } = await this.#page(session, args.targetId);
        const selector = typeof args.selector === "string" && args.selector ? args.selector : "body";
        const text = (await page.locator(selector).first().innerText({ timeout: ACT_TIMEOUT_MS })).trim();
        return {
          ok: true,
          targetId: id,
          url: page.url(),
          text: text.slice(0, clamp(args.maxChars, 1, 40_000, 40_000)),
        };
      }
      case "screenshot": {
        const { id, page } = await this.#page(session, args.targetId);
        mkdirSync(media.dir, { recursive: true, mode: 0o700 });
        const type = args.type === "jpeg" ? "jpeg" : "png";
        const path = join(media.dir, `screenshot-${Date.now()}.${type}`);
        const target: Page | Locator =
          typeof args.ref === "string"
            ? this.#ref(page, args.ref, "ref")
            : typeof args.element === "string"
              ? page.locator(args.element).first()
              : page;
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
      case "pdf": {
        const { id, page } = await this.#page(session, args.targetId);
        if (!profile.headless) throw new BrowserError("pdf needs a headless browser (browser.headless: true)");
        mkdirSync(media.dir, { recursive: true, mode: 0o700 });
        const path = join(media.dir, `page-${Date.now()}.pdf`);
        writeFileSync(path, await page.pdf({ printBackground: true }), { mode: 0o600 });
        return { ok: true, path, targetId: id, url: page.url() };
      }
      case "console": {
        const { id, page } = await this.#page(session, args.targetId);
        const level = typeof args.level === "string" ? args.level : undefined;
        const levels: Record<string, string[]> = {
          error: ["error"],
          warning: ["error", "warning"],
          info: ["error", "warning", "info", "log"],
        };
        const messages = record(page).console.filter(
          (m) => !level || (levels[level] ?? [level]).includes(String(m.type)),
        );
        return { ok: true, targetId: id, url: page.url(), messages };
      }
      case "errors":
      case "requests": {
        const { id, page } = await this.#page(session, args.targetId);
        const list = record(page)[action];
        const filter = typeof args.filter === "string" ? args.filter : "";
        const matching = list.filter((e) => !filter || String(e.url ?? e.message).includes(filter));
        const limit = clamp(args.limit, 1, 500, 50);
        const shown = matching.slice(-limit);
        if (args.clear === true) list.length = 0;
        return {
          ok: true,
          targetId: id,
          url: page.url(),
          total: matching.length,
          returned: shown.length,
          truncated: shown.length < matching.length,
          [action]: shown,
        };
      }
      case "dialog": {
        const { id, page } = await this.#page(session, args.targetId);
        if (typeof args.accept !== "boolean") throw new BrowserError("dialog needs accept: true or false");
        record(page).armedDialog = {
          accept: args.accept,
          promptText: typeof args.promptText === "string" ? args.promptText : undefined,
          until: Date.now() + clamp(args.timeoutMs, 1000, 120_000, 60_000),
        };
        return { ok: true, targetId: id, armed: true, accept: args.accept, recent: record(page).dialogs.slice(-5) };
      }
      case "upload": {
        const { id, page } = await this.#page(session, args.targetId);
        const paths = this.#uploadPaths(args.paths, media);
        const timeout = clamp(args.timeoutMs, 500, 60_000, ACT_TIMEOUT_MS);
        if (typeof args.inputRef === "string")
          await this.#ref(page, args.inputRef, "inputRef").setInputFiles(paths, { timeout });
        else if (typeof args.element === "string")
          await page.locator(args.element).first().setInputFiles(paths, { timeout });
        else if (typeof args.ref === "string") {
          const chooser = page.waitForEvent("filechooser", { timeout });
          await this.#ref(page, args.ref, "ref").click({ timeout });
          await (await chooser).setFiles(paths);
        } else {
          // No trigger named: the next file chooser the page opens gets these files.
          record(page).armedUpload = { paths, until: Date.now() + 60_000 };
          return { ok: true, targetId: id, armed: true, files: paths.length };
        }
        return { ok: true, targetId: id, files: paths.length };
      }
      case "download": {
        const { page } = await this.#page(session, args.targetId);
        const timeout = clamp(args.timeoutMs, 500, 60_000, ACT_TIMEOUT_MS);
        const started = page.waitForEvent("download", { timeout: Math.max(timeout, 10_000) });
        await this.#ref(page, args.ref, "ref").click({ timeout });
        return { download: await this.#saveDownload(profile, await started, args.path) };
      }
      case "waitfordownload": {
        const { page } = await this.#page(session, args.targetId);
        const download = await page.waitForEvent("download", {
          timeout: clamp(args.timeoutMs, 500, 120_000, WAIT_TIMEOUT_MS),
        });
        return { download: await this.#saveDownload(profile, download, args.path) };
      }
      case "emulate": {
        const { id, page } = await this.#page(session, args.targetId);
        return { ok: true, targetId: id, applied: await this.#emulate(session, page, args) };
      }
      default:
        throw new BrowserError(
          `unknown action ${JSON.stringify(action)}; one of status, start, stop, profiles, tabs, open, focus, close, navigate, snapshot, screenshot, act, text, console, errors, requests, pdf, upload, dialog, download, waitfordownload, emulate`,
        );
    }
  }

  /** A label that names one tab only, and not like a tab id. */
  #label(session: Session, label: string, self?: Page): string {
    if (!/^[\w .-]{1,64}$/.test(label) || /^t\d+$/.test(label))
      throw new BrowserError("a tab label is 1 to 64 letters, digits, spaces, . _ or -, and not like a tab id (t3)");
    for (const page of session.tabs.values())
      if (page !== self && this.#labels.get(page) === label)
        throw new BrowserError(`another tab is already labelled ${JSON.stringify(label)}`);
    return label;
  }

  /** `e12`-style refs from the last snapshot (a leading `@` or `ref=` is dropped). */
  #ref(page: Page, value: unknown, name: string): Locator {
    if (typeof value === "string" && /^(@|ref=)?ax\d+$/.test(value))
      throw new BrowserError(
        `${name} ${value} is from an aria snapshot, which is for reading: take a snapshot in the ai format to act`,
      );
    if (typeof value !== "string" || !/^(@|ref=)?(f\d+)?e\d+$/.test(value))
      throw new BrowserError(`${name} must be an e12-style ref from the last snapshot`);
    return page.locator(`aria-ref=${value.replace(/^@|^ref=/, "")}`);
  }

  async #emulate(session: Session, page: Page, args: Entry): Promise<string[]> {
    const applied: string[] = [];
    if (typeof args.device === "string") {
      const device = session.devices[args.device];
      if (!device)
        throw new BrowserError(
          `unknown device ${JSON.stringify(args.device)} (Playwright's device names, e.g. "iPhone 15")`,
        );
      await page.setViewportSize(device.viewport);
      const cdp = await session.context.newCDPSession(page);
      await cdp.send("Emulation.setUserAgentOverride", { userAgent: device.userAgent });
      applied.push("device");
    }
    if (typeof args.colorScheme === "string") {
      const scheme = args.colorScheme === "none" ? null : args.colorScheme;
      if (scheme !== null && !["dark", "light", "no-preference"].includes(scheme))
        throw new BrowserError("colorScheme is one of dark, light, no-preference, none");
      await page.emulateMedia({ colorScheme: scheme as "dark" | "light" | "no-preference" | null });
      applied.push("colorScheme");
    }
    if (typeof args.timezoneId === "string" || typeof args.locale === "string") {
      const cdp = await session.context.newCDPSession(page);
      if (typeof args.timezoneId === "string") {
        await cdp.send("Emulation.setTimezoneOverride", { timezoneId: args.timezoneId }).catch((error: Error) => {
          throw new BrowserError(`timezoneId ${args.timezoneId as string}: ${error.message}`);
        });
        applied.push("timezoneId");
      }
      if (typeof args.locale === "string") {
        await cdp.send("Emulation.setLocaleOverride", { locale: args.locale }).catch((error: Error) => {
          throw new BrowserError(`locale ${args.locale as string}: ${error.message}`);
        });
        applied.push("locale");
      }
    }
    if (applied.length === 0) throw new BrowserError("emulate needs device, colorScheme, timezoneId or locale");
    return applied;
  }

  async #act(session: Session, request: Entry, media: BrowserMedia, depth: number): Promise<Entry> {
    const { id, page } = await this.#page(session, request.targetId);
    const kind = String(request.kind ?? "");
    if (!kind) throw new BrowserError("act needs kind: click, type, press, …");
    const timeout = clamp(request.timeoutMs, 500, 60_000, ACT_TIMEOUT_MS);
    const ref = (name = "ref") => this.#ref(page, request[name], name);
    const urlBefore = page.url();
    const dialogsBefore = this.#records.get(page)?.dialogs.length ?? 0;
    let extra: Entry = {};
    try {
      switch (kind) {
        case "click": {
          const button = request.button === "right" || request.button === "middle" ? request.button : "left";
          await ref().click({
            timeout,
            button,
            ...(request.doubleClick === true ? { clickCount: 2 } : {}),
            ...(typeof request.delayMs === "number" ? { delay: clamp(request.delayMs, 0, 5000, 0) } : {}),
            ...(Array.isArray(request.modifiers)
              ? { modifiers: request.modifiers as ("Alt" | "Control" | "Meta" | "Shift")[] }
              : {}),
          });
          break;
        }
        case "clickCoords":
          if (typeof request.x !== "number" || typeof request.y !== "number" || request.x < 0 || request.y < 0)
            throw new BrowserError("act clickCoords needs x and y (viewport pixels, 0 or more)");
          await page.mouse.click(request.x, request.y, { clickCount: request.doubleClick === true ? 2 : 1 });
          break;
        case "type":
          if (request.slowly === true)
            await ref().pressSequentially(String(request.text ?? ""), { timeout, delay: 50 });
          else await ref().fill(String(request.text ?? ""), { timeout });
          if (request.submit === true) await ref().press("Enter", { timeout });
          break;
        case "press": {
          const key = String(request.key ?? "")
            .split("+")
            .map((part) => KEY_ALIASES[part] ?? part)
            .join("+");
          if (!key) throw new BrowserError("act press needs key (Enter, Control+L, …)");
          await page.keyboard.press(key, { delay: clamp(request.delayMs, 0, 5000, 0) });
          break;
        }
        case "hover":
          await ref().hover({ timeout });
          break;
        case "scrollIntoView":
          await ref().scrollIntoViewIfNeeded({ timeout });
          break;
        case "drag":
          await ref("startRef").dragTo(ref("endRef"), { timeout });
          break;
        case "select":
          await ref().selectOption(Array.isArray(request.values) ? request.values.map(String) : [], { timeout });
          break;
        case "fill": {
          if (!Array.isArray(request.fields) || request.fields.length === 0)
            throw new BrowserError("act fill needs fields: [{ref, type, value}]");
          for (const field of request.fields as Entry[]) {
            const target = this.#ref(page, field.ref, "fields[].ref");
            if (field.type === "checkbox" || field.type === "radio")
              await target.setChecked(Boolean(field.value), { timeout });
            else await target.fill(String(field.value ?? ""), { timeout });
          }
          break;
        }
        case "resize": {
          const width = request.width;
          const height = request.height;
          if (
            typeof width !== "number" ||
            typeof height !== "number" ||
            width < 1 ||
            height < 1 ||
            width > 8192 ||
            height > 8192
          )
            throw new BrowserError("act resize needs width and height from 1 to 8192");
          await page.setViewportSize({ width: Math.round(width), height: Math.round(height) });
          break;
        }
        case "wait":
          await this.#wait(page, request);
          break;
        case "evaluate":
          extra = { result: await this.#evaluate(page, request) };
          break;
        case "batch":
          return await this.#batch(session, request, media, depth);
        case "close":
          await page.close();
          return { ok: true, targetId: id };
        default:
          throw new BrowserError(
            `unknown act kind ${JSON.stringify(kind)}; one of click, clickCoords, type, press, hover, scrollIntoView, drag, select, fill, resize, wait, evaluate, batch, close`,
          );
      }
    } catch (error) {
      if (!(error instanceof BrowserError) && /aria-ref|Unknown ref/.test((error as Error).message))
        throw new BrowserError(
          `unknown ref ${String(request.ref ?? request.startRef ?? "")}: refs die on navigation; run a new snapshot`,
        );
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
    const dialogs = this.#records.get(page)?.dialogs.slice(dialogsBefore) ?? [];
    return { ok: true, targetId: id, url: page.url(), ...extra, ...(dialogs.length > 0 ? { dialogs } : {}) };
  }

  async #wait(page: Page, request: Entry): Promise<void> {
    const timeout = clamp(request.timeoutMs, 500, 120_000, WAIT_TIMEOUT_MS);
    let waited = false;
    if (typeof request.timeMs === "number") {
      await page.waitForTimeout(clamp(request.timeMs, 0, 30_000, 0));
      waited = true;
    }
    if (typeof request.text === "string") {
      await page.getByText(request.text).first().waitFor({ timeout });
      waited = true;
    }
    if (typeof request.textGone === "string") {
      await page.getByText(request.textGone).first().waitFor({ state: "hidden", timeout });
      waited = true;
    }
    if (typeof request.selector === "string") {
      await page.locator(request.selector).first().waitFor({ timeout });
      waited = true;
    }
    if (typeof request.url === "string") {
      await page.waitForURL(request.url, { timeout });
      waited = true;
    }
    if (
      request.loadState === "load" ||
      request.loadState === "domcontentloaded" ||
      request.loadState === "networkidle"
    ) {
      await page.waitForLoadState(request.loadState, { timeout });
      waited = true;
    }
    if (typeof request.fn === "string") {
      if (!this.world.settings().evaluateEnabled)
        throw new BrowserError("act wait fn is off (browser.evaluateEnabled: false)");
      await page.waitForFunction(request.fn, undefined, { timeout });
      waited = true;
    }
    if (!waited) throw new BrowserError("act wait needs one of timeMs, text, textGone, selector, url, loadState, fn");
  }

  /** `fn`: a function's source (called, with the element when `ref` names one), an expression, or a statement body (`return …`). */
  async #evaluate(page: Page, request: Entry): Promise<unknown> {
    if (!this.world.settings().evaluateEnabled)
      throw new BrowserError("act evaluate is off (browser.evaluateEnabled: false)");
    const fn = request.fn;
    if (typeof fn !== "string" || !fn.trim())
      throw new BrowserError("act evaluate needs fn: JavaScript to run in the page");
    const timeout = clamp(request.timeoutMs, 500, 120_000, WAIT_TIMEOUT_MS);
    const target = request.ref !== undefined ? this.#ref(page, request.ref, "ref") : undefined;
    // The source is only ever run in the page: Playwright sends a function's text, never calls it here.
    const run = (body: string) =>
      target
        ? target.evaluate(new AsyncFunction("element", body) as (element: unknown) => unknown, undefined, { timeout })
        : page.evaluate(`(async () => { ${body} })()`);
    let result: unknown;
    try {
      const call = target ? "value(element)" : "value()";
      result = await run(`const value = (${fn}\n); return typeof value === "function" ? await ${call} : value;`);
    } catch (error) {
      if (!/SyntaxError|Unexpected token|Illegal return/.test((error as Error).message))
        throw new BrowserError(`evaluate: ${(error as Error).message.split("\n")[0]}`);
      try {
        result = await run(fn);
      } catch (inner) {
        throw new BrowserError(`evaluate: ${(inner as Error).message.split("\n")[0]}`);
      }
    }
    const json = JSON.stringify(result ?? null);
    return json.length > 16_000 ? `${json.slice(0, 16_000)}…[truncated]` : JSON.parse(json);
  }

  /** Upstream's batch: up to 100 actions in all, nested up to 5 deep, stopping at the first failure unless told not to. */
  async #batch(session: Session, request: Entry, media: BrowserMedia, depth: number): Promise<Entry> {
    if (depth >= MAX_BATCH_DEPTH) throw new BrowserError(`act batch nests at most ${MAX_BATCH_DEPTH} deep`);
    const actions = request.actions;
    if (!Array.isArray(actions) || actions.length === 0) throw new BrowserError("act batch needs actions: [{kind, …}]");
    const count = (list: unknown[]): number =>
      list.reduce<number>(
        (n, a) => n + 1 + (Array.isArray((a as Entry).actions) ? count((a as Entry).actions as unknown[]) : 0),
        0,
      );
    if (count(actions) > MAX_BATCH_ACTIONS)
      throw new BrowserError(`act batch takes at most ${MAX_BATCH_ACTIONS} actions in all`);
    const stopOnError = request.stopOnError !== false;
    const results: Entry[] = [];
    for (const [index, raw] of actions.entries()) {
      const action: Entry = { targetId: request.targetId, ...(raw as Entry) };
      const { page } = await this.#page(session, action.targetId);
      const before = page.url();
      try {
        const result = await this.#act(session, action, media, depth + 1);
        const navigated = result.url !== undefined && result.url !== before;
        results.push({ ok: true, ...(navigated ? { navigated: true, url: result.url } : {}) });
        if (action.kind === "close" || navigated) {
          const skipped = actions.length - index - 1;
          if (skipped > 0)
            return {
              ok: true,
              results,
              aborted: {
                reason: action.kind === "close" ? "closed" : "navigation",
                afterAction: index,
                url: result.url,
                skipped,
              },
            };
        }
      } catch (error) {
        results.push({ ok: false, error: (error as Error).message });
        if (stopOnError)
          return {
            ok: false,
            results,
            aborted: { reason: "error", afterAction: index, skipped: actions.length - index - 1 },
          };
      }
    }
    return { ok: results.every((r) => r.ok), results };
  }
}

/** Removes Playwright's download leftovers from a previous driver (its TMPDIR is the browser's own). */
export function clearArtifacts(): void {
  for (const dir of readdirSync(tmpdir()).filter((d) => d.startsWith("playwright-artifacts-")))
    rmSync(join(tmpdir(), dir), { recursive: true, force: true });
}
