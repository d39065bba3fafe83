/**
 * Chat: one session's history, a streamed reply from `chat` deltas, tool calls as cards from `agent`
 * events, abort, paging back, image attachments within `policy.maxPayload`. After a final answer the
 * history is read again, as upstream advises, so what is shown is what the transcript holds.
 * @module
 */
import { html, nothing, type PropertyValues } from "lit";
import { unsafeHTML } from "lit/directives/unsafe-html.js";
import { randomId } from "../identity.js";
import { Page } from "../page.js";
import { formatBytes, t } from "../strings.js";

interface Block {
  type: string;
  text?: string;
  name?: string;
  id?: string;
  arguments?: unknown;
  mimeType?: string;
  data?: string;
}
interface Message {
  role: string;
  content: Block[] | string;
  timestamp?: number;
  toolCallId?: string;
  toolName?: string;
  isError?: boolean;
  errorMessage?: string;
}
interface ToolCard {
  id: string;
  name: string;
  phase: "start" | "result";
  args?: unknown;
  result?: string;
  isError?: boolean;
}
interface Attachment {
  type: "image";
  mimeType: string;
  fileName: string;
  content: string;
}
interface ChatEvent {
  runId: string;
  sessionKey: string;
  state: "delta" | "final" | "aborted" | "error";
  message?: Message;
  errorMessage?: string;
}

const PAGE = 80;
const MAX_HISTORY = 1000;
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/**
 * The Markdown renderer (marked + DOMPurify, a third of the app's code) loads after the chat box is
 * usable; until then text shows as plain text, never as unsanitised HTML.
 */
let renderMarkdown: ((text: string) => string) | undefined;
const markdownLoaded = () => import("../markdown.js").then((m) => (renderMarkdown = m.renderMarkdown));

function markdown(text: string) {
  return renderMarkdown
    ? html`<div class="md">${unsafeHTML(renderMarkdown(text))}</div>`
    : html`<p class="plain">${text}</p>`;
}

/** `agent:default:main` and `main` are one session. */
export const shortKey = (key: string) => key.replace(/^agent:[^:]+:/, "");

function textOf(message: Message): string {
  if (typeof message.content === "string") return message.content;
  return message.content
    .filter((b) => b.type === "text")
    .map((b) => b.text ?? "")
    .join("\n");
}

function sessionFromLocation(): string {
  return new URLSearchParams(location.search).get("session") ?? "main";
}

export class ChatPage extends Page {
  static override properties = {
    ...Page.properties,
    sessionKey: { state: true },
    sessions: { state: true },
    messages: { state: true },
    limit: { state: true },
    runId: { state: true },
    streamText: { state: true },
    tools: { state: true },
    notice: { state: true },
    attachments: { state: true },
    ready: { state: true },
    loaded: { state: true },
  };
  declare sessionKey: string;
  declare sessions: string[];
  declare messages: Message[];
  declare limit: number;
  declare runId: string | undefined;
  declare streamText: string;
  declare tools: ToolCard[];
  declare notice: string | undefined;
  declare attachments: Attachment[];
  declare ready: boolean;
  /** The first history read has answered (until then "no messages yet" would be a guess). */
  declare loaded: boolean;
  #unsubscribe: (() => void)[] = [];

  constructor() {
    super();
    this.sessionKey = sessionFromLocation();
    this.sessions = [];
    this.messages = [];
    this.limit = PAGE;
    this.streamText = "";
    this.tools = [];
    this.attachments = [];
    this.ready = false;
    this.loaded = false;
  }

  protected override async load(): Promise<void> {
    this.#subscribe();
    // The box takes input as soon as the connection does; history and the renderer arrive beside it.
    this.ready = true;
    void this.updateComplete.then(() => this.querySelector<HTMLTextAreaElement>("textarea")?.focus());
    if (!renderMarkdown) void markdownLoaded().then(() => this.requestUpdate());
    await Promise.all([this.#loadHistory(), this.#loadSessions()]);
    this.loaded = true;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // Set after the options exist (a `.value` binding runs before lit renders the children).
    const select = this.querySelector<HTMLSelectElement>("select[name=session]");
    if (select && select.value !== this.sessionKey) select.value = this.sessionKey;
  }

  protected override unload(): void {
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
  }

  #subscribe(): void {
    this.unload();
    this.#unsubscribe.push(
      this.conn.on("chat", (payload) => this.#onChat(payload as ChatEvent)),
      this.conn.on("agent", (payload) =>
        this.#onAgent(
          payload as { runId: string; stream: string; data: ToolCard & { toolCallId: string }; sessionKey?: string },
        ),
      ),
    );
  }

  #mine(sessionKey: string | undefined): boolean {
    return sessionKey !== undefined && shortKey(sessionKey) === shortKey(this.sessionKey);
  }

  #onChat(event: ChatEvent): void {
    if (!this.#mine(event.sessionKey)) return;
    if (event.state === "delta") {
      this.runId = event.runId;
      this.streamText = event.message ? textOf(event.message) : this.streamText;
      this.notice = undefined;
    } else {
      if (event.state === "final" && event.message) this.messages = [...this.messages, event.message];
      this.notice =
        event.state === "aborted" ? t.chat.aborted : event.state === "error" ? event.errorMessage : undefined;
      this.runId = undefined;
      this.streamText = "";
      this.tools = [];
      void this.#loadHistory();
    }
    this.#scrollSoon();
  }

  #onAgent(event: {
    runId: string;
    stream: string;
    sessionKey?: string;
    data: ToolCard & { toolCallId: string };
  }): void {
    if (event.stream !== "tool" || !this.#mine(event.sessionKey)) return;
    const card: ToolCard = {
      id: event.data.toolCallId,
      name: event.data.name,
      phase: event.data.phase,
      args: event.data.args,
      result: event.data.result,
      isError: event.data.isError,
    };
    this.runId ??= event.runId;
    this.tools = [...this.tools.filter((c) => c.id !== card.id), card];
    this.#scrollSoon();
  }

  async #loadHistory(): Promise<void> {
    const history = await this.call<{ messages: Message[] }>("chat.history", {
      sessionKey: this.sessionKey,
      limit: this.limit,
    });
    if (history) {
      this.messages = history.messages;
      this.#scrollSoon();
    }
  }

  async #loadSessions(): Promise<void> {
    if (!this.conn.can("sessions.list")) return;
    const list = await this.call<{ sessions: { key: string }[] }>("sessions.list", { limit: 200 });
    if (list) this.sessions = list.sessions.map((s) => shortKey(s.key));
  }

  #switchTo(key: string): void {
    this.sessionKey = key;
    this.limit = PAGE;
    this.messages = [];
    this.runId = undefined;
    this.streamText = "";
    this.tools = [];
    this.notice = undefined;
    history.replaceState(null, "", `${location.pathname}?session=${encodeURIComponent(key)}`);
    void this.#loadHistory();
  }

  #newChat(): void {
    const key = `web-${randomId().slice(0, 12)}`;
    this.sessions = [key, ...this.sessions];
    this.#switchTo(key);
  }

  async #send(): Promise<void> {
    const box = this.querySelector<HTMLTextAreaElement>("textarea")!;
    const message = box.value.trim();
    if (!message && this.attachments.length === 0) return;
    const attachments = this.attachments;
    const runId = randomId();
    const text = message;
    this.messages = [
      ...this.messages,
      {
        role: "user",
        content: [
          { type: "text", text },
          ...attachments.map((a) => ({ type: "image", mimeType: a.mimeType, data: a.content })),
        ],
        timestamp: Date.now(),
      },
    ];
    box.value = "";
    this.attachments = [];
    this.notice = undefined;
    this.runId = runId;
    this.streamText = "";
    this.tools = [];
    this.#scrollSoon();
    const ack = await this.call<{ runId?: string }>("chat.send", {
      sessionKey: this.sessionKey,
      message: text,
      idempotencyKey: runId,
      deliver: false,
      ...(attachments.length ? { attachments } : {}),
    });
    if (!ack) {
      this.runId = undefined;
      box.value = message;
      return;
    }
    if (!this.sessions.includes(this.sessionKey)) this.sessions = [this.sessionKey, ...this.sessions];
  }

  async #abort(): Promise<void> {
    await this.call("chat.abort", { sessionKey: this.sessionKey, ...(this.runId ? { runId: this.runId } : {}) });
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void this.#send();
    }
  }

  async #attach(files: Iterable<File>): Promise<void> {
    const max = this.hello?.policy.maxPayload ?? 25 * 1024 * 1024;
    const added: Attachment[] = [];
    for (const file of files) {
      if (!IMAGE_TYPES.has(file.type)) {
        this.error = t.chat.attachmentType;
        continue;
      }
      const content = await base64Of(file);
      const total = [...this.attachments, ...added].reduce((n, a) => n + a.content.length, content.length);
      // The frame carries the base64 text plus the message and a little JSON around it.
      if (total + 64 * 1024 > max) {
        this.error = t.chat.attachmentTooBig(formatBytes(max));
        continue;
      }
      added.push({ type: "image", mimeType: file.type, fileName: file.name || "pasted-image", content });
    }
    if (added.length) {
      this.error = undefined;
      this.attachments = [...this.attachments, ...added];
    }
  }

  #onPaste(event: ClipboardEvent): void {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length) {
      event.preventDefault();
      void this.#attach(files);
    }
  }

  #scrollSoon(): void {
    void this.updateComplete.then(() => {
      const log = this.querySelector(".messages");
      if (log) log.scrollTop = log.scrollHeight;
    });
  }

  override render() {
    const connected = this.hello !== undefined;
    const canSend = connected && this.conn.can("chat.send");
    const options = this.sessions.includes(this.sessionKey) ? this.sessions : [this.sessionKey, ...this.sessions];
    return html`
      <section class="chat">
        <div class="toolbar">
          <label
            >${t.chat.session}
            <select name="session" @change=${(e: Event) => this.#switchTo((e.target as HTMLSelectElement).value)}>
              ${options.map((key) => html`<option value=${key} ?selected=${key === this.sessionKey}>${key}</option>`)}
            </select></label
          >
          <button @click=${() => this.#newChat()} ?disabled=${!connected}>${t.chat.newChat}</button>
        </div>
        ${this.renderError()}
        <div class="messages" role="log" aria-live="polite">
          ${
            this.messages.length >= this.limit && this.limit < MAX_HISTORY
              ? html`<button
                  class="link earlier"
                  @click=${() => {
                    this.limit = Math.min(MAX_HISTORY, this.limit + PAGE);
                    void this.#loadHistory();
                  }}
                >
                  ${t.chat.earlier}
                </button>`
              : nothing
          }
          ${
            this.messages.length === 0 && !this.runId && this.loaded
              ? html`<p class="muted empty">${t.chat.empty}</p>`
              : nothing
          }
          ${this.messages.map((m) => renderMessage(m))} ${this.tools.map((card) => renderTool(card))}
          ${
            this.runId
              ? html`<article class="msg assistant streaming" data-run=${this.runId}>
                  ${this.streamText ? markdown(this.streamText) : html`<p class="muted">${t.chat.thinking}</p>`}
                </article>`
              : nothing
          }
          ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
        </div>
        ${
          this.attachments.length
            ? html`<ul class="attachments">
                ${this.attachments.map(
                  (a, i) =>
                    html`<li>
                      <img alt=${a.fileName} src="data:${a.mimeType};base64,${a.content}" />
                      <button
                        class="link"
                        aria-label="${t.common.remove} ${a.fileName}"
                        @click=${() => (this.attachments = this.attachments.filter((_, j) => j !== i))}
                      >
                        ×
                      </button>
                    </li>`,
                )}
              </ul>`
            : nothing
        }
        <form class="composer" @submit=${(e: Event) => (e.preventDefault(), void this.#send())}>
          <textarea
            name="message"
            rows="2"
            aria-label=${t.chat.placeholder}
            placeholder=${t.chat.placeholder}
            ?disabled=${!canSend || !this.ready}
            @keydown=${this.#onKey}
            @paste=${this.#onPaste}
          ></textarea>
          <div class="composer-actions">
            <label class="button" title=${t.chat.attach}
              >+ Image<input
                class="visually-hidden"
                type="file"
                accept="image/png,image/jpeg,image/gif,image/webp"
                multiple
                aria-label=${t.chat.attach}
                ?disabled=${!canSend}
                @change=${(e: Event) => {
                  const input = e.target as HTMLInputElement;
                  void this.#attach([...(input.files ?? [])]).then(() => (input.value = ""));
                }}
            /></label>
            ${
              this.runId
                ? html`<button type="button" class="danger" @click=${() => void this.#abort()}>${t.chat.abort}</button>`
                : nothing
            }
            <button type="submit" ?disabled=${!canSend}>${t.chat.send}</button>
          </div>
        </form>
      </section>
    `;
  }
}

function renderMessage(m: Message) {
  if (m.role === "toolResult")
    return html`<details class="tool ${m.isError ? "failed" : ""}">
      <summary>${t.chat.tool}: ${m.toolName} — ${m.isError ? t.chat.toolFailed : t.chat.toolDone}</summary>
      <pre>${textOf(m)}</pre>
    </details>`;
  const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
  const text = textOf(m);
  const calls = blocks.filter((b) => b.type === "toolCall");
  const images = blocks.filter((b) => b.type === "image" && b.data);
  return html`<article class="msg ${m.role === "user" ? "user" : "assistant"}">
    <span class="visually-hidden">${m.role === "user" ? t.chat.you : t.chat.assistant}:</span>
    ${m.role === "user" ? html`<p class="plain">${text}</p>` : text ? markdown(text) : nothing}
    ${images.map((b) => html`<img class="inline-image" alt="" src="data:${b.mimeType};base64,${b.data}" />`)}
    ${calls.map((b) => html`<p class="tool-call muted">${t.chat.tool}: <code>${b.name}</code></p>`)}
    ${m.errorMessage ? html`<p class="error">${m.errorMessage}</p>` : nothing}
  </article>`;
}

function renderTool(card: ToolCard) {
  const state = card.phase === "start" ? t.chat.toolRunning : card.isError ? t.chat.toolFailed : t.chat.toolDone;
  return html`<details class="tool card-tool ${card.isError ? "failed" : ""}" data-tool=${card.name}>
    <summary>${t.chat.tool}: <code>${card.name}</code> — ${state}</summary>
    ${card.args !== undefined ? html`<pre>${JSON.stringify(card.args, null, 2)}</pre>` : nothing}
    ${card.result !== undefined ? html`<pre>${card.result}</pre>` : nothing}
  </details>`;
}

function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener("load", () => resolve(String(reader.result).replace(/^data:[^,]*,/, "")));
    reader.addEventListener("error", () => reject(reader.error ?? new Error("could not read the file")));
    reader.readAsDataURL(file);
  });
}

customElements.define("oc-chat", ChatPage);
