/**
 * `openclaw browser status|start|stop|profiles|tabs|open|navigate|snapshot|screenshot|click|type|press|text|…|close`:
 * the agent's browser, through the running gateway's `browser.request`, printed as upstream prints it.
 * @module
 */
import type { Command } from "commander";
import type { CliContext } from "../command.js";
import { CliError, EXIT } from "../errors.js";
import { addRpcOptions, parseTimeout, withGateway, type RpcOptions } from "../gateway-rpc.js";

type Options = RpcOptions & { json?: boolean; browserProfile?: string };
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
      return ((r.profiles as Result[] | undefined) ?? []).flatMap((p) => [
        `${String(p.name)}: ${p.running ? "running" : "stopped"}${p.isDefault ? " [default]" : ""}${p.isRemote ? " [remote]" : ""} [${String(p.driver)}]`,
        `   cdpPort: ${String(p.cdpPort)}  cdpUrl: ${String(p.cdpUrl)}  color: ${String(p.color)}`,
      ]);
    case "tabs": {
      const tabs = (r.tabs as Result[] | undefined) ?? [];
      if (tabs.length === 0) return ["No tabs (browser closed or no targets)."];
      return tabs.flatMap((t, i) => [
        `${i + 1}. ${String(t.title) || "(untitled)"} [tab: ${String(t.tabId)}${t.label ? ` label: ${String(t.label)}` : ""}]`,
        `   ${String(t.url)}`,
        `   id: ${String(t.targetId)}`,
      ]);
    }
    case "open":
      return [
        `opened: ${String(r.url)}`,
        `tab: ${String(r.tabId ?? r.targetId)}`,
        ...(r.label ? [`label: ${String(r.label)}`] : []),
        `id: ${String(r.targetId)}`,
      ];
    case "navigate":
      return [`navigated: ${String(r.url)}`, `id: ${String(r.targetId)}`];
    case "snapshot":
      if (r.format === "aria")
        return ((r.nodes as Result[] | undefined) ?? []).map(
          (n) =>
            `${"  ".repeat(Number(n.depth) || 0)}- ${String(n.role)} ${JSON.stringify(n.name ?? "")} [${String(n.ref)}]`,
        );
      return [String(r.snapshot ?? "")];
    case "text":
      return [String(r.text ?? "")];
    case "screenshot":
      return [String(r.path)];
    case "pdf":
      return [`PDF: ${String(r.path)}`];
    case "doctor":
      return [
        `profile: ${String(r.profile)}  status: ${String(r.status)}`,
        ...((r.checks as Result[] | undefined) ?? []).map(
          (c) => `[${String(c.status)}] ${String(c.label)}: ${String(c.summary)}`,
        ),
      ];
    case "console":
      return ((r.messages as Result[] | undefined) ?? []).map((m) => `[${String(m.type)}] ${String(m.text)}`);
    case "errors":
      return ((r.errors as Result[] | undefined) ?? []).map((e) => `${String(e.name)}: ${String(e.message)}`);
    case "requests":
      return ((r.requests as Result[] | undefined) ?? []).map((q) =>
        `${String(q.method)} ${String(q.url)} ${String(q.status ?? q.failure ?? "")}`.trimEnd(),
      );
    case "download": {
      const d = (r.download as Result | undefined) ?? {};
      return [`downloaded: ${String(d.path)}`, `from: ${String(d.url)}`];
    }
    case "evaluate":
      return [JSON.stringify(r.result ?? null)];
    default:
      return [`ok: ${String(r.url ?? r.targetId ?? "")}`];
  }
}

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  const browser = program
    .command("browser")
    .description("The agent's browser, through the running gateway")
    .option("--browser-profile <name>", "the browser profile (default: browser.defaultProfile, else openclaw)");
  const command = (name: string, description: string) =>
    addRpcOptions(
      browser
        .command(name)
        .description(description)
        .option("--json", "print as JSON")
        .option("--browser-profile <name>", "the browser profile"),
      30_000,
    );
  const call = async (
    kind: string,
    opts: Options,
    method: string,
    path: string,
    extra: { query?: Result; body?: Result } = {},
  ) => {
    const timeoutMs = parseTimeout(opts.timeout, 30_000);
    const profile = opts.browserProfile ?? (browser.opts() as Options).browserProfile;
    const query = { ...extra.query, ...(profile ? { profile } : {}) };
    const result = await withGateway(ctx, opts, timeoutMs, (client) =>
      client.call<Result>(
        "browser.request",
        { method, path, ...extra, query, timeoutMs: Math.max(1000, timeoutMs) },
        timeoutMs + 5000,
      ),
    );
    if (opts.json) ctx.printJson(result);
    else for (const line of renderBrowser(kind, result)) ctx.print(line);
    // A doctor that found a failure says so in its exit code too, for scripts.
    done(kind === "doctor" && result.ok === false ? EXIT.failure : EXIT.ok);
  };

  command("status", "Show whether the browser runs, which Chromium, headless and sandbox").action((o: Options) =>
    call("status", o, "GET", "/"),
  );
  command("doctor", "Check what would stop the browser from working, without starting it").action((o: Options) =>
    call("doctor", o, "GET", "/doctor"),
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
    .option("--format <format>", "ai (default) or aria (the accessibility tree, for reading)")
    .option("--efficient", "interactive elements only, compact, 6 deep")
    .option("--interactive", "only elements one can act on")
    .option("--compact", "without unnamed containers")
    .option("--depth <n>", "how deep")
    .option("--query <words>", "only lines holding all these words")
    .action(
      (
        o: Options & {
          targetId?: string;
          format?: string;
          efficient?: boolean;
          interactive?: boolean;
          compact?: boolean;
          depth?: string;
          query?: string;
        },
      ) =>
        call("snapshot", o, "GET", "/snapshot", {
          query: {
            ...(o.targetId ? { targetId: o.targetId } : {}),
            ...(o.format ? { snapshotFormat: o.format } : {}),
            ...(o.efficient ? { mode: "efficient" } : {}),
            ...(o.interactive ? { interactive: true } : {}),
            ...(o.compact ? { compact: true } : {}),
            ...(o.depth ? { depth: Number(o.depth) } : {}),
            ...(o.query ? { query: o.query } : {}),
          },
        }),
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
  const tab = browser.command("tab").description("Tabs: list (no subcommand), new, label, select, close");
  const tabCommand = (name: string, description: string) =>
    addRpcOptions(
      tab
        .command(name)
        .description(description)
        .option("--json", "print as JSON")
        .option("--browser-profile <name>", "the browser profile"),
      30_000,
    );
  addRpcOptions(
    tab.option("--json", "print as JSON").option("--browser-profile <name>", "the browser profile"),
    30_000,
  ).action((o: Options) => call("tabs", o, "POST", "/tabs/action", { body: { action: "list" } }));
  tabCommand("new", "Open a new tab (about:blank, or a URL)")
    .argument("[url]")
    .option("--label <label>", "a name to refer to the tab by")
    .action((url: string | undefined, o: Options & { label?: string }) =>
      call("open", o, "POST", "/tabs/action", {
        body: { action: "new", ...(url ? { url } : {}), ...(o.label ? { label: o.label } : {}) },
      }),
    );
  tabCommand("label", "Name a tab")
    .argument("<tab>", "its id (t2) or current label")
    .argument("<label>")
    .action((targetId: string, label: string, o: Options) =>
      call("open", o, "POST", "/tabs/action", { body: { action: "label", targetId, label } }),
    );
  tabCommand("select", "Make a tab the current one")
    .argument("<tab>", "its id (t2) or label")
    .action((targetId: string, o: Options) =>
      call("act", o, "POST", "/tabs/action", { body: { action: "select", targetId } }),
    );
  tabCommand("close", "Close a tab")
    .argument("<tab>", "its id (t2) or label")
    .action((targetId: string, o: Options) =>
      call("close", o, "POST", "/tabs/action", { body: { action: "close", targetId } }),
    );
  command("focus", "Make a tab the current one")
    .argument("<targetId>")
    .action((targetId: string, o: Options) => call("act", o, "POST", "/tabs/focus", { body: { targetId } }));
  command("hover", "Hover over an element by its ref")
    .argument("<ref>")
    .action((ref: string, o: Options) => call("act", o, "POST", "/act", { body: { kind: "hover", ref } }));
  command("select", "Choose options of a select element by its ref")
    .argument("<ref>")
    .argument("<values...>")
    .action((ref: string, values: string[], o: Options) =>
      call("act", o, "POST", "/act", { body: { kind: "select", ref, values } }),
    );
  command("drag", "Drag one element onto another (refs)")
    .argument("<startRef>")
    .argument("<endRef>")
    .action((startRef: string, endRef: string, o: Options) =>
      call("act", o, "POST", "/act", { body: { kind: "drag", startRef, endRef } }),
    );
  command("resize", "Resize the page's viewport")
    .argument("<width>")
    .argument("<height>")
    .action((width: string, height: string, o: Options) =>
      call("act", o, "POST", "/act", { body: { kind: "resize", width: Number(width), height: Number(height) } }),
    );
  command("wait", "Wait for text, a selector, a URL or a time")
    .option("--text <text>", "text to appear")
    .option("--text-gone <text>", "text to disappear")
    .option("--selector <css>", "an element to appear")
    .option("--url-match <glob>", "the page's URL to match")
    .option("--time <ms>", "a fixed time")
    .action((o: Options & { text?: string; textGone?: string; selector?: string; urlMatch?: string; time?: string }) =>
      call("act", o, "POST", "/act", {
        body: {
          kind: "wait",
          ...(o.text ? { text: o.text } : {}),
          ...(o.textGone ? { textGone: o.textGone } : {}),
          ...(o.selector ? { selector: o.selector } : {}),
          ...(o.urlMatch ? { url: o.urlMatch } : {}),
          ...(o.time ? { timeMs: Number(o.time) } : {}),
        },
      }),
    );
  command("evaluate", "Run JavaScript in the page and print its result")
    .argument("<fn>")
    .option("--ref <ref>", "an element passed to the function")
    .action((fn: string, o: Options & { ref?: string }) =>
      call("evaluate", o, "POST", "/act", { body: { kind: "evaluate", fn, ...(o.ref ? { ref: o.ref } : {}) } }),
    );
  command("console", "Print the tab's console messages")
    .option("--level <level>", "error, warning or info")
    .action((o: Options & { level?: string }) =>
      call("console", o, "GET", "/console", { query: o.level ? { level: o.level } : {} }),
    );
  command("errors", "Print the tab's uncaught page errors")
    .option("--clear", "forget them after printing")
    .action((o: Options & { clear?: boolean }) =>
      call("errors", o, "GET", "/errors", { query: o.clear ? { clear: true } : {} }),
    );
  command("requests", "Print the tab's recent network requests")
    .option("--filter <text>", "only URLs containing this")
    .option("--clear", "forget them after printing")
    .action((o: Options & { filter?: string; clear?: boolean }) =>
      call("requests", o, "GET", "/requests", {
        query: { ...(o.filter ? { filter: o.filter } : {}), ...(o.clear ? { clear: true } : {}) },
      }),
    );
  command("pdf", "Save the page as a PDF and print its path").action((o: Options) => call("pdf", o, "POST", "/pdf"));
  command("upload", "Choose files for a file input (files from the agent's workspace)")
    .argument("<paths...>")
    .option("--ref <ref>", "the button that opens the file chooser")
    .option("--input-ref <ref>", "the file input itself")
    .action((paths: string[], o: Options & { ref?: string; inputRef?: string }) =>
      call("act", o, "POST", "/hooks/file-chooser", {
        body: { paths, ...(o.ref ? { ref: o.ref } : {}), ...(o.inputRef ? { inputRef: o.inputRef } : {}) },
      }),
    );
  command("dialog", "Answer the next alert, confirm or prompt of the tab")
    .option("--accept", "accept it (default: dismiss)")
    .option("--prompt <text>", "the text a prompt gets")
    .action((o: Options & { accept?: boolean; prompt?: string }) =>
      call("act", o, "POST", "/hooks/dialog", {
        body: { accept: o.accept === true, ...(o.prompt !== undefined ? { promptText: o.prompt } : {}) },
      }),
    );
  command("download", "Click a ref and save the download it starts")
    .argument("<ref>")
    .argument("[name]", "the file name to save as")
    .action((ref: string, name: string | undefined, o: Options) =>
      call("download", o, "POST", "/download", { body: { ref, ...(name ? { path: name } : {}) } }),
    );
  command("waitfordownload", "Wait for the tab's next download and save it")
    .argument("[name]", "the file name to save as")
    .action((name: string | undefined, o: Options) =>
      call("download", o, "POST", "/wait/download", { body: name ? { path: name } : {} }),
    );
  command("act", 'Run any act request given as JSON, e.g. \'{"kind":"fill","fields":[…]}\' or a batch')
    .argument("<request>", "the act request as a JSON object with kind")
    .action((raw: string, o: Options) => {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch (error) {
        throw new CliError(`act: the request is not valid JSON (${(error as Error).message})`, {
          exitCode: EXIT.usage,
          hint: `for example: openclaw browser act '{"kind":"click","ref":"e12"}'`,
        });
      }
      if (!body || typeof body !== "object" || Array.isArray(body) || typeof (body as Result).kind !== "string")
        throw new CliError("act: the request must be a JSON object with kind", {
          exitCode: EXIT.usage,
          hint: `for example: openclaw browser act '{"kind":"press","key":"Enter"}'`,
        });
      return call((body as Result).kind === "evaluate" ? "evaluate" : "act", o, "POST", "/act", {
        body: body as Result,
      });
    });
  command("close", "Close a tab (the current one by default)")
    .argument("[targetId]")
    .action((targetId: string | undefined, o: Options) =>
      targetId
        ? call("close", o, "DELETE", `/tabs/${targetId}`)
        : call("act", o, "POST", "/act", { body: { kind: "close" } }),
    );
}
