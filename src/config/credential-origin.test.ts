import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { credentialAgreement, envOrigin, resolveServiceCredential } from "./credential-origin.js";
import type { OpenClawConfig } from "./schema.js";

function service(files: { env?: string; config?: OpenClawConfig }, serviceEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "oc-cred-"));
  if (files.env !== undefined) writeFileSync(join(dir, ".env"), files.env);
  const paths = { envFile: join(dir, ".env"), configPath: join(dir, "openclaw.json"), defaultPort: 18789 };
  return {
    dir,
    paths,
    resolve: (pending?: { kind: "token"; value: string }) =>
      resolveServiceCredential({
        serviceEnv,
        workingDirectory: join(dir, "nowhere"),
        paths,
        readConfig: (env) => {
          const config = files.config ?? {};
          // As the loader would: ${VAR} from the service's environment, .env included.
          const token = config.gateway?.auth?.token;
          return token === "${FROM_DOTENV}" ? { gateway: { auth: { token: env.FROM_DOTENV } } } : config;
        },
        pendingConfigValue: pending,
      }),
  };
}

test("the service's credential: its definition, then its .env, then the config, else one generated at start", () => {
  const config = { gateway: { auth: { token: "c".repeat(64) } } } as OpenClawConfig;
  assert.equal(service({ config }).resolve().origin?.where, "config");
  const fromEnvFile = service({ config, env: `OPENCLAW_GATEWAY_TOKEN=${"e".repeat(64)}\n` }).resolve();
  assert.equal(fromEnvFile.origin?.where, "env-file");
  assert.equal(fromEnvFile.secret, "e".repeat(64));
  assert.equal(service({ config }, { OPENCLAW_GATEWAY_TOKEN: "u".repeat(64) }).resolve().origin?.where, "service-env");
  assert.equal(service({}).resolve().origin?.where, "generated");
  assert.equal(
    service({}).resolve({ kind: "token", value: "p".repeat(64) }).origin?.where,
    "config",
    "what install will write",
  );
  const viaVar = service({
    config: { gateway: { auth: { token: "${FROM_DOTENV}" } } } as OpenClawConfig,
    env: `FROM_DOTENV=${"v".repeat(64)}\n`,
  }).resolve();
  assert.equal(viaVar.secret, "v".repeat(64), "a ${VAR} in the config is read with the .env loaded");
  assert.equal(service({ config: { gateway: { auth: { mode: "none" } } } as OpenClawConfig }).resolve().mode, "none");
});

test("agreement compares values and names sources, never values", () => {
  const secret = "s".repeat(64);
  const svc = {
    mode: "token" as const,
    secret,
    origin: {
      kind: "token" as const,
      where: "config" as const,
      text: "gateway.auth.token in /h/.openclaw/openclaw.json",
    },
  };
  assert.equal(credentialAgreement({ secret, origin: envOrigin("token", undefined) }, svc).agree, true);
  const mismatch = credentialAgreement({ secret: "x".repeat(64), origin: envOrigin("token", undefined) }, svc);
  assert.equal(mismatch.agree, false);
  assert.equal(
    mismatch.message,
    "token mismatch: the CLI uses OPENCLAW_GATEWAY_TOKEN from your shell, but the service uses gateway.auth.token in /h/.openclaw/openclaw.json, and they differ",
  );
  assert.match(mismatch.fix!, /unset OPENCLAW_GATEWAY_TOKEN/);
  assert.match(mismatch.fix!, /openclaw gateway install --force --token "\$OPENCLAW_GATEWAY_TOKEN"/);
  assert.ok(!JSON.stringify(mismatch).includes(secret) && !JSON.stringify(mismatch).includes("x".repeat(64)));
  const fromFile = envOrigin("token", new Map([["OPENCLAW_GATEWAY_TOKEN", "/h/.openclaw/.env"]]));
  assert.equal(fromFile.text, "OPENCLAW_GATEWAY_TOKEN from /h/.openclaw/.env");
  assert.equal(credentialAgreement({ secret: "x" }, { mode: "none" }).agree, true, "auth none takes anything");
});
