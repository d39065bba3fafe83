import assert from "node:assert/strict";
import { test } from "node:test";
import { markdownToTelegramHtml } from "./markup.js";

test("Markdown becomes Telegram's HTML subset; everything else is escaped", () => {
  assert.equal(
    markdownToTelegramHtml("**bold** and *it* and `a<b>`"),
    "<b>bold</b> and <i>it</i> and <code>a&lt;b&gt;</code>",
  );
  assert.equal(markdownToTelegramHtml("<script>x</script> & co"), "&lt;script&gt;x&lt;/script&gt; &amp; co");
  assert.equal(
    markdownToTelegramHtml("[docs](https://example.com/a?b=1&c=2)"),
    '<a href="https://example.com/a?b=1&amp;c=2">docs</a>',
  );
  assert.equal(markdownToTelegramHtml("[x](javascript:alert(1))"), "[x](javascript:alert(1))", "only http(s) links");
  assert.equal(
    markdownToTelegramHtml("```js\nif (a < b) **no**\n```\nafter ~~old~~"),
    "<pre>if (a &lt; b) **no**</pre>\nafter <s>old</s>",
  );
  assert.equal(markdownToTelegramHtml("snake_case_name stays"), "snake_case_name stays");
});
