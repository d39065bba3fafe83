import assert from "node:assert/strict";
import { test } from "node:test";
import { containsRedacted, mergePatchToEdits, redactRawText, restoreRedacted } from "./remote-edit.js";

const doc = {
  gateway: { port: 1, auth: { token: "s3cret-token" }, remote: { password: "pw-value" } },
  logging: { level: "info" },
};

test("raw text is masked where secret values stand as string literals", () => {
  const raw = `{ gateway: { auth: { token: "s3cret-token" }, remote: { password: 'pw-value' } }, note: "s3cret-token-not-a-literal" }`;
  const masked = redactRawText(raw, doc);
  assert.doesNotMatch(masked, /"s3cret-token"|'pw-value'/);
  assert.match(masked, /"__OPENCLAW_REDACTED__"/);
  assert.match(masked, /s3cret-token-not-a-literal/, "only whole literals are replaced");
});

test("the marker sent back is replaced by the file's value; without one it is an error", () => {
  const next = { gateway: { port: 2, auth: { token: "__OPENCLAW_REDACTED__" } } };
  assert.deepEqual(restoreRedacted(next, doc), { gateway: { port: 2, auth: { token: "s3cret-token" } } });
  assert.throws(
    () => restoreRedacted({ gateway: { auth: { password: "__OPENCLAW_REDACTED__" } } }, doc),
    /send the real value/,
  );
  assert.equal(containsRedacted(next), true);
  assert.equal(containsRedacted(doc), false);
});

test("merge patches: null removes, objects merge, values and lists replace", () => {
  assert.deepEqual(
    mergePatchToEdits(
      { gateway: { port: 3, remote: null }, logging: { level: null, file: "x" }, agents: { list: [{ id: "a" }] } },
      doc,
    ),
    [
      { path: ["gateway", "port"], value: 3 },
      { path: ["gateway", "remote"], value: undefined },
      { path: ["logging", "level"], value: undefined },
      { path: ["logging", "file"], value: "x" },
      { path: ["agents"], value: { list: [{ id: "a" }] } },
    ],
  );
  assert.deepEqual(mergePatchToEdits({ missing: null, fresh: { a: 1, b: null } }, doc), [
    { path: ["fresh"], value: { a: 1 } },
  ]);
});
