/**
 * Logs: a live tail through `logs.tail` (every 2 s while the page is open and not paused, from the
 * returned cursor; from the end again when the file rotates), a level filter and a text filter.
 * At most 2,000 lines are kept in the page.
 * @module
 */
import { html } from "lit";
import { Page } from "../page.js";
import { t } from "../strings.js";

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
const POLL_MS = 2000;
const KEEP = 2000;

interface Line {
  n: number;
  time: string;
  level: string;
  text: string;
}

/** Ours (`{time, level, subsystem, msg, …}`), OpenClaw's tslog lines, or plain text. */
function parse(raw: string, n: number): Line {
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v.msg === "string") {
      const { time, level, msg, subsystem, ...rest } = v;
      const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : "";
      return {
        n,
        time: String(time ?? ""),
        level: String(level ?? "info"),
        text: `${subsystem ? `[${String(subsystem)}] ` : ""}${msg}${fields}`,
      };
    }
    const meta = v["_meta"] as { logLevelName?: string; date?: string } | undefined;
    if (meta) {
      const words = Object.keys(v)
        .filter((k) => /^\d+$/.test(k))
        .map((k) => (typeof v[k] === "string" ? v[k] : JSON.stringify(v[k])));
      return {
        n,
        time: String(v.time ?? meta.date ?? ""),
        level: (meta.logLevelName ?? "info").toLowerCase().replace("silly", "trace"),
        text: words.join(" "),
      };
    }
  } catch {
    // plain text below
  }
  return { n, time: "", level: "info", text: raw };
}

export class LogsPage extends Page {
  static override properties = {
    ...Page.properties,
    lines: { state: true },
    level: { state: true },
    filter: { state: true },
    paused: { state: true },
  };
  declare lines: Line[];
  declare level: string;
  declare filter: string;
  declare paused: boolean;
  #cursor: number | undefined;
  #file: string | undefined;
  #timer: number | undefined;
  #count = 0;
  #polling = false;

  constructor() {
    super();
    this.lines = [];
    this.level = "info";
    this.filter = "";
    this.paused = false;
  }

  protected override async load(): Promise<void> {
    this.unload();
    this.#cursor = undefined;
    this.lines = [];
    await this.#poll();
    this.#timer = window.setInterval(() => void this.#poll(), POLL_MS);
  }

  protected override unload(): void {
    clearInterval(this.#timer);
  }

  async #poll(): Promise<void> {
    if (this.paused || this.#polling || document.hidden) return;
    this.#polling = true;
    try {
      const chunk = await this.call<{ file: string; cursor: number; lines: string[]; reset?: boolean }>("logs.tail", {
        ...(this.#cursor !== undefined ? { cursor: this.#cursor } : {}),
        limit: 500,
        maxBytes: 250_000,
      });
      if (!chunk) return;
      // A new day's file, or a rotated one: what was shown belongs to another file.
      const restart = chunk.file !== this.#file || chunk.reset;
      this.#file = chunk.file;
      this.#cursor = chunk.cursor;
      if (chunk.lines.length === 0 && !restart) return;
      const added = chunk.lines.map((l) => parse(l, ++this.#count));
      this.lines = [...(restart ? [] : this.lines), ...added].slice(-KEEP);
      await this.updateComplete;
      const box = this.querySelector(".log-lines");
      if (box) box.scrollTop = box.scrollHeight;
    } finally {
      this.#polling = false;
    }
  }

  override render() {
    const min = LEVELS.indexOf(this.level as (typeof LEVELS)[number]);
    const q = this.filter.toLowerCase();
    const shown = this.lines.filter(
      (l) => LEVELS.indexOf(l.level as (typeof LEVELS)[number]) >= min && (!q || l.text.toLowerCase().includes(q)),
    );
    return html`
      <h1>${t.nav.logs}</h1>
      ${this.renderError()}
      <div class="toolbar">
        <label
          >${t.logs.level}
          <select name="level" @change=${(e: Event) => (this.level = (e.target as HTMLSelectElement).value)}>
            ${LEVELS.map((l) => html`<option value=${l} ?selected=${l === this.level}>${l}</option>`)}
          </select></label
        >
        <label
          >${t.logs.filter}<input
            type="search"
            name="filter"
            @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}
        /></label>
        <button
          class="secondary"
          aria-pressed=${this.paused ? "true" : "false"}
          @click=${() => {
            this.paused = !this.paused;
            if (!this.paused) void this.#poll();
          }}
        >
          ${this.paused ? t.logs.resume : t.logs.pause}
        </button>
      </div>
      <pre class="log-lines" role="log" aria-live="off">
${
  shown.length === 0
    ? t.logs.empty
    : shown.map(
        (l) =>
          html`<div class="log-line" data-level=${l.level}>
            ${l.time.slice(11, 23)} ${l.level.padEnd(5)} ${l.text}
          </div>`,
      )
}</pre>
    `;
  }
}

customElements.define("oc-logs", LogsPage);
