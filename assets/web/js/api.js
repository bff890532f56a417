// The JSON API (contract §1): one fetch wrapper that adds the token, unwraps the envelope and turns
// every failure into an ApiError carrying the server's Chinese message — never a raw status.

import * as ep from './endpoints.js';

const TOKEN_KEY = 'dialbox.token';
const USER_KEY = 'dialbox.user';

export class ApiError extends Error {
  constructor(message, code, status, field) {
    super(message);
    this.code = code;
    this.status = status;
    // the request key the message is about, when it is about one input (issue 14)
    this.field = field || '';
    // the refusal can be overridden by asking again, confirmed (quiet hours, issue 30)
    this.confirm = false;
  }
}

// The token lives in localStorage so it survives a reload; cleared on logout and on any 401.
export const session = {
  get token() { return localStorage.getItem(TOKEN_KEY) || ''; },
  get user() {
    try { return JSON.parse(localStorage.getItem(USER_KEY) || 'null'); } catch { return null; }
  },
  save(token, user) {
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
  },
};

let unauthorized = () => {};
/** Called once by the app: what to do when the server says the session is over. */
export function onUnauthorized(handler) { unauthorized = handler; }

let unreachable = () => {};
/** Called once by the app: what to do when a request could not reach the server at all. */
export function onUnreachable(handler) { unreachable = handler; }

// Only when the server did not answer with the contract's JSON (a proxy page, a dead link).
function fallbackMessage(status) {
  if (status === 401) return '登录已过期，请重新登录';
  if (status === 403) return '没有权限执行此操作';
  if (status === 404) return '请求的内容不存在';
  if (status === 413) return '内容过大';
  if (status >= 500) return '服务器暂时无法处理请求，请稍后再试';
  return '请求失败，请稍后再试';
}

export function queryString(query) {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Sends one request. `body` is sent as JSON unless `contentType` says otherwise (then as is).
 * Resolves to the whole envelope; rejects with ApiError.
 */
async function request(method, path, { query, body, contentType, auth = true } = {}) {
  const headers = {};
  if (auth && session.token) headers.Authorization = `Bearer ${session.token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType || 'application/json';
    payload = contentType ? body : JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path + queryString(query), { method, headers, body: payload });
  } catch {
    unreachable();
    throw new ApiError('无法连接 DialBox 服务器：服务器可能已停止，或网络已断开', 'NETWORK', 0);
  }
  let json = null;
  try { json = await resp.json(); } catch { /* not JSON: fall back to a generic message */ }
  if (resp.ok && json && json.success !== false) return json;
  const message = (json && json.message) || fallbackMessage(resp.status);
  if (resp.status === 401 && auth) {
    session.clear();
    unauthorized(message);
  }
  const err = new ApiError(message, (json && json.code) || '', resp.status, json && json.field);
  err.confirm = Boolean(json && json.confirm);
  throw err;
}

/**
 * Calls one route of endpoints.js: `{ query }` for the URL, `{ body }` as JSON (a POST or PUT
 * without one sends `{}`), `{ body, contentType }` as is (a file). Every route answers the same
 * shape: the whole envelope (`data`, `message`); rejects with ApiError.
 */
export function call({ method, path }, { query, body, contentType, auth } = {}) {
  const sendsJson = (method === 'POST' || method === 'PUT') && body === undefined && !contentType;
  return request(method, path, { query, body: sendsJson ? {} : body, contentType, auth });
}

/** Logs in through the PC route; stores and returns the user. */
export async function login(username, password) {
  const resp = await call(ep.login(), { body: { username, password }, auth: false });
  session.save(resp.data.token, resp.data.user);
  return resp.data.user;
}

/** Checks the stored token (a reload, an expired token): the user, or null after a 401. */
export async function whoAmI() {
  const me = (await call(ep.me())).data;
  session.save(session.token, me);
  return me;
}
