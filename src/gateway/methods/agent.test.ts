import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAttachments, MAX_IMAGE_BYTES } from "./agent.js";

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);
const png = (content = PNG.toString("base64")) => ({
  type: "image",
  mimeType: "image/png",
  fileName: "a.png",
  content,
});

test("chat.send attachments: images pass as base64, a data: prefix is taken off", () => {
  assert.deepEqual(checkAttachments([png()]), [{ mimeType: "image/png", data: PNG.toString("base64") }]);
  assert.deepEqual(
    checkAttachments([png(`data:image/png;base64,${PNG.toString("base64")}`)])[0]!.data,
    PNG.toString("base64"),
  );
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]).toString("base64");
  assert.equal(checkAttachments([{ mimeType: "IMAGE/JPEG", content: jpeg }])[0]!.mimeType, "image/jpeg");
});

/** Refused with a message that matches. */
const refused = (a: Parameters<typeof checkAttachments>[0][number], pattern: RegExp) =>
  assert.throws(
    () => checkAttachments([a]),
    (e: Error) => pattern.test(e.message),
    pattern.source,
  );

test("chat.send attachments: other files, lies about the type, broken base64 and oversized images are refused", () => {
  refused(
    { type: "file", mimeType: "application/pdf", fileName: "x.pdf", content: "JVBERi0=" },
    /x\.pdf\): only images/,
  );
  refused({ mimeType: "image/svg+xml", content: "PHN2Zz4=" }, /only images/);
  refused(png("not base64!"), /must be base64/);
  refused({ ...png(), mimeType: "image/gif" }, /not a image\/gif image/);
  refused(png(Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]).toString("base64")), /larger than 5 MB/);
});
