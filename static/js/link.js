// The WebSocket link: connects, reconnects with full-jitter exponential backoff, and
// follows PROTOCOL.md's close-code table on when to stop.

export const CLOSE = {
  NORMAL: 1000, GOING_AWAY: 1001, TOO_BIG: 1009, INTERNAL: 1011, BAD_HANDSHAKE: 4400,
  AUTH_FAILED: 4401, UNKNOWN_SURVEY: 4404, HELLO_TIMEOUT: 4408, SUPERSEDED: 4409,
  RATE_LIMITED: 4429, NOT_INVITED: 4403, GONE: 4410,
};
const STOP = new Set([CLOSE.NORMAL, CLOSE.TOO_BIG, CLOSE.BAD_HANDSHAKE, CLOSE.AUTH_FAILED,
  CLOSE.UNKNOWN_SURVEY, CLOSE.SUPERSEDED, CLOSE.NOT_INVITED, CLOSE.GONE]);
const BASE_DELAY = 500;
const MAX_DELAY = 30000;
const STABLE_AFTER = 5000;
const RATE_LIMIT_PAUSE = 5000;

// Text on the wire must be well-formed Unicode (PROTOCOL.md): a lone surrogate (half an
// emoji, cut by an editor or a paste) becomes U+FFFD, as String.prototype.toWellFormed does,
// instead of a frame the server must refuse. The regex is the fallback for older browsers.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
export function wellFormed(text) {
  return typeof text.toWellFormed === "function"
    ? text.toWellFormed()
    : text.replace(LONE_SURROGATE, "\uFFFD");
}
const wellFormedStrings = (key, value) => (typeof value === "string" ? wellFormed(value) : value);

export class Link {
  constructor(url, { onOpen, onMessage, onDown, onStop }) {
    this.url = url;
    this.handlers = { onOpen, onMessage, onDown, onStop };
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stableTimer = null;
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.addEventListener("open", () => {
      // The backoff starts over once a connection has stayed up for a while.
      this.stableTimer = setTimeout(() => { this.attempt = 0; }, STABLE_AFTER);
      this.handlers.onOpen();
    });
    ws.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handlers.onMessage(message);
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      clearTimeout(this.stableTimer);
      this.ws = null;
      if (STOP.has(event.code)) {
        this.handlers.onStop(event.code);
        return;
      }
      this.handlers.onDown(event.code);
      this.schedule(event.code === CLOSE.RATE_LIMITED ? RATE_LIMIT_PAUSE : 0);
    });
  }

  schedule(minimum) {
    const ceiling = Math.min(MAX_DELAY, BASE_DELAY * 2 ** this.attempt);
    this.attempt += 1;
    const delay = Math.max(minimum, Math.random() * ceiling);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  // Reconnect now (the network is back, or the user asked to continue here).
  retryNow() {
    if (this.ws !== null) return;
    this.attempt = 0;
    this.connect();
  }

  send(message) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(message, wellFormedStrings));
    return true;
  }
}
