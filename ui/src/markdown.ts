/**
 * Model text to HTML: Markdown by `marked`, then `DOMPurify` with a narrow profile, so nothing the model
 * writes (script, event handlers, forms, styles, `javascript:` links) reaches the DOM as markup.
 * @module
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: true, async: false });

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function renderMarkdown(text: string): string {
  const raw = marked.parse(text) as string;
  return DOMPurify.sanitize(raw, {
    USE_PROFILES: { html: true },
    // No images either: a model-written <img> would make the browser fetch a URL of the model's choosing.
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "object", "embed", "img"],
    FORBID_ATTR: ["style", "class", "id"],
  });
}
