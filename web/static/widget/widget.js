// The chat widget: launcher, panel, message list, composer; wires the connection, the stored
// history and the rating card together. Rendering goes through render.js only (text as text).

import { asPayload, fetchMessages, reconcile, serverCursor, unmatched } from "./catchup.js";
import { ChatConnection, Status } from "./connection.js";
import { ConversationStore, TabState, mergeMessages, sameRevisions } from "./history.js";
import { resolveLanguage, stringsFor } from "./i18n.js";
import { isRatingRequest, messageSubmitter, ratingCard } from "./rating.js";
import { appendRichText, el, formatTime, safeUrl } from "./render.js";

const TYPING_TIMEOUT_MS = 15_000;
const NEAR_BOTTOM_PX = 80;
const MAX_INPUT_CHARS = 2000;
const MAX_BUTTONS = 10;
const MAX_TEXT_CHARS = 10_000;
const STYLESHEET = new URL("./eepay-chat.css", import.meta.url).href;
// A live message this soon after a catch-up showed the same one is that one arriving late.
const CATCH_UP_ECHO_MS = 10_000;

let widgetCount = 0;

/** A random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `sub` of a JWT, read without verifying (only to keep customers' histories apart). */
export function tokenSubject(token) {
  if (typeof token !== "string" || token.split(".").length !== 3) return null;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
    return typeof claims.sub === "string" && /^[\w.-]{1,64}$/.test(claims.sub) ? claims.sub : null;
  } catch {
    return null;
  }
}

/** Reads the script tag's data-* attributes (data-server-url, data-customer-token, ...). */
export function configFromDataset(dataset) {
  const config = {
    serverUrl: dataset.serverUrl,
    customerToken: dataset.customerToken,
    language: dataset.language,
    title: dataset.title,
  };
  if (dataset.socketPath) config.socketPath = dataset.socketPath;
  if (dataset.initPayload !== undefined) config.initPayload = dataset.initPayload;
  if (dataset.historyTtlHours) config.historyTtlHours = Number(dataset.historyTtlHours);
  if (dataset.sessionScope) config.sessionScope = dataset.sessionScope;
  return config;
}

/** Validated configuration with defaults; throws on a missing or odd server URL. */
export function normalizeConfig(config = {}) {
  const server = safeUrl(config.serverUrl ?? "");
  if (!server || !["http:", "https:"].includes(server.protocol)) {
    throw new Error("eepay chat: `serverUrl` must be the http(s) URL of the Rasa server");
  }
  const language = resolveLanguage(config.language);
  const token = typeof config.customerToken === "string" ? config.customerToken.trim() : "";
  const ttlHours = Number(config.historyTtlHours);
  // socket.io reads a URL path as a namespace, so a Rasa server behind a path prefix
  // (https://eepay.com/rasa) becomes origin + socket path (/rasa/socket.io).
  const prefix = server.pathname.replace(/\/+$/, "");
  return {
    serverUrl: server.origin,
    // The REST channel's messages of a conversation (catch-up after a reconnect, catchup.js).
    messagesUrl: `${server.origin}${prefix}/webhooks/rest/messages`,
    socketPath:
      typeof config.socketPath === "string" && config.socketPath ? config.socketPath : `${prefix}/socket.io`,
    customerToken: token,
    language,
    // null: the language's own title (it follows a language switch).
    title: typeof config.title === "string" && config.title.trim() ? config.title.trim() : null,
    initPayload: typeof config.initPayload === "string" ? config.initPayload : "/greet",
    historyTtlHours: Number.isFinite(ttlHours) && ttlHours > 0 ? ttlHours : 24,
    sessionScope: config.sessionScope || tokenSubject(token) || (token ? "customer" : "anonymous"),
    submitRating: typeof config.submitRating === "function" ? config.submitRating : null,
    container: config.container ?? document.body,
  };
}

function cleanButtons(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string" && b.title.trim())
    .slice(0, MAX_BUTTONS)
    .map((b) => ({ title: b.title.slice(0, 100), payload: b.payload.slice(0, 1000) }));
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The custom payload of a `bot_uttered` event, whichever way the channel delivered it:
 * `{"custom": {...}}`, Rasa's socket.io style `{"custom": {"data": {...}}}`, or the payload
 * itself at the top level (what Rasa's own output emits for `custom: {"data": {...}}`).
 */
export function customOf(payload) {
  if (!isObject(payload)) return null;
  if (isObject(payload.custom)) return isObject(payload.custom.data) ? payload.custom.data : payload.custom;
  return typeof payload.type === "string" ? payload : null;
}

/**
 * One `bot_uttered` payload as a message entry ({from, text, buttons, image, agentName, kind}),
 * or null for a payload the widget does not show.
 */
export function entryFromPayload(payload) {
  if (!isObject(payload)) return null;
  const custom = customOf(payload);
  if (isRatingRequest(custom)) return { from: "bot", kind: "rating", text: "" };
  if (custom?.type === "language" && typeof custom.language === "string") {
    return { kind: "language", language: custom.language };
  }
  const meta = isObject(payload.metadata) ? payload.metadata : {};
  const isAgent = meta.sender === "agent" || custom?.type === "agent_message";
  let text = typeof payload.text === "string" ? payload.text : "";
  if (!text && custom?.type === "agent_message" && typeof custom.text === "string") text = custom.text;
  const name = meta.agent_name ?? custom?.agent_name;
  const attachment = payload.attachment;
  const imageSrc = attachment?.type === "image" ? attachment.payload?.src : payload.image;
  const image = safeUrl(imageSrc);
  const entry = {
    from: isAgent ? "agent" : "bot",
    kind: "text",
    text: text.slice(0, MAX_TEXT_CHARS),
    buttons: cleanButtons(payload.quick_replies ?? payload.buttons),
  };
  if (isAgent && typeof name === "string" && name.trim()) entry.agentName = name.trim().slice(0, 40);
  if (image && ["http:", "https:"].includes(image.protocol)) entry.image = image.href;
  if (!entry.text && !entry.buttons.length && !entry.image) return null;
  return entry;
}

export class ChatWidget {
  /**
   * @param {object} config see README: serverUrl, customerToken, language, title, ...
   * @param {Function} io    socket.io-client's `io`
   */
  constructor(config, io) {
    this.config = normalizeConfig(config);
    this.io = io;
    this.tabId = newId();
    this.store = new ConversationStore({
      scope: this.config.sessionScope,
      maxAgeMs: this.config.historyTtlHours * 3600_000,
    });
    this.tab = new TabState(this.config.sessionScope);
    const saved = this.store.load();
    this.sessionId = saved.sessionId;
    this.messages = saved.messages;
    this.unread = saved.unread;
    // The configured language, unless the bot switched this conversation to another one.
    this.language = resolveLanguage(saved.language ?? this.config.language);
    this.strings = stringsFor(this.language);
    this.isOpen = false;
    this.greeted = this.messages.length > 0;
    this.typingTimer = null;
    this.connection = null;
    this.catchUpRunning = false;
    this.catchUpEchoes = [];
    this.submitRating =
      this.config.submitRating ??
      messageSubmitter(
        (text) => this.sendText(text),
        (score, comment) => this.strings.rating.message(score, comment),
      );

    this.build();
    this.renderAll();
    this.updateLauncher();
    this.unsubscribe = this.store.subscribe((state) => this.adopt(state));
    this.onVisible = () => {
      if (!document.hidden && this.isOpen && this.unread) this.markRead();
    };
    document.addEventListener("visibilitychange", this.onVisible);
    // An ongoing conversation reconnects at once (agent replies, unread badge); a new one
    // waits until the customer opens the panel.
    if (this.sessionId) this.connect();
    if (this.tab.open) this.open({ focus: false });
  }

  // --- DOM --------------------------------------------------------------------------------

  build() {
    const n = ++widgetCount;
    this.host = el("div", { class: "eepay-chat", "data-eepay-chat": "" });
    const root = this.host.attachShadow({ mode: "open" });
    this.shadow = root;
    const panelId = `eec-panel-${n}`;
    const titleId = `eec-title-${n}`;
    const inputId = `eec-input-${n}`;

    this.badge = el("span", { class: "eec-badge", "aria-hidden": "true", hidden: true });
    this.launcher = el(
      "button",
      { type: "button", class: "eec-launcher", "aria-expanded": "false", "aria-controls": panelId },
      el("span", { class: "eec-launcher__icon", "aria-hidden": "true" }),
      this.badge,
    );
    this.launcher.addEventListener("click", () => (this.isOpen ? this.close() : this.open()));

    this.title = el("h2", { id: titleId, class: "eec-title" });
    this.status = el("p", { class: "eec-status", role: "status", "aria-live": "polite" });
    this.closeButton = el("button", { type: "button", class: "eec-close" }, "×");
    this.closeButton.addEventListener("click", () => this.close());

    this.log = el("ol", { class: "eec-log", role: "log", "aria-live": "polite", tabindex: "0" });
    this.log.addEventListener("scroll", () => {
      if (this.nearBottom()) this.jump.hidden = true;
    });
    this.typingText = el("span");
    this.typing = el(
      "div",
      { class: "eec-typing", role: "status", hidden: true },
      el("span", { class: "eec-typing__dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
      this.typingText,
    );
    this.jump = el("button", { type: "button", class: "eec-jump", hidden: true });
    this.jump.addEventListener("click", () => this.scrollToBottom());

    this.input = el("textarea", {
      id: inputId,
      class: "eec-input",
      rows: 1,
      maxLength: MAX_INPUT_CHARS,
      autocomplete: "off",
      enterKeyHint: "send",
    });
    this.input.addEventListener("keydown", (event) => {
      // Enter sends; Shift+Enter is a new line; Enter that confirms an IME candidate does not send.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submitInput();
      }
    });
    this.input.addEventListener("input", () => this.autosize());
    this.inputLabel = el("label", { class: "eec-sr", for: inputId });
    this.sendText_ = el("span");
    this.sendButton = el("button", { type: "submit", class: "eec-send" }, this.sendText_);
    const composer = el("form", { class: "eec-composer" }, this.inputLabel, this.input, this.sendButton);
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitInput();
    });

    this.panel = el(
      "section",
      { id: panelId, class: "eec-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": titleId, hidden: true },
      el("header", { class: "eec-header" }, el("div", { class: "eec-header__text" }, this.title, this.status), this.closeButton),
      el("div", { class: "eec-body" }, this.log, this.jump),
      this.typing,
      composer,
    );
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });

    this.frame = el("div", { class: "eec", dir: "ltr" }, this.panel, this.launcher);
    // Shown once our stylesheet is in: no flash of an unstyled widget on the host page.
    this.frame.hidden = true;
    const stylesheet = el("link", { rel: "stylesheet", href: STYLESHEET });
    const reveal = () => {
      this.frame.hidden = false;
      if (this.isOpen) this.scrollToBottom();
    };
    stylesheet.addEventListener("load", reveal, { once: true });
    stylesheet.addEventListener("error", reveal, { once: true });
    root.append(stylesheet, this.frame);
    this.config.container.append(this.host);
    this.applyStrings();
  }

  /** Puts the current language's strings on every fixed part of the widget. */
  applyStrings() {
    const s = this.strings;
    this.frame.lang = s.htmlLang;
    this.title.textContent = this.config.title ?? s.title;
    this.closeButton.setAttribute("aria-label", s.close);
    this.closeButton.title = s.close;
    this.log.setAttribute("aria-label", s.conversation);
    this.typingText.textContent = s.typing;
    this.jump.textContent = `${s.newMessages} ↓`;
    this.input.placeholder = s.placeholder;
    this.inputLabel.textContent = s.inputLabel;
    this.sendButton.setAttribute("aria-label", s.send);
    this.sendButton.title = s.send;
    this.sendText_.textContent = s.send;
    this.setStatus(this.connection?.status ?? Status.CONNECTING);
    this.updateLauncher();
  }

  /**
   * Switches the widget's own texts to `language` ("zh", "en", or the bot's codes "zh-Hans",
   * "zh-Hant", "en"); the bot announces a change with {"type": "language", "language": ...}.
   */
  setLanguage(language) {
    const next = resolveLanguage(language);
    if (next === this.language) return;
    this.language = next;
    this.strings = stringsFor(next);
    this.applyStrings();
    this.renderAll();
    this.sync();
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  senderLabel(message) {
    const s = this.strings;
    if (message.from === "user") return s.you;
    if (message.from === "agent") return message.agentName ? `${s.agent} · ${message.agentName}` : s.agent;
    return s.bot;
  }

  renderMessage(message, index, lastUserIndex) {
    const s = this.strings;
    const item = el("li", {
      class: `eec-msg eec-msg--${message.from}${message.kind === "rating" ? " eec-msg--rating" : ""}`,
      dataset: { id: message.id, from: message.from },
    });
    const time = el("time", { class: "eec-time", dateTime: new Date(message.ts).toISOString(), text: formatTime(message.ts, s.locale) });
    const meta = el("div", { class: "eec-meta" }, el("span", { class: "eec-sender", text: this.senderLabel(message) }), time);
    item.append(meta);

    if (message.kind === "rating") {
      item.append(ratingCard(message, s, (rating) => this.rate(message, rating)));
      return item;
    }
    if (message.text) {
      // Customers' own text is never linkified; bot and agent text gets safe links.
      item.append(appendRichText(el("div", { class: "eec-bubble" }), message.text, { links: message.from !== "user" }));
    }
    const image = safeUrl(message.image); // checked again: stored history is input too
    if (image && ["http:", "https:"].includes(image.protocol)) {
      item.append(el("img", { class: "eec-image", src: image.href, alt: s.image, loading: "lazy", referrerPolicy: "no-referrer" }));
    }
    if (message.from === "user" && message.pending) {
      item.append(el("span", { class: "eec-pending", text: s.pending }));
    }
    if (message.buttons?.length) {
      const active = index > lastUserIndex && message.chosen === undefined;
      const group = el("div", { class: "eec-quick", role: "group", "aria-label": s.quickReplies });
      message.buttons.forEach((button, buttonIndex) => {
        const chosen = message.chosen === buttonIndex;
        const node = el("button", {
          type: "button",
          class: `eec-quick__button${chosen ? " is-chosen" : ""}`,
          text: button.title,
          disabled: !active,
          "aria-pressed": chosen ? "true" : "false",
          dataset: { payload: button.payload },
        });
        node.addEventListener("click", () => this.choose(message, buttonIndex));
        group.append(node);
      });
      item.append(group);
    }
    return item;
  }

  renderAll() {
    const lastUser = this.lastUserIndex();
    this.log.replaceChildren(...this.messages.map((m, i) => this.renderMessage(m, i, lastUser)));
  }

  rerender(message) {
    const index = this.messages.indexOf(message);
    const node = this.log.querySelector(`li[data-id="${CSS.escape(message.id)}"]`);
    if (index === -1 || !node) return;
    node.replaceWith(this.renderMessage(message, index, this.lastUserIndex()));
  }

  lastIndex(predicate) {
    for (let i = this.messages.length - 1; i >= 0; i -= 1) if (predicate(this.messages[i])) return i;
    return -1;
  }

  lastUserIndex() {
    return this.lastIndex((m) => m.from === "user");
  }

  nearBottom() {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.log.scrollTop = this.log.scrollHeight;
    this.jump.hidden = true;
  }

  // --- state ------------------------------------------------------------------------------

  append(entry) {
    const wasNearBottom = this.nearBottom();
    const message = { id: newId(), ts: Date.now(), origin: this.tabId, rev: 0, ...entry };
    this.messages.push(message);
    if (this.persist()) this.renderAll();
    else this.log.append(this.renderMessage(message, this.messages.length - 1, this.lastUserIndex()));
    if (message.from === "user") {
      this.log.querySelectorAll(".eec-quick__button:not(.is-chosen)").forEach((b) => (b.disabled = true));
    }
    if (message.from === "user" || wasNearBottom || !this.isOpen) this.scrollToBottom();
    else this.jump.hidden = false;
    return message;
  }

  update(message, changes) {
    Object.assign(message, changes, { rev: (message.rev ?? 0) + 1 });
    if (this.persist()) this.renderAll();
    else this.rerender(message);
  }

  /**
   * Saves the conversation after merging what other tabs saved meanwhile. True when the
   * message list changed beyond this tab's own edit (the caller then re-renders everything).
   */
  persist() {
    const before = this.messages;
    const stored = this.store.load();
    if (stored.sessionId && stored.sessionId === this.sessionId) {
      this.messages = mergeMessages(this.messages, stored.messages);
    }
    this.messages = this.store.save({
      sessionId: this.sessionId,
      messages: this.messages,
      unread: this.unread,
      language: this.language === resolveLanguage(this.config.language) ? null : this.language,
    });
    return this.messages.length !== before.length || this.messages.some((m, i) => m !== before[i]);
  }

  /** Saves, and re-renders if other tabs' messages came in. */
  sync() {
    if (this.persist()) this.renderAll();
  }

  /**
   * Another tab changed the stored conversation. When this tab holds messages the stored copy
   * lacks (two tabs saving at once: each read the other's entry before it was written), it
   * saves the union back, so every tab ends with the same list; a tab whose list already equals
   * the stored one writes nothing, which ends the exchange of storage events.
   */
  adopt(state) {
    if (state.sessionId && state.sessionId === this.sessionId) {
      this.messages = mergeMessages(this.messages, state.messages);
      if (!sameRevisions(this.messages, state.messages)) this.persist();
      const keepBottom = this.nearBottom();
      this.renderAll();
      if (keepBottom) this.scrollToBottom();
    } else if (!state.sessionId && this.sessionId) {
      this.forget(); // the other tab cleared the conversation (logout)
    } else if (state.sessionId && !this.messages.some((m) => m.from === "user")) {
      this.switchSession(state.sessionId, state.messages); // join the other tab's conversation
    }
  }

  switchSession(sessionId, messages) {
    this.sessionId = sessionId;
    this.messages = mergeMessages([], messages);
    this.greeted = true;
    this.renderAll();
    this.connection?.useSession(sessionId);
  }

  onSession(sessionId, previous) {
    const stored = this.store.load();
    if (!previous && stored.sessionId && stored.sessionId !== sessionId) {
      // Another tab started this customer's conversation first: continue that one.
      this.switchSession(stored.sessionId, stored.messages);
      return;
    }
    this.sessionId = sessionId;
    if (previous && previous !== sessionId) {
      this.messages = []; // the server started a new conversation
      this.persist();
      this.renderAll();
    } else {
      this.sync();
    }
  }

  setStatus(status) {
    this.status.textContent = this.strings.status[status];
    this.frame.dataset.status = status;
    if (status !== Status.ONLINE) this.hideTyping();
  }

  updateLauncher() {
    const s = this.strings;
    const label = this.isOpen ? s.closeChat : s.openChat;
    this.launcher.setAttribute("aria-label", this.unread ? s.withUnread(label, this.unread) : label);
    this.launcher.setAttribute("aria-expanded", String(this.isOpen));
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
  }

  showTyping() {
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.hideTyping(), TYPING_TIMEOUT_MS);
  }

  hideTyping() {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  }

  // --- connection -------------------------------------------------------------------------

  connect() {
    if (this.connection) return;
    this.connection = new ChatConnection({
      io: this.io,
      url: this.config.serverUrl,
      path: this.config.socketPath,
      sessionId: this.sessionId,
      customerToken: this.config.customerToken,
      onStatus: (status) => this.setStatus(status),
      onSession: (id, previous) => this.onSession(id, previous),
      onBotMessage: (payload) => this.receive(payload),
      onSent: (localId) => this.sent(localId),
      onConfirmed: (sessionId, reconnected) => {
        // a reconnect, or a conversation this browser had before the page loaded
        if (reconnected || this.messages.length) this.catchUp(sessionId);
      },
    });
    this.connection.start();
  }

  /** Shows what the server sent into this conversation while the socket was down (catchup.js). */
  async catchUp(sessionId) {
    if (this.catchUpRunning) return;
    this.catchUpRunning = true;
    try {
      const fetched = await fetchMessages({
        url: this.config.messagesUrl,
        sessionId,
        since: serverCursor(this.messages),
        token: this.config.customerToken,
      });
      if (!fetched || sessionId !== this.sessionId) return;
      const { matched, missing } = reconcile(unmatched(this.messages), fetched);
      for (const [message, serverTs] of matched) {
        Object.assign(message, { serverTs, rev: (message.rev ?? 0) + 1 });
      }
      if (matched.length) this.sync();
      const now = Date.now();
      for (const message of missing) {
        const shown = this.receive(asPayload(message), { serverTs: message.timestamp });
        if (shown) this.catchUpEchoes.push({ from: shown.from, text: shown.text, at: now });
      }
    } finally {
      this.catchUpRunning = false;
    }
  }

  /** True (and forgotten) when a live entry is one a catch-up has just shown. */
  isCatchUpEcho(entry) {
    const now = Date.now();
    this.catchUpEchoes = this.catchUpEchoes.filter((echo) => now - echo.at < CATCH_UP_ECHO_MS);
    const index = this.catchUpEchoes.findIndex((echo) => echo.from === entry.from && echo.text === entry.text);
    if (index === -1) return false;
    this.catchUpEchoes.splice(index, 1);
    return true;
  }

  /** Sent with every message: the customer's token (contract) and the widget's language. */
  metadata() {
    const metadata = { language: this.strings.htmlLang };
    if (this.config.customerToken) metadata.customer_token = this.config.customerToken;
    return metadata;
  }

  /** Shows a bot or agent message (`extra`: fields kept with it); returns it, or null. */
  receive(payload, extra = null) {
    const entry = entryFromPayload(payload);
    if (!entry) return null;
    if (entry.kind === "language") {
      this.setLanguage(entry.language);
      return null;
    }
    this.hideTyping();
    if (!extra && this.isCatchUpEcho(entry)) return null;
    const message = this.append(extra ? { ...entry, ...extra } : entry);
    if (!this.isOpen || document.hidden) {
      this.unread += 1;
      this.sync();
      this.updateLauncher();
    }
    return message;
  }

  sent(localId) {
    if (localId) {
      const message = this.messages.find((m) => m.id === localId);
      if (message?.pending) this.update(message, { pending: false });
    }
    // While a person handles the conversation the bot is paused: no "typing" for it.
    const lastReply = this.messages[this.lastIndex((m) => m.from !== "user")];
    if (lastReply?.from !== "agent") this.showTyping();
  }

  // --- customer actions -------------------------------------------------------------------

  submitInput() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.autosize();
    this.sendText(text);
  }

  /** Sends `payload` to the bot and shows `display` (defaults to the payload) as the customer's message. */
  sendText(payload, display = payload) {
    this.connect();
    this.greeted = true;
    const message = this.append({ from: "user", text: display.slice(0, MAX_INPUT_CHARS), pending: true });
    this.connection.send(message.id, payload, this.metadata());
  }

  choose(message, index) {
    const button = message.buttons?.[index];
    if (!button || message.chosen !== undefined) return;
    this.update(message, { chosen: index });
    this.sendText(button.payload, button.title);
  }

  async rate(message, rating) {
    await this.submitRating({ ...rating, conversationId: this.sessionId });
    this.update(message, { rating });
  }

  open({ focus = true } = {}) {
    this.isOpen = true;
    this.tab.open = true;
    this.panel.hidden = false;
    this.frame.classList.add("is-open");
    this.markRead();
    this.updateLauncher();
    this.connect();
    if (!this.greeted && this.config.initPayload) {
      // A new conversation: let the bot greet (with its menu of quick replies).
      this.greeted = true;
      this.connection.send(null, this.config.initPayload, this.metadata());
    }
    this.scrollToBottom();
    if (focus) this.input.focus();
  }

  markRead() {
    this.unread = 0;
    this.sync();
    this.updateLauncher();
  }

  close({ focus = true } = {}) {
    this.isOpen = false;
    this.tab.open = false;
    this.panel.hidden = true;
    this.frame.classList.remove("is-open");
    this.updateLauncher();
    if (focus) this.launcher.focus();
  }

  /** The customer token changed (refreshed, or the customer logged in/out on the page). */
  setCustomerToken(token) {
    this.config.customerToken = typeof token === "string" ? token.trim() : "";
  }

  /** Forgets this conversation on this device (call it when the customer logs out). */
  forget() {
    this.store.clear();
    this.messages = [];
    this.unread = 0;
    this.sessionId = null;
    this.greeted = false;
    this.renderAll();
    this.updateLauncher();
    this.connection?.reset();
  }

  destroy() {
    this.unsubscribe();
    document.removeEventListener("visibilitychange", this.onVisible);
    this.hideTyping();
    this.connection?.close();
    this.host.remove();
  }
}
