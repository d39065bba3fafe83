/**
 * The model's Markdown as Telegram HTML (the subset the Bot API accepts: b, i, s, code, pre, a). Text is
 * escaped first, so nothing the model writes becomes markup by accident; what Telegram still refuses is
 * sent again as plain text by the manager.
 * @module
 */

const escapeHtml = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Marks where a code span was taken out; a character that never occurs in a model's text. */
const CODE_MARK = String.fromCharCode(0);

/** Inline spans of one line of ordinary text. */
function inline(text: string): string {
  const codes: string[] = [];
  // Code spans first: nothing inside them is formatting.
  let out = text.replace(/`([^`\n]+)`/g, (_, code: string) => {
    codes.push(`<code>${escapeHtml(code)}</code>`);
    return `${CODE_MARK}${codes.length - 1}${CODE_MARK}`;
  });
  out = escapeHtml(out);
  out = out.replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, (_, label: string, url: string) => {
    return `<a href="${url.replace(/"/g, "&quot;")}">${label}</a>`;
  });
  out = out.replace(/\*\*([^*\n]+)\*\*/g, "<b>$1</b>");
  out = out.replace(/__([^_\n]+)__/g, "<b>$1</b>");
  out = out.replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, "$1<i>$2</i>");
  out = out.replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, "$1<i>$2</i>");
  out = out.replace(/~~([^~\n]+)~~/g, "<s>$1</s>");
  return out.replace(new RegExp(`${CODE_MARK}(\\d+)${CODE_MARK}`, "g"), (_, i: string) => codes[Number(i)]!);
}

export function markdownToTelegramHtml(markdown: string): string {
  const parts: string[] = [];
  const fence = /```[^\n]*\n([\s\S]*?)```/g;
  let last = 0;
  for (const match of markdown.matchAll(fence)) {
    parts.push(markdown.slice(last, match.index).split("\n").map(inline).join("\n"));
    parts.push(`<pre>${escapeHtml(match[1]!.replace(/\n$/, ""))}</pre>`);
    last = match.index + match[0].length;
  }
  parts.push(markdown.slice(last).split("\n").map(inline).join("\n"));
  return parts.join("");
}
