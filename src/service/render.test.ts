import assert from "node:assert/strict";
import { test } from "node:test";
import { renderDetachedDefinition } from "./detached.js";
import { parseLaunchdPlist, renderLaunchdPlist } from "./plist-launchd.js";
import { buildServiceSpec, serviceNames, type ServiceSpec } from "./spec.js";
import { parseTaskScript, renderTaskScript, schtasksCreateArgs } from "./task-schtasks.js";
import { parseSystemdUnit, renderSystemdUnit, splitExecStart, UnitValueError } from "./unit-systemd.js";
import { resolveStatePaths } from "../config/paths.js";

const spec: ServiceSpec = buildServiceSpec({
  paths: resolveStatePaths({ profile: "default", env: {}, homedir: "/home/ana", cwd: "/" }),
  port: 18789,
  version: "2026.11.25",
  nodePath: "/usr/bin/node",
  entryPath: "/usr/lib/node_modules/openclaw/dist/entry.cjs",
  home: "/home/ana",
  env: { OPENCLAW_GATEWAY_TOKEN: "must-not-appear", HTTPS_PROXY: "http://proxy:3128" },
});

test("service names follow the profile", () => {
  assert.deepEqual(serviceNames("default"), {
    systemd: "openclaw-gateway.service",
    launchd: "bot.molt.gateway",
    schtasks: "OpenClaw Gateway",
  });
  assert.deepEqual(serviceNames("rescue"), {
    systemd: "openclaw-gateway-rescue.service",
    launchd: "bot.molt.rescue",
    schtasks: "OpenClaw Gateway (rescue)",
  });
});

test("the systemd user unit, exactly", () => {
  assert.equal(
    renderSystemdUnit(spec, { system: false }),
    `[Unit]
Description=OpenClaw Gateway (profile: default, v2026.11.25)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=120
StartLimitBurst=5

[Service]
Type=simple
ExecStart=/usr/bin/node --max-semi-space-size=4 /usr/lib/node_modules/openclaw/dist/entry.cjs gateway --port 18789
Restart=always
RestartSec=5
RestartPreventExitStatus=78
SuccessExitStatus=0 143
TimeoutStopSec=30
KillMode=control-group
WorkingDirectory=/home/ana
Environment=HOME=/home/ana
Environment=PATH=/usr/bin:/usr/local/bin:/bin
Environment=OPENCLAW_SERVICE_MARKER=openclaw
Environment=OPENCLAW_SERVICE_KIND=gateway
Environment=OPENCLAW_SERVICE_VERSION=2026.11.25
Environment=HTTPS_PROXY=http://proxy:3128

[Install]
WantedBy=default.target
`,
  );
});

test("the system unit adds User= and targets multi-user; values with spaces are quoted and round-trip", () => {
  const system = renderSystemdUnit(
    {
      ...spec,
      user: "ana",
      group: "staff",
      environment: { ...spec.environment, OPENCLAW_STATE_DIR: "/srv/open claw" },
    },
    { system: true },
  );
  assert.match(system, /^User=ana$/m);
  assert.match(system, /^Group=staff$/m);
  assert.match(system, /^WantedBy=multi-user\.target$/m);
  assert.match(system, /^Environment="OPENCLAW_STATE_DIR=\/srv\/open claw"$/m);
  const parsed = parseSystemdUnit(system);
  assert.equal(parsed.environment.OPENCLAW_STATE_DIR, "/srv/open claw");
  assert.deepEqual(parsed.execStart, [
    "/usr/bin/node",
    "--max-semi-space-size=4",
    "/usr/lib/node_modules/openclaw/dist/entry.cjs",
    "gateway",
    "--port",
    "18789",
  ]);
  assert.equal(parsed.user, "ana");
  assert.deepEqual(splitExecStart('"/opt/my node/node" a\\ b "c\\"d"'), ["/opt/my node/node", "a b", 'c"d']);
  assert.throws(
    () => renderSystemdUnit({ ...spec, environment: { HOME: "a\nExecStart=/bin/evil" } }, { system: false }),
    UnitValueError,
  );
});

test("no secret ever reaches a service definition", () => {
  for (const text of [
    renderSystemdUnit(spec, { system: false }),
    renderLaunchdPlist(spec, "bot.molt.gateway"),
    renderTaskScript(spec),
    renderDetachedDefinition(spec),
  ]) {
    assert.doesNotMatch(text, /must-not-appear|TOKEN|PASSWORD/);
  }
});

test("the launchd plist: keys in order, logs in the state dir, round trip", () => {
  const plist = renderLaunchdPlist(spec, "bot.molt.gateway");
  const keys = [...plist.matchAll(/^ {2}<key>(\w+)<\/key>/gm)].map((m) => m[1]);
  assert.deepEqual(keys, [
    "Label",
    "Comment",
    "RunAtLoad",
    "KeepAlive",
    "ThrottleInterval",
    "Umask",
    "ProgramArguments",
    "WorkingDirectory",
    "StandardOutPath",
    "StandardErrorPath",
    "EnvironmentVariables",
  ]);
  assert.match(plist, /<string>\/home\/ana\/\.openclaw\/logs\/gateway\.err\.log<\/string>/);
  assert.match(plist, /<key>SuccessfulExit<\/key>\s*<false\/>/);
  const parsed = parseLaunchdPlist(plist);
  assert.deepEqual(parsed.execStart, [
    "/usr/bin/node",
    "--max-semi-space-size=4",
    "/usr/lib/node_modules/openclaw/dist/entry.cjs",
    "gateway",
    "--port",
    "18789",
  ]);
  assert.equal(parsed.environment.OPENCLAW_SERVICE_KIND, "gateway");
  assert.match(renderLaunchdPlist({ ...spec, workingDirectory: "/a&b<c" }, "x"), /<string>\/a&amp;b&lt;c<\/string>/);
});

test("the scheduled task script: CRLF, environment, output to the logs, round trip", () => {
  const script = renderTaskScript(spec);
  assert.equal(
    script,
    [
      "@echo off",
      "rem OpenClaw Gateway (profile: default, v2026.11.25)",
      'set "OPENCLAW_SERVICE_MARKER=openclaw"',
      'set "OPENCLAW_SERVICE_KIND=gateway"',
      'set "OPENCLAW_SERVICE_VERSION=2026.11.25"',
      'set "HTTPS_PROXY=http://proxy:3128"',
      "cd /d /home/ana",
      "/usr/bin/node --max-semi-space-size=4 /usr/lib/node_modules/openclaw/dist/entry.cjs gateway --port 18789 >> /home/ana/.openclaw/logs\\gateway.log 2>> /home/ana/.openclaw/logs\\gateway.err.log",
      "",
    ].join("\r\n"),
  );
  assert.deepEqual(parseTaskScript(script).execStart, [
    "/usr/bin/node",
    "--max-semi-space-size=4",
    "/usr/lib/node_modules/openclaw/dist/entry.cjs",
    "gateway",
    "--port",
    "18789",
  ]);
  assert.deepEqual(schtasksCreateArgs("OpenClaw Gateway", "C:\\oc\\gateway.cmd"), [
    "/Create",
    "/F",
    "/TN",
    "OpenClaw Gateway",
    "/TR",
    '"C:\\oc\\gateway.cmd"',
    "/SC",
    "ONLOGON",
    "/RL",
    "LIMITED",
  ]);
});

test("a named profile puts its name in the environment", () => {
  const named = buildServiceSpec({
    paths: resolveStatePaths({ profile: "work", env: {}, homedir: "/home/ana", cwd: "/" }),
    port: 19002,
    version: "1",
    nodePath: "/usr/bin/node",
    entryPath: "/e.cjs",
    home: "/home/ana",
    env: {},
  });
  assert.equal(named.environment.OPENCLAW_PROFILE, "work");
  assert.match(renderSystemdUnit(named, { system: false }), /Description=OpenClaw Gateway \(profile: work, v1\)/);
});
