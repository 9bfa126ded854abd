// The widget's link to Rasa's socket.io channel (rasa/core/channels/socketio.py).
//
// Protocol: after every (re)connect the client sends `session_request {session_id}`; the server
// puts this socket in that session's room and answers `session_confirm <id>`. Messages go out
// as `user_uttered {message, session_id, metadata}`; replies arrive as `bot_uttered` in the
// room. A message sent before `session_confirm` would be answered into a room this socket has
// not joined yet, so messages wait in our own outbox until the session is confirmed.

export const Status = Object.freeze({
  CONNECTING: "connecting",
  ONLINE: "online",
  OFFLINE: "offline",
});

export class ChatConnection {
  /**
   * @param {object} options
   * @param {Function} options.io           socket.io-client's `io`
   * @param {string} options.url            Rasa server URL
   * @param {string} [options.path]         socket.io path on that server
   * @param {string|null} options.sessionId the stored session id, or null for a new one
   * @param {string} [options.customerToken] sent with `session_request`: the server lets a socket
   *                                         into a customer's conversation only with its token
   * @param {string} [options.userEvent]    Rasa's `user_message_evt`
   * @param {string} [options.botEvent]     Rasa's `bot_message_evt`
   * @param {Function} options.onStatus     (status) => void
   * @param {Function} options.onSession    (sessionId, previousId) => void
   * @param {Function} options.onBotMessage (payload) => void
   * @param {Function} options.onSent       (localId) => void, when a queued message left
   * @param {Function} [options.onConfirmed] (sessionId, reconnected) => void, after every
   *                                          session_confirm (a reconnect may have missed messages)
   */
  constructor(options) {
    this.options = { path: "/socket.io", userEvent: "user_uttered", botEvent: "bot_uttered", ...options };
    this.sessionId = options.sessionId ?? null;
    this.confirmed = false;
    this.outbox = [];
    this.status = null;
    this.socket = null;
    this.confirmations = 0;
    this.onBrowserOnline = () => {
      if (this.socket && !this.socket.connected) this.socket.connect();
    };
  }

  start() {
    const { io, url, path, botEvent } = this.options;
    this.setStatus(Status.CONNECTING);
    this.socket = io(url, {
      path,
      // Long-polling first, then upgrade: works through proxies that block WebSocket.
      transports: ["polling", "websocket"],
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10_000,
      randomizationFactor: 0.3,
      timeout: 10_000,
    });
    this.socket.on("connect", () => {
      this.confirmed = false;
      this.socket.emit("session_request", this.sessionRequest(this.sessionId));
    });
    this.socket.on("session_confirm", (data) => this.confirm(data));
    this.socket.on(botEvent, (payload) => this.options.onBotMessage(payload));
    this.socket.on("disconnect", (reason) => {
      this.confirmed = false;
      this.setStatus(Status.OFFLINE);
      // The server closed us on purpose (e.g. restart): socket.io does not retry on its own.
      if (reason === "io server disconnect") this.socket.connect();
    });
    this.socket.on("connect_error", () => this.setStatus(Status.OFFLINE));
    window.addEventListener("online", this.onBrowserOnline);
  }

  confirm(data) {
    const id = typeof data === "string" ? data : data?.session_id;
    if (typeof id !== "string" || !id) return;
    const previous = this.sessionId;
    this.sessionId = id;
    this.confirmed = true;
    this.setStatus(Status.ONLINE);
    if (previous !== id) this.options.onSession(id, previous);
    this.flush();
    this.confirmations += 1;
    this.options.onConfirmed?.(id, this.confirmations > 1);
  }

  /** Sends a message now, or as soon as the session is (re)confirmed. */
  send(localId, message, metadata) {
    this.outbox.push({ localId, message, metadata });
    this.flush();
  }

  flush() {
    while (this.confirmed && this.socket?.connected && this.outbox.length) {
      const { localId, message, metadata } = this.outbox.shift();
      this.socket.emit(this.options.userEvent, { message, session_id: this.sessionId, metadata });
      this.options.onSent?.(localId);
    }
  }

  get ready() {
    return this.confirmed && Boolean(this.socket?.connected);
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.options.onStatus(status);
  }

  /** Continues another conversation (one a second tab of this site started first). */
  useSession(sessionId) {
    this.sessionId = sessionId;
    if (this.socket?.connected) {
      this.confirmed = false;
      this.socket.emit("session_request", this.sessionRequest(sessionId));
    }
  }

  /** The `session_request` payload: the session and, for a logged-in customer, their token. */
  sessionRequest(sessionId) {
    const { customerToken } = this.options;
    return customerToken ? { session_id: sessionId, customer_token: customerToken } : { session_id: sessionId };
  }

  /** Forgets the session (logout): the next connection starts a new conversation. */
  reset() {
    this.outbox = [];
    this.sessionId = null;
    this.confirmed = false;
    if (this.socket) {
      // A fresh socket: the old one stays in the old session's room until it disconnects.
      this.socket.disconnect();
      this.socket.connect();
    }
  }

  close() {
    window.removeEventListener("online", this.onBrowserOnline);
    this.socket?.close();
    this.socket = null;
  }
}
