/** `openclaw doctor`: checks, and with --fix the safe repairs. @module */
import type { Command } from "commander";
import { runDoctor, type CheckStatus, type DoctorCheck } from "../../config/doctor.js";
import type { CliContext } from "../command.js";
import { EXIT } from "../errors.js";

const MARK: Record<CheckStatus, string> = { ok: "ok   ", warn: "warn ", fail: "FAIL ", fixed: "fixed" };
const PAINT: Record<CheckStatus, string> = { ok: "32", warn: "33", fail: "31", fixed: "36" };

export function register(program: Command, ctx: CliContext, done: (code: number) => void): void {
  program
    .command("doctor")
    .description("Check Node.js, the state directory, the config, disk space and logs")
    .option("--fix", "apply the safe fixes (file modes, missing folders, leftover temporary files)")
    .option("--repair", "same as --fix")
    .option("--non-interactive", "never ask; doctor only changes anything with --fix")
    .option("--json", "print the checks as JSON")
    .action(async (opts: { fix?: boolean; repair?: boolean; json?: boolean }) => {
      const fix = Boolean(opts.fix || opts.repair);
      const checks = runDoctor({
        paths: ctx.paths,
        env: ctx.env,
        nodeVersion: ctx.nodeVersion,
        fix: Boolean(opts.fix || opts.repair),
        now: ctx.now(),
      });
      checks.push(...(await serviceDoctor(ctx, fix)));
      const failed = checks.some((check) => check.status === "fail");
      if (opts.json) ctx.printJson({ ok: !failed, profile: ctx.profile, stateDir: ctx.paths.stateDir, checks });
      else ctx.stdout.write(renderChecks(checks, ctx.color));
      done(failed ? EXIT.failure : EXIT.ok);
    });
}

/** The service checks, when a gateway service is installed for this profile. */
async function serviceDoctor(ctx: CliContext, fix: boolean): Promise<DoctorCheck[]> {
  const { resolveGatewaySettings } = await import("../../config/gateway-settings.js");
  const { readConfigSnapshot } = await import("../../config/load.js");
  const { serviceChecks } = await import("../../service/doctor.js");
  const { systemRunner } = await import("../../service/runner.js");
  const { selectBackend } = await import("../../service/select.js");
  const { serviceSpecFor } = await import("./gateway-service.js");
  const { userInfo } = await import("node:os");
  const runner = systemRunner(ctx.env);
  try {
    const { backend } = await selectBackend(ctx.paths, {
      platform: process.platform,
      env: ctx.env,
      home: ctx.homedir,
      uid: process.getuid?.() ?? 0,
      runner,
    });
    const snapshot = readConfigSnapshot(ctx.paths.configPath, ctx.env);
    const installed = await backend.readInstalled();
    // Compare against what install would write for the port the service runs on now.
    const portIndex = installed?.execStart.indexOf("--port") ?? -1;
    const port =
      portIndex >= 0
        ? Number(installed!.execStart[portIndex + 1])
        : resolveGatewaySettings({ env: ctx.env, config: snapshot.valid ? snapshot.config : {}, paths: ctx.paths })
            .port;
    const user = ctx.env.SUDO_USER ?? userInfo().username;
    const spec = serviceSpecFor(ctx, port, backend.kind === "systemd-system", user);
    return await serviceChecks({ paths: ctx.paths, env: ctx.env, backend, spec, runner, user, fix, now: ctx.now() });
  } catch (error) {
    return [
      { id: "service", status: "warn", message: `Could not inspect the gateway service: ${(error as Error).message}` },
    ];
  }
}

/** The text report: one line per check, indented detail and next step. */
export function renderChecks(checks: readonly DoctorCheck[], color: boolean): string {
  const lines: string[] = [];
  for (const check of checks) {
    const mark = color ? `\u001b[${PAINT[check.status]}m${MARK[check.status]}\u001b[0m` : MARK[check.status];
    const [first, ...rest] = check.message.split("\n");
    lines.push(`${mark} ${first}`);
    for (const line of rest) lines.push(`      ${line}`);
    if (check.next && check.status !== "ok" && check.status !== "fixed") lines.push(`      -> ${check.next}`);
  }
  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  const fixed = checks.filter((c) => c.status === "fixed").length;
  lines.push("", `${failed} failed, ${warned} warning(s), ${fixed} fixed`);
  return `${lines.join("\n")}\n`;
}
