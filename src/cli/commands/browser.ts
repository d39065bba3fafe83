/**
 * `openclaw browser status|start|stop|profiles|tabs|open|navigate|snapshot|screenshot|click|type|press|text|close`:
 * the agent's browser, through the running gateway's `browser.request`, printed as upstream prints it.
 * @module
 */
import type { Command } from "commander";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";
import { addRpcOptions, parseTimeout, withGateway, type RpcOptions } from "../gateway-rpc.js";

type Options = RpcOptions & { json?: boolean };
type Result = Record<string, unknown>;

/** Upstream's human lines for each answer. Pure. */
export function renderBrowser(kind: string, r: Result): string[] {
  switch (kind) {
    case "status":
      return [
        `profile: ${String(r.profile)}`,
        `enabled: ${String(r.enabled)}`,
        `running: ${String(r.running)}`,
        `transport: ${String(r.transport)}`,
        `cdpPort: ${String(r.cdpPort)}`,
        `cdpUrl: ${String(r.cdpUrl)}`,
        `browser: ${String(r.detectedExecutablePath ?? r.detectError ?? "none found")}`,
        `headless: ${String(r.headless)} (${String(r.headlessSource)})`,
        `noSandbox: ${String(r.noSandbox)} (${String(r.noSandboxSource)})`,
      ];
    case "start":
    case "stop":
      return [
        `🦞 browser [${String(r.profile)}] running: ${String(r.running)}${r.running && r.headless ? " (headless)" : ""}`,
      ];
    case "profiles":
      return ((r.profiles as Result[] | undefined) ?? []).map(
        (p) =>
          `${String(p.name)}: ${p.running ? "running" : "stopped"}${p.isDefault ? " [default]" : ""} cdpPort: ${String(p.cdpPort)}`,
      );
    case "tabs": {
      const tabs = (r.tabs as Result[] | undefined) ?? [];
      if (tabs.length === 0) return ["No tabs (browser closed or no targets)."];
      return tabs.flatMap((t, i) => [
        `${i + 1}. ${String(t.title) || "(untitled)"} [tab: ${String(t.tabId)}]`,
        `   ${String(t.url)}`,
        `   id: ${String(t.targetId)}`,
      ]);
    }
    case "open":
      return [`opened: ${String(r.url)}`, `id: ${String(r.targetId)}`];
    case "navigate":
      return [`navigated: ${String(r.url)}`, `id: ${String(r.targetId)}`];
    case "snapshot":
      return [String(r.snapshot ?? "")];
    case "text":
      return [String(r.text ?? "")];
    case "screenshot":
      return [String(r.path)];
    default:
      return [`ok: ${String(r.url ?? r.targetId ?? "")}`];
  }
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const browser = program.command("browser").description("The agent's browser, through the running gateway");
  const command = (name: string, description: string) =>
    addRpcOptions(browser.command(name).description(description).option("--json", "print as JSON"), 30_000);
  const call = async (
    kind: string,
    opts: Options,
    method: string,
    path: string,
    extra: { query?: Result; body?: Result } = {},
  ) => {
    const timeoutMs = parseTimeout(opts.timeout, 30_000);
    const result = await withGateway(ctx, opts, timeoutMs, (client) =>
      client.call<Result>(
        "browser.request",
        { method, path, ...extra, timeoutMs: Math.max(1000, timeoutMs) },
        timeoutMs + 5000,
      ),
    );
    if (opts.json) ctx.printJson(result);
    else for (const line of renderBrowser(kind, result)) ctx.print(line);
    done(EXIT.ok);
  };

  command("status", "Show whether the browser runs, which Chromium, headless and sandbox").action((o: Options) =>
    call("status", o, "GET", "/"),
  );
  command("start", "Start the browser").action((o: Options) => call("start", o, "POST", "/start"));
  command("stop", "Stop the browser").action((o: Options) => call("stop", o, "POST", "/stop"));
  command("profiles", "List browser profiles").action((o: Options) => call("profiles", o, "GET", "/profiles"));
  command("tabs", "List open tabs").action((o: Options) => call("tabs", o, "GET", "/tabs"));
  command("open", "Open a URL in a new tab")
    .argument("<url>")
    .action((url: string, o: Options) => call("open", o, "POST", "/tabs/open", { body: { url } }));
  command("navigate", "Navigate the current (or --target-id) tab")
    .argument("<url>")
    .option("--target-id <id>", "the tab")
    .action((url: string, o: Options & { targetId?: string }) =>
      call("navigate", o, "POST", "/navigate", { body: { url, ...(o.targetId ? { targetId: o.targetId } : {}) } }),
    );
  command("snapshot", "Print the page as an accessibility snapshot with refs (e12)")
    .option("--target-id <id>", "the tab")
    .action((o: Options & { targetId?: string }) =>
      call("snapshot", o, "GET", "/snapshot", { query: o.targetId ? { targetId: o.targetId } : {} }),
    );
  command("text", "Print the page's readable text")
    .option("--selector <css>", "a part of the page")
    .action((o: Options & { selector?: string }) =>
      call("text", o, "GET", "/text", { query: o.selector ? { selector: o.selector } : {} }),
    );
  command("screenshot", "Save a screenshot and print its path")
    .option("--full-page", "the whole page")
    .action((o: Options & { fullPage?: boolean }) =>
      call("screenshot", o, "POST", "/screenshot", { body: { fullPage: o.fullPage === true } }),
    );
  command("click", "Click an element by its ref from the last snapshot")
    .argument("<ref>")
    .action((ref: string, o: Options) => call("act", o, "POST", "/act", { body: { kind: "click", ref } }));
  command("type", "Type text into an element by its ref")
    .argument("<ref>")
    .argument("<text>")
    .option("--submit", "press Enter after")
    .action((ref: string, text: string, o: Options & { submit?: boolean }) =>
      call("act", o, "POST", "/act", { body: { kind: "type", ref, text, submit: o.submit === true } }),
    );
  command("press", "Press a key (Enter, Control+L, …)")
    .argument("<key>")
    .action((key: string, o: Options) => call("act", o, "POST", "/act", { body: { kind: "press", key } }));
  command("close", "Close a tab (the current one by default)")
    .argument("[targetId]")
    .action((targetId: string | undefined, o: Options) =>
      targetId
        ? call("close", o, "DELETE", `/tabs/${targetId}`)
        : call("act", o, "POST", "/act", { body: { kind: "close" } }),
    );
}
