import assert from "node:assert/strict";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { OpenClawConfig } from "../config/schema.js";
import { resolveChannelAccounts } from "./accounts.js";

const config = (telegram: Record<string, unknown>) => ({ channels: { telegram } }) as unknown as OpenClawConfig;

test("token sources: tokenFile > botToken > TELEGRAM_BOT_TOKEN (default account only)", () => {
  const dir = mkdtempSync(join(tmpdir(), "oc-accounts-"));
  writeFileSync(join(dir, "token"), "111:from-file\n");
  symlinkSync(join(dir, "token"), join(dir, "link"));
  const env = { TELEGRAM_BOT_TOKEN: "222:from-env" };
  assert.equal(resolveChannelAccounts(config({}), env, "/nonexistent-credentials")[0]!.tokenSource, "env");
  assert.equal(
    resolveChannelAccounts(config({ botToken: "333:cfg" }), env, "/nonexistent-credentials")[0]!.token,
    "333:cfg",
  );
  const fromFile = resolveChannelAccounts(
    config({ botToken: "333:cfg", tokenFile: join(dir, "token") }),
    env,
    "/nonexistent-credentials",
  )[0]!;
  assert.equal(fromFile.token, "111:from-file");
  assert.equal(fromFile.tokenSource, "tokenFile");
  const link = resolveChannelAccounts(config({ tokenFile: join(dir, "link") }), {}, "/nonexistent-credentials")[0]!;
  assert.equal(link.configured, false);
  assert.match(link.tokenError!, /symlink/);
  const named = resolveChannelAccounts(config({ accounts: { work: {} } }), env, "/nonexistent-credentials")[0]!;
  assert.equal(named.configured, false, "the env token serves only the default account");
  assert.equal(
    resolveChannelAccounts({} as OpenClawConfig, env, "/nonexistent-credentials").length,
    0,
    "no section, no account",
  );
});

test("accounts inherit the root's keys; ids are normalised; the transport key changes only with transport settings", () => {
  const [a, b] = resolveChannelAccounts(
    config({
      dmPolicy: "allowlist",
      allowFrom: ["tg:42", 43],
      accounts: { a: { botToken: "1:x" }, b: { botToken: "2:y", dmPolicy: "open", allowFrom: ["*"] } },
    }),
    {},
    "/nonexistent-credentials",
  );
  assert.equal(a!.dmPolicy, "allowlist");
  assert.deepEqual(a!.allowFrom, ["42", "43"]);
  assert.equal(b!.dmPolicy, "open");
  assert.equal(a!.groupPolicy, "allowlist", "groups default to the allowlist");
  const before = resolveChannelAccounts(
    config({ botToken: "1:x", dmPolicy: "pairing" }),
    {},
    "/nonexistent-credentials",
  )[0]!.transportKey;
  assert.equal(
    resolveChannelAccounts(config({ botToken: "1:x", dmPolicy: "disabled" }), {}, "/nonexistent-credentials")[0]!
      .transportKey,
    before,
  );
  assert.notEqual(
    resolveChannelAccounts(
      config({ botToken: "1:x", apiRoot: "http://127.0.0.1:1" }),
      {},
      "/nonexistent-credentials",
    )[0]!.transportKey,
    before,
  );
});
