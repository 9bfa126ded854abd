// The conversation as this browser saw it, kept in localStorage per customer scope.
//
// Rasa's socket.io channel sends no history when a page reloads, so the widget keeps what it
// rendered: the session id (sent back with `session_request` to rejoin the conversation) and
// the messages, capped in count and size and dropped after `maxAgeMs` of inactivity. Several
// tabs of one site share the entry; `mergeMessages` makes them converge.

const VERSION = 1;
const PREFIX = `eepay-chat:v${VERSION}:`;
const CROSS_TAB_DUPLICATE_MS = 3000;

/** localStorage if the browser lets us use it (private modes may not), else a memory stand-in. */
export function usableStorage(candidate) {
  try {
    const storage = candidate ?? window.localStorage;
    const probe = `${PREFIX}probe`;
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    const memory = new Map();
    return {
      getItem: (key) => (memory.has(key) ? memory.get(key) : null),
      setItem: (key, value) => memory.set(key, String(value)),
      removeItem: (key) => memory.delete(key),
    };
  }
}

function emptyState() {
  return { sessionId: null, messages: [], unread: 0, language: null, updatedAt: 0 };
}

function isMessage(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof value.id === "string" &&
    typeof value.from === "string" &&
    typeof value.ts === "number"
  );
}

function newer(a, b) {
  return (b.rev ?? 0) > (a.rev ?? 0) ? b : a;
}

/** Of two copies of one delivery, the edited one (quick reply chosen...), else the smaller id. */
function preferred(a, b) {
  const revA = a.rev ?? 0;
  const revB = b.rev ?? 0;
  return revA !== revB ? revA > revB : a.id < b.id;
}

function sameDelivery(a, b) {
  return (
    a.from === b.from &&
    a.from !== "user" &&
    a.origin !== b.origin &&
    (a.text ?? "") === (b.text ?? "") &&
    (a.kind ?? "text") === (b.kind ?? "text") &&
    Math.abs(a.ts - b.ts) <= CROSS_TAB_DUPLICATE_MS
  );
}

/**
 * The union of two message lists by id (the higher `rev` wins), in time order. A bot or agent
 * message that two tabs both received (same text, different tabs, within 3 s) is kept once —
 * the edited copy, else the one with the smaller id, so every tab keeps the same one.
 */
export function mergeMessages(first, second) {
  const byId = new Map();
  for (const message of [...first, ...second]) {
    if (!isMessage(message)) continue;
    const seen = byId.get(message.id);
    byId.set(message.id, seen ? newer(seen, message) : message);
  }
  const ordered = [...byId.values()].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : 1));
  const kept = [];
  for (const message of ordered) {
    const twin = kept.findIndex((other) => sameDelivery(other, message));
    if (twin === -1) kept.push(message);
    else if (preferred(message, kept[twin])) kept[twin] = message;
  }
  return kept;
}

/** True when two message lists hold the same messages at the same revisions, in order. */
export function sameRevisions(first, second) {
  return (
    first.length === second.length &&
    first.every((message, index) => message.id === second[index].id && (message.rev ?? 0) === (second[index].rev ?? 0))
  );
}

export class ConversationStore {
  /**
   * @param {object} options
   * @param {string} options.scope        whose conversation (customer id or "anonymous")
   * @param {Storage} [options.storage]   defaults to localStorage
   * @param {number} [options.maxMessages]
   * @param {number} [options.maxChars]   cap of the serialised entry
   * @param {number} [options.maxAgeMs]   forget a conversation idle for this long
   */
  constructor({ scope, storage, maxMessages = 200, maxChars = 200_000, maxAgeMs = 24 * 3600_000 }) {
    this.key = `${PREFIX}${scope}`;
    this.storage = usableStorage(storage);
    this.maxMessages = maxMessages;
    this.maxChars = maxChars;
    this.maxAgeMs = maxAgeMs;
  }

  /** The stored conversation, or an empty one when missing, malformed or expired. */
  load(now = Date.now()) {
    let raw = null;
    try {
      raw = this.storage.getItem(this.key);
    } catch {
      return emptyState();
    }
    if (!raw) return emptyState();
    try {
      const data = JSON.parse(raw);
      if (data?.v !== VERSION || now - (data.updatedAt ?? 0) > this.maxAgeMs) {
        this.clear();
        return emptyState();
      }
      return {
        sessionId: typeof data.sessionId === "string" ? data.sessionId : null,
        messages: Array.isArray(data.messages) ? data.messages.filter(isMessage) : [],
        unread: Number.isInteger(data.unread) && data.unread > 0 ? data.unread : 0,
        language: typeof data.language === "string" ? data.language : null,
        updatedAt: data.updatedAt,
      };
    } catch {
      this.clear();
      return emptyState();
    }
  }

  /** Saves the conversation, dropping the oldest messages beyond the caps. */
  save({ sessionId, messages, unread = 0, language = null }) {
    let kept = messages.slice(-this.maxMessages);
    for (;;) {
      const serialised = JSON.stringify({ v: VERSION, sessionId, messages: kept, unread, language, updatedAt: Date.now() });
      if (serialised.length <= this.maxChars || kept.length <= 1) {
        try {
          this.storage.setItem(this.key, serialised);
          return kept;
        } catch {
          // Quota exceeded: keep halving until it fits; if nothing fits, give up quietly.
          if (kept.length <= 1) return kept;
        }
      }
      kept = kept.slice(Math.ceil(kept.length / 2));
    }
  }

  clear() {
    try {
      this.storage.removeItem(this.key);
    } catch {
      // Storage gone: nothing to clear.
    }
  }

  /** Calls `callback(state)` when another tab changes this conversation. Returns an unsubscribe. */
  subscribe(callback) {
    const listener = (event) => {
      if (event.key === this.key || event.key === null) callback(this.load());
    };
    window.addEventListener("storage", listener);
    return () => window.removeEventListener("storage", listener);
  }
}

/** Per-tab UI state (is the panel open) in sessionStorage, so a reload keeps it. */
export class TabState {
  constructor(scope, storage) {
    this.key = `${PREFIX}${scope}:open`;
    try {
      this.storage = usableStorage(storage ?? window.sessionStorage);
    } catch {
      this.storage = usableStorage(null);
    }
  }

  get open() {
    try {
      return this.storage.getItem(this.key) === "1";
    } catch {
      return false;
    }
  }

  set open(value) {
    try {
      if (value) this.storage.setItem(this.key, "1");
      else this.storage.removeItem(this.key);
    } catch {
      // Not critical.
    }
  }
}
