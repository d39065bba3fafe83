/**
 * The checks behind `openclaw doctor`: Node.js, the state directory and its modes, the config (every
 * problem), disk space and log volume. With `fix`, only safe repairs: modes, missing folders,
 * temporary files left by killed writes. Each repair is reported.
 * @module
 */
import { accessSync, chmodSync, constants, readdirSync, statfsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ensurePrivateDir, formatMode, isOpenToOthers, modeOf, removeStaleTempFiles } from "../files/fs-safe.js";
import { formatIssueLine } from "./issues.js";
import { readConfigSnapshot } from "./load.js";
import type { Env, StatePaths } from "./paths.js";

export type CheckStatus = "ok" | "warn" | "fail" | "fixed";

export interface DoctorCheck {
  readonly id: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to run or do next, when the status is not ok. */
  readonly next?: string;
}

export interface DoctorInput {
  readonly paths: StatePaths;
  readonly env: Env;
  readonly nodeVersion: string;
  readonly fix: boolean;
  readonly now: Date;
}

export const MIN_NODE = [20, 19] as const;
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
export const LOW_DISK_BYTES = GiB;
export const CRITICAL_DISK_BYTES = 100 * MiB;
export const LARGE_LOGS_BYTES = 2 * GiB;

export function runDoctor(input: DoctorInput): DoctorCheck[] {
  return [
    checkNode(input.nodeVersion),
    ...checkStateDir(input),
    ...checkConfig(input),
    ...checkSecretFiles(input),
    checkDisk(input.paths.stateDir),
    checkLogVolume(input.paths.logsDir),
  ];
}

export function checkNode(version: string): DoctorCheck {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { id: "node", status: "ok", message: `Node.js ${version} (needs ${MIN_NODE.join(".")} or newer)` }
    : {
        id: "node",
        status: "fail",
        message: `Node.js ${version} is too old: openclaw needs ${MIN_NODE.join(".")} or newer`,
        next: "Install Node.js 22 LTS (or 20.19+) with your package manager or nvm, then run openclaw doctor again",
      };
}

function checkStateDir(input: DoctorInput): DoctorCheck[] {
  const { stateDir } = input.paths;
  const checks: DoctorCheck[] = [];
  const mode = modeOf(stateDir);
  if (mode === null) {
    if (input.fix) {
      ensurePrivateDir(stateDir);
      checks.push({ id: "state-dir", status: "fixed", message: `Created the state directory ${stateDir} (mode 0700)` });
    } else {
      checks.push({
        id: "state-dir",
        status: "warn",
        message: `The state directory ${stateDir} does not exist yet`,
        next: "It is created on first use, or now with: openclaw doctor --fix",
      });
      return checks;
    }
  } else if (!statSync(stateDir).isDirectory()) {
    checks.push({
      id: "state-dir",
      status: "fail",
      message: `${stateDir} is not a directory`,
      next: "Move the file away, or point OPENCLAW_STATE_DIR at a directory",
    });
    return checks;
  } else {
    try {
      accessSync(stateDir, constants.W_OK);
      checks.push({ id: "state-dir", status: "ok", message: `State directory ${stateDir} is writable` });
    } catch {
      checks.push({
        id: "state-dir",
        status: "fail",
        message: `The state directory ${stateDir} is not writable by this user`,
        next: `Fix its owner: sudo chown -R $(id -u):$(id -g) ${stateDir}`,
      });
    }
    if (isOpenToOthers(mode))
      checks.push(fixMode(input.fix, "state-dir-mode", stateDir, mode, 0o700, "the state directory"));
  }
  for (const [id, dir] of [
    ["logs-dir", input.paths.logsDir],
    ["credentials-dir", input.paths.credentialsDir],
  ] as const) {
    if (modeOf(dir) !== null) continue;
    if (input.fix) {
      ensurePrivateDir(dir);
      checks.push({ id, status: "fixed", message: `Created ${dir} (mode 0700)` });
    } else {
      checks.push({ id, status: "warn", message: `${dir} is missing`, next: "Create it with: openclaw doctor --fix" });
    }
  }
  return checks;
}

function checkConfig(input: DoctorInput): DoctorCheck[] {
  const { configPath } = input.paths;
  const checks: DoctorCheck[] = [];
  if (input.fix) {
    const removed = removeStaleTempFiles(configPath, 60_000, input.now.getTime());
    if (removed.length > 0)
      checks.push({
        id: "config-temp",
        status: "fixed",
        message: `Removed ${removed.length} temporary file(s) left by interrupted config writes`,
      });
  }
  const snapshot = readConfigSnapshot(configPath, input.env);
  if (!snapshot.exists && snapshot.valid) {
    checks.push({
      id: "config",
      status: "warn",
      message: `No config file at ${configPath}; the defaults apply`,
      next: "Create one with: openclaw config set gateway.mode local",
    });
    return checks;
  }
  if (snapshot.valid) {
    checks.push({ id: "config", status: "ok", message: `Config ${configPath} is valid` });
  } else {
    checks.push({
      id: "config",
      status: "fail",
      message: [
        `Config ${configPath} has ${snapshot.issues.length} problem(s):`,
        ...snapshot.issues.map(formatIssueLine),
      ].join("\n"),
      next: "Fix each key with openclaw config set/unset, then run: openclaw config validate",
    });
  }
  if (snapshot.ignored.length > 0) {
    checks.push({
      id: "config-ignored",
      status: "ok",
      message: `Kept ${snapshot.ignored.length} OpenClaw setting(s) this gateway does not use: ${snapshot.ignored.join(", ")}`,
    });
  }
  const mode = modeOf(configPath);
  if (mode !== null && isOpenToOthers(mode))
    checks.push(fixMode(input.fix, "config-mode", configPath, mode, 0o600, "the config (it holds the gateway token)"));
  return checks;
}

function checkSecretFiles(input: DoctorInput): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const files = [input.paths.envFile, ...listFiles(input.paths.credentialsDir, 2)];
  for (const file of files) {
    const mode = modeOf(file);
    if (mode !== null && isOpenToOthers(mode))
      checks.push(fixMode(input.fix, "secret-file-mode", file, mode, 0o600, "a file holding secrets"));
  }
  const dirMode = modeOf(input.paths.credentialsDir);
  if (dirMode !== null && isOpenToOthers(dirMode))
    checks.push(
      fixMode(
        input.fix,
        "credentials-dir-mode",
        input.paths.credentialsDir,
        dirMode,
        0o700,
        "the credentials directory",
      ),
    );
  return checks;
}

function fixMode(fix: boolean, id: string, path: string, mode: number, want: number, what: string): DoctorCheck {
  if (fix) {
    chmodSync(path, want);
    return {
      id,
      status: "fixed",
      message: `Changed the mode of ${path} from ${formatMode(mode)} to ${formatMode(want)}`,
    };
  }
  return {
    id,
    status: "warn",
    message: `${path} (${what}) has mode ${formatMode(mode)}: others can read it`,
    next: `Run: chmod ${formatMode(want).slice(1)} ${path}   (or openclaw doctor --fix)`,
  };
}

function checkDisk(stateDir: string): DoctorCheck {
  let dir = stateDir;
  // The state dir may not exist yet: measure the file system it will be created on.
  for (let i = 0; i < 64 && modeOf(dir) === null && dirname(dir) !== dir; i++) dir = dirname(dir);
  let free: number;
  try {
    const stats = statfsSync(dir);
    free = Number(stats.bavail) * Number(stats.bsize);
  } catch (error) {
    return {
      id: "disk",
      status: "warn",
      message: `Could not measure free space under ${dir}: ${(error as Error).message}`,
    };
  }
  const text = `${formatBytes(free)} free under ${dir}`;
  if (free < CRITICAL_DISK_BYTES)
    return {
      id: "disk",
      status: "fail",
      message: `Only ${text}`,
      next: "Free disk space: sessions and logs cannot be written safely",
    };
  if (free < LOW_DISK_BYTES)
    return {
      id: "disk",
      status: "warn",
      message: `Only ${text}`,
      next: "Free some disk space, or lower logging.retentionDays",
    };
  return { id: "disk", status: "ok", message: text };
}

function checkLogVolume(logsDir: string): DoctorCheck {
  const files = listFiles(logsDir, 1);
  let total = 0;
  for (const file of files) {
    try {
      total += statSync(file).size;
    } catch {
      // removed meanwhile
    }
  }
  const text = `${formatBytes(total)} of logs in ${files.length} file(s) under ${logsDir}`;
  if (total > LARGE_LOGS_BYTES) {
    return {
      id: "logs",
      status: "warn",
      message: text,
      next: "Lower logging.retentionDays or logging.maxFileBytes: openclaw config set logging.retentionDays 7",
    };
  }
  return { id: "logs", status: "ok", message: text };
}

function listFiles(dir: string, depth: number): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names.slice(0, 10_000)) {
    const path = join(dir, name);
    try {
      const stat = statSync(path);
      if (stat.isFile()) out.push(path);
      else if (stat.isDirectory() && depth > 1) out.push(...listFiles(path, depth - 1));
    } catch {
      // removed meanwhile
    }
  }
  return out;
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
