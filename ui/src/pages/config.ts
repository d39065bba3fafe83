/**
 * Config: a form for the common keys, its fields built from `config.schema` (enum → select, boolean →
 * checkbox, integer → number, else text) and saved with `config.patch`; and the raw JSON5 file, saved
 * with `config.apply`. Both send the `baseHash` they were loaded with, so a change made elsewhere in the
 * meantime is refused and shown, never overwritten; the gateway's validation issues are listed inline.
 * @module
 */
import { html, nothing } from "lit";
import { RequestError } from "../gateway.js";
import { Page } from "../page.js";
import { t } from "../strings.js";

interface Snapshot {
  path: string;
  exists: boolean;
  raw: string | null;
  parsed: Record<string, unknown> | null;
  hash: string;
  valid: boolean;
  issues: { path: string; message: string }[];
}
interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  description?: string;
  minimum?: number;
  maximum?: number;
}

/** The keys people change most, in the order a newcomer meets them. */
const COMMON_KEYS = [
  "agents.defaults.model",
  "agents.defaults.thinking",
  "gateway.bind",
  "gateway.port",
  "gateway.auth.mode",
  "gateway.tailscale.mode",
  "gateway.reload.mode",
  "logging.level",
  "session.dmScope",
] as const;

type Field = {
  path: string;
  kind: "select" | "checkbox" | "number" | "text";
  options?: string[];
  min?: number;
  max?: number;
};

/** The field for a dotted key, from the JSON schema; undefined when the schema has no such key. */
export function fieldFor(schema: SchemaNode, path: string): Field | undefined {
  let node: SchemaNode | undefined = schema;
  for (const part of path.split(".")) node = node?.properties?.[part];
  if (!node) return undefined;
  // A union (a model as "provider/model" or {primary, fallbacks}): the form edits its string form.
  const simple = node.anyOf?.find((n) => n.type === "string") ?? node;
  if (simple.enum) return { path, kind: "select", options: simple.enum.map(String) };
  if (simple.type === "boolean") return { path, kind: "checkbox" };
  if (simple.type === "integer" || simple.type === "number")
    return {
      path,
      kind: "number",
      ...(simple.minimum !== undefined ? { min: simple.minimum } : {}),
      ...(simple.maximum !== undefined ? { max: simple.maximum } : {}),
    };
  return { path, kind: "text" };
}

function valueAt(doc: Record<string, unknown> | null, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

/** `{a: {b: value}}` for `a.b` (a JSON merge patch; null removes the key). */
function patchFor(path: string, value: unknown): Record<string, unknown> {
  return path.split(".").reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

export class ConfigPage extends Page {
  static override properties = {
    ...Page.properties,
    snapshot: { state: true },
    fields: { state: true },
    tab: { state: true },
    issues: { state: true },
    conflict: { state: true },
    saved: { state: true },
  };
  declare snapshot: Snapshot | undefined;
  declare fields: Field[];
  declare tab: "form" | "raw";
  declare issues: { path: string; message: string }[];
  declare conflict: boolean;
  declare saved: string | undefined;

  constructor() {
    super();
    this.fields = [];
    this.tab = "form";
    this.issues = [];
    this.conflict = false;
  }

  protected override async load(): Promise<void> {
    const [snapshot, schema] = await Promise.all([
      this.call<Snapshot>("config.get"),
      this.fields.length || !this.conn.can("config.schema")
        ? undefined
        : this.call<{ schema: SchemaNode }>("config.schema"),
    ]);
    if (schema) this.fields = COMMON_KEYS.map((k) => fieldFor(schema.schema, k)).filter((f): f is Field => !!f);
    if (snapshot) {
      this.snapshot = snapshot;
      this.issues = snapshot.issues;
      this.conflict = false;
      const editor = this.querySelector<HTMLTextAreaElement>(".config-editor");
      if (editor) editor.value = snapshot.raw ?? "{\n}\n";
    }
  }

  /** A refused write: a concurrent change, validation issues, or another error. */
  #refused(error: unknown): void {
    if (!(error instanceof RequestError)) {
      this.error = String(error);
      return;
    }
    const details = (error.shape.details ?? {}) as {
      currentHash?: string;
      issues?: { path: string; message: string }[];
    };
    this.conflict = details.currentHash !== undefined || /changed since last load/.test(error.message);
    this.issues = details.issues ?? [];
    this.error = this.conflict ? undefined : error.message;
  }

  async #write(method: "config.apply" | "config.patch", raw: string): Promise<void> {
    if (!this.snapshot) return;
    this.saved = undefined;
    try {
      await this.conn.request(method, { raw, ...(this.snapshot.exists ? { baseHash: this.snapshot.hash } : {}) });
      this.error = undefined;
      this.issues = [];
      this.saved = t.config.applied;
      // config.apply restarts the gateway; the page reloads when the connection is back.
      if (method === "config.patch") await this.load();
    } catch (error) {
      this.#refused(error);
    }
  }

  #saveForm(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    let patch: Record<string, unknown> = {};
    for (const field of this.fields) {
      const input = form.elements.namedItem(field.path) as HTMLInputElement | HTMLSelectElement | null;
      if (!input) continue;
      const current = valueAt(this.snapshot?.parsed ?? null, field.path);
      // A model set as {primary, fallbacks}: the form edits the primary and keeps the fallbacks.
      const nested = typeof current === "object" && current !== null;
      const before = nested ? (current as { primary?: unknown }).primary : current;
      const target = nested ? `${field.path}.primary` : field.path;
      const value =
        field.kind === "checkbox"
          ? (input as HTMLInputElement).checked
          : input.value === ""
            ? null
            : field.kind === "number"
              ? Number(input.value)
              : input.value;
      if (value === (before ?? null) || (field.kind === "checkbox" && before === undefined && value === false))
        continue;
      patch = mergeDeep(patch, patchFor(target, value));
    }
    void this.#write("config.patch", JSON.stringify(patch));
  }

  override render() {
    const s = this.snapshot;
    return html`
      <h1>${t.nav.config}</h1>
      ${this.renderError()}
      ${
        this.conflict
          ? html`<div class="error" role="alert" data-conflict>
              <p>${t.config.conflict}</p>
              <button class="secondary" @click=${() => void this.load()}>${t.config.reload}</button>
            </div>`
          : nothing
      }
      ${
        this.issues.length
          ? html`<div class="error" role="alert">
              <p>${t.config.invalid}</p>
              <ul data-issues>
                ${this.issues.map((i) => html`<li><code>${i.path || t.common.wholeFile}</code>: ${i.message}</li>`)}
              </ul>
            </div>`
          : nothing
      }
      ${this.saved ? html`<p class="notice" role="status">${this.saved}</p>` : nothing}
      ${s ? html`<p class="muted"><code>${s.path}</code>${s.exists ? "" : ` — ${t.config.noFile}`}</p>` : nothing}
      <div class="tabs" role="tablist">
        <button role="tab" aria-selected=${this.tab === "form" ? "true" : "false"} @click=${() => (this.tab = "form")}>
          ${t.config.form}
        </button>
        <button role="tab" aria-selected=${this.tab === "raw" ? "true" : "false"} @click=${() => (this.tab = "raw")}>
          ${t.config.raw}
        </button>
      </div>
      <form class="card" ?hidden=${this.tab !== "form"} @submit=${this.#saveForm} data-form="common">
        <div class="form-grid">${this.fields.map((f) => this.#renderField(f, valueAt(s?.parsed ?? null, f.path)))}</div>
        <button type="submit" ?disabled=${!s}>${t.common.save}</button>
      </form>
      <form
        class="card"
        ?hidden=${this.tab !== "raw"}
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.#write("config.apply", this.querySelector<HTMLTextAreaElement>(".config-editor")!.value);
        }}
      >
        <textarea
          class="config-editor"
          name="raw"
          spellcheck="false"
          aria-label=${t.config.raw}
          .value=${s?.raw ?? "{\n}\n"}
        ></textarea>
        <div class="toolbar">
          <button type="submit" ?disabled=${!s}>${t.config.apply}</button>
          <button type="button" class="secondary" @click=${() => void this.load()}>${t.config.reload}</button>
        </div>
      </form>
    `;
  }

  #renderField(f: Field, value: unknown) {
    const shown =
      typeof value === "object" && value !== null ? String((value as { primary?: string }).primary ?? "") : value;
    switch (f.kind) {
      case "select":
        return html`<label
          >${f.path}
          <select name=${f.path}>
            <option value="" ?selected=${shown === undefined}>${t.common.byDefault}</option>
            ${f.options!.map((o) => html`<option value=${o} ?selected=${o === shown}>${o}</option>`)}
          </select></label
        >`;
      case "checkbox":
        return html`<label
          ><span>${f.path}</span><input type="checkbox" name=${f.path} ?checked=${shown === true}
        /></label>`;
      case "number":
        return html`<label
          >${f.path}<input
            type="number"
            name=${f.path}
            .value=${shown === undefined ? "" : String(shown)}
            min=${f.min ?? ""}
            max=${f.max ?? ""}
        /></label>`;
      default:
        return html`<label
          >${f.path}<input type="text" name=${f.path} .value=${shown === undefined ? "" : String(shown)}
        /></label>`;
    }
  }
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      typeof prev === "object" && prev !== null && typeof v === "object" && v !== null
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

customElements.define("oc-config", ConfigPage);
