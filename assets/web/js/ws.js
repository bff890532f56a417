// The live feed: `/ws/admin?token=…` (contract §11). Reconnects by itself with exponential backoff
// (1 s doubling to 30 s, with jitter) until stopped; pages subscribe per message type.

const MAX_DELAY_MS = 30000;

export class LiveFeed {
  constructor(tokenFn) {
    this.tokenFn = tokenFn;
    this.handlers = new Map();
    this.statusHandlers = new Set();
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
    this.connected = false;
  }

  start() {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
    this.socket = null;
    this.setConnected(false);
  }

  /** Subscribes to one message type ('*' for all); returns the unsubscribe function. */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return () => this.handlers.get(type).delete(handler);
  }

  onStatus(handler) {
    this.statusHandlers.add(handler);
    handler(this.connected);
    return () => this.statusHandlers.delete(handler);
  }

  setConnected(connected) {
    this.connected = connected;
    for (const h of this.statusHandlers) h(connected);
  }

  connect() {
    const token = this.tokenFn();
    if (this.stopped || !token) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws/admin?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setConnected(true);
    };
    socket.onmessage = (ev) => this.dispatch(ev.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setConnected(false);
      this.scheduleReconnect();
    };
  }

  /**
   * A request just found the server unreachable while this socket still looks open (a socket
   * whose server went away without a close frame looks open until the network says otherwise):
   * drop it and connect again, so the feed's own status says when the server is back.
   */
  recheck() {
    if (this.stopped || !this.socket) return;
    const stale = this.socket;
    this.socket = null;
    stale.onclose = null;
    stale.close();
    this.setConnected(false);
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const base = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  dispatch(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (!msg || typeof msg.type !== 'string') return;
    for (const key of [msg.type, '*']) {
      for (const h of this.handlers.get(key) || []) {
        try { h(msg.data || {}, msg); } catch (e) { console.error(e); }
      }
    }
  }
}
