// What the widget missed while its socket was down, fetched once it is back.
//
// socket.io delivers a bot or agent message only to sockets in the conversation's room at that
// moment: an agent's reply written while the customer's network was away never arrives. After a
// reconnect the widget asks the REST channel for the conversation's messages
// (`GET /webhooks/rest/messages?sender=<session>&since=<server time>`, channels/rest.py; a
// verified customer's conversation needs their token) and shows the ones it does not have.
//
// Which ones those are: the server's messages carry the server's timestamps, the widget's carry
// the browser's clock. Every message the widget has matched with the server's list is stamped
// with the server's time (`serverTs`); the next catch-up asks only for what came after the
// latest stamp, and compares it with the messages received since (the unstamped ones). The
// comparison is a longest common subsequence on (sender, text), so repeated texts, messages of
// an earlier session and messages only the widget shows (a "message too long" note) are all
// handled: what the server has and the widget does not, in order, is what was missed.

const MAX_TEXT_CHARS = 10_000;

/** The server time of the latest message the widget has matched with the server (0: none). */
export function serverCursor(messages) {
  let latest = 0;
  for (const message of messages) {
    if (typeof message.serverTs === "number" && message.serverTs > latest) latest = message.serverTs;
  }
  return latest;
}

/** The widget's bot and agent messages with text received after the latest stamped one. */
export function unmatched(messages) {
  let start = 0;
  messages.forEach((message, index) => {
    if (typeof message.serverTs === "number") start = index + 1;
  });
  return messages
    .slice(start)
    .filter((m) => m.from !== "user" && typeof m.text === "string" && m.text && m.serverTs === undefined);
}

function key(from, text) {
  return `${from}\u001f${text.slice(0, MAX_TEXT_CHARS)}`;
}

/** The server's messages the widget can show (text, from bot or agent), in time order. */
export function usable(fetched) {
  if (!Array.isArray(fetched)) return [];
  return fetched.filter(
    (m) =>
      m &&
      typeof m.text === "string" &&
      m.text &&
      typeof m.timestamp === "number" &&
      (m.sender === "bot" || m.sender === "agent"),
  );
}

/**
 * Compares the widget's unmatched messages with the server's: returns `matched` (pairs of a
 * local message and the server time it corresponds to) and `missing` (server messages the
 * widget never received, in order).
 */
export function reconcile(local, fetched) {
  const server = usable(fetched);
  const a = local.map((m) => key(m.from, m.text));
  const b = server.map((m) => key(m.sender, m.text));
  // lengths[i][j]: longest common subsequence of a[i:] and b[j:]
  const lengths = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const matched = [];
  const missing = [];
  let i = 0;
  let j = 0;
  while (j < b.length) {
    if (i < a.length && a[i] === b[j]) {
      matched.push([local[i], server[j].timestamp]);
      i += 1;
      j += 1;
    } else if (i < a.length && lengths[i + 1][j] >= lengths[i][j + 1]) {
      i += 1; // a message only the widget has
    } else {
      missing.push(server[j]);
      j += 1;
    }
  }
  return { matched, missing };
}

/** A server message as the `bot_uttered` payload the widget would have received. */
export function asPayload(message) {
  const payload = { text: message.text };
  if (Array.isArray(message.buttons)) payload.buttons = message.buttons;
  if (message.sender === "agent") payload.metadata = { sender: "agent", agent_name: message.agent_name ?? "" };
  return payload;
}

/**
 * The conversation's messages after `since` (server time), or null when they cannot be had
 * (offline, an old server, a conversation that needs another customer's token).
 */
export async function fetchMessages({ url, sessionId, since, token, fetchImpl = fetch }) {
  const query = new URLSearchParams({ sender: sessionId, since: String(since) });
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    const response = await fetchImpl(`${url}?${query}`, { headers, credentials: "omit", cache: "no-store" });
    if (!response.ok) return null;
    const body = await response.json();
    return Array.isArray(body?.messages) ? body.messages : null;
  } catch {
    return null;
  }
}
