// Safe DOM building. Message text only ever becomes text nodes (textContent); links are
// real <a> elements whose href passed `safeUrl`. No string is ever parsed as HTML.

const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:"]);

// [label](url) — Rasa responses may use Markdown links.
const MARKDOWN_LINK = /\[([^\]\n]{1,200})\]\(([^)\s]{1,2000})\)/g;
// Bare URLs end at whitespace, quotes, angle brackets and CJK characters / punctuation.
const BARE_URL = /\bhttps?:\/\/[^\s<>"'`\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/** Creates an element; `props` are DOM properties or attributes (never HTML), children are nodes or strings. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key in node && !key.startsWith("aria") && key !== "role") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

/** The URL if it is absolute and uses a harmless protocol (http, https, mailto, tel); else null. */
export function safeUrl(raw) {
  if (typeof raw !== "string") return null;
  try {
    const url = new URL(raw.trim());
    return LINK_PROTOCOLS.has(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

function link(label, url) {
  return el("a", {
    href: url.href,
    text: label,
    target: "_blank",
    rel: "noopener noreferrer nofollow",
    class: "eec-link",
  });
}

function appendBareUrls(parent, text) {
  let last = 0;
  for (const match of text.matchAll(BARE_URL)) {
    let candidate = match[0];
    const trailing = candidate.match(TRAILING_PUNCTUATION);
    if (trailing) candidate = candidate.slice(0, -trailing[0].length);
    const url = safeUrl(candidate);
    if (!url) continue;
    parent.append(document.createTextNode(text.slice(last, match.index)));
    parent.append(link(candidate, url));
    last = match.index + candidate.length;
  }
  parent.append(document.createTextNode(text.slice(last)));
}

/**
 * Appends `text` to `parent` as text nodes, turning Markdown links and bare http(s) URLs into
 * safe links when `links` is true. A link with an unsafe URL (javascript:, data:...) stays text.
 */
export function appendRichText(parent, text, { links = true } = {}) {
  const value = typeof text === "string" ? text : "";
  if (!links) {
    parent.append(document.createTextNode(value));
    return parent;
  }
  let last = 0;
  for (const match of value.matchAll(MARKDOWN_LINK)) {
    const url = safeUrl(match[2]);
    if (!url) continue;
    appendBareUrls(parent, value.slice(last, match.index));
    parent.append(link(match[1], url));
    last = match.index + match[0].length;
  }
  appendBareUrls(parent, value.slice(last));
  return parent;
}

/** "14:05" today, "11月24日 14:05" / "24 Nov, 14:05" on other days. */
export function formatTime(timestamp, locale, now = Date.now()) {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = new Date(now).toDateString() === date.toDateString();
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit", hour12: false }
    : { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
  return new Intl.DateTimeFormat(locale, options).format(date);
}
