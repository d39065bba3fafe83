/**
 * Doctor's service checks: an installed definition that is out of date or carries a token, linger off,
 * a crash loop, and output logs past their cap. With `fix`, only safe repairs, each reported.
 * @module
 */
import { renameSync, statSync } from "node:fs";
import { join } from "node:path";
import type { DoctorCheck } from "../config/doctor.js";
import type { Env, StatePaths } from "../config/paths.js";
import { readConfigSnapshot } from "../config/load.js";
import { updateConfig } from "../config/update.js";
import type { ServiceBackend } from "./backend.js";
import { enableLinger, readLinger } from "./linger.js";
import type { CommandRunner } from "./runner.js";
import { SECRET_ENV, type ServiceSpec } from "./spec.js";
import { MAX_OUTPUT_LOG_BYTES } from "./supervisor.js";

export async function serviceChecks(input: {
  paths: StatePaths;
  env: Env;
  backend: ServiceBackend;
  spec: ServiceSpec;
  runner: CommandRunner;
  user: string;
  fix: boolean;
  now: Date;
}): Promise<DoctorCheck[]> {
  const { backend, fix } = input;
  const checks: DoctorCheck[] = [];
  const installed = await backend.readInstalled();
  if (!installed) {
    checks.push({
      id: "service",
      status: "ok",
      message: `No gateway service installed for profile ${input.paths.profile} (openclaw gateway install adds one)`,
    });
    return checks;
  }
  const secrets = Object.keys(installed.environment).filter((k) => SECRET_ENV.test(k));
  const current = backend.render(input.spec);
  if (secrets.length > 0) {
    if (fix) {
      const token = installed.environment.OPENCLAW_GATEWAY_TOKEN;
      const config = readConfigSnapshot(input.paths.configPath, input.env);
      if (token && config.valid && !config.config.gateway?.auth?.token) {
        updateConfig({
          configPath: input.paths.configPath,
          logsDir: input.paths.logsDir,
          env: input.env,
          edits: [{ path: ["gateway", "auth", "token"], value: token }],
          command: "doctor --fix (token moved out of the unit)",
          now: input.now,
        });
      }
      await backend.install(input.spec);
      checks.push({
        id: "service-secrets",
        status: "fixed",
        message: `Rewrote ${backend.definitionPath} without ${secrets.join(", ")} (the token now comes from the config); apply it with: openclaw gateway restart`,
      });
    } else {
      checks.push({
        id: "service-secrets",
        status: "warn",
        message: `${backend.definitionPath} carries ${secrets.join(", ")}: a token in a unit goes stale when it is rotated and is readable by other tools`,
        next: "Run: openclaw doctor --fix (moves it to the config and rewrites the unit)",
      });
    }
  } else if (installed.text !== current) {
    if (fix) {
      await backend.install(input.spec);
      checks.push({
        id: "service-definition",
        status: "fixed",
        message: `Rewrote ${backend.definitionPath} for this version and config; apply it with: openclaw gateway restart`,
      });
    } else {
      checks.push({
        id: "service-definition",
        status: "warn",
        message: `${backend.definitionPath} differs from what this version would install (port, paths or version)`,
        next: "Run: openclaw gateway install --force, then openclaw gateway restart",
      });
    }
  } else {
    checks.push({
      id: "service-definition",
      status: "ok",
      message: `${backend.label} (${backend.kind}) is up to date`,
    });
  }

  if (backend.kind === "systemd-user") {
    const linger = await readLinger(input.runner, input.user);
    if (linger.state === "off") {
      const enabled = fix ? await enableLinger(input.runner, input.user) : undefined;
      checks.push(
        enabled?.enabled
          ? {
              id: "linger",
              status: "fixed",
              message: `Enabled linger for ${input.user}: the gateway keeps running after logout`,
            }
          : {
              id: "linger",
              status: "warn",
              message: `Linger is off for ${input.user}: the gateway stops at logout`,
              next: `Run: sudo loginctl enable-linger ${input.user}`,
            },
      );
    }
  }

  const status = await backend.status();
  if (status.runtime !== "running" && (status.restarts ?? 0) >= 3) {
    checks.push({
      id: "crash-loop",
      status: "fail",
      message: `The gateway is crash-looping (${status.restarts} restarts, runtime ${status.runtime})`,
      next: "See why: openclaw gateway status (Last gateway error) and openclaw logs --level error",
    });
  }

  for (const name of ["gateway.log", "gateway.err.log"]) {
    const path = join(input.paths.logsDir, name);
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      continue;
    }
    if (size <= MAX_OUTPUT_LOG_BYTES) continue;
    if (fix) {
      renameSync(path, `${path}.1`);
      checks.push({
        id: "output-log",
        status: "fixed",
        message: `Moved ${path} (${Math.round(size / 1048576)} MiB) to ${name}.1`,
      });
    } else {
      checks.push({
        id: "output-log",
        status: "warn",
        message: `${path} is ${Math.round(size / 1048576)} MiB, past its ${MAX_OUTPUT_LOG_BYTES / 1048576} MiB cap`,
        next: "Run: openclaw doctor --fix",
      });
    }
  }
  return checks;
}
