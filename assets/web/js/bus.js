// The page's own events, one small bus (issue 28): what one part of the page tells the others —
// the server's live events come over the socket (ws.js) instead.

const bus = new EventTarget();

/** The session ended (logout, a 401): open panels close themselves. */
export const LOGGED_OUT = 'logged-out';
/** A follow-up was added, completed, edited or deleted: counts and lists refresh. */
export const FOLLOW_UPS_CHANGED = 'follow-ups-changed';

export function emit(name) {
  bus.dispatchEvent(new Event(name));
}

/** Calls `handler` on each `name`; returns the function that stops it. */
export function on(name, handler) {
  bus.addEventListener(name, handler);
  return () => bus.removeEventListener(name, handler);
}
