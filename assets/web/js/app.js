// The frame: login, the side menu, hash routing (#/customers …), the live feed. Each page is a
// module exporting `mount(container, ctx)` that may return a cleanup function.

import { call, login, onUnauthorized, onUnreachable, session, whoAmI } from './api.js';
import * as ep from './endpoints.js';
import { emit, FOLLOW_UPS_CHANGED, LOGGED_OUT, on } from './bus.js';
import { watchIncoming } from './widgets/incoming.js';
import { LiveFeed } from './ws.js';
import { clear, h } from './ui.js';
import { ROLE, setOfficeZone } from './format.js';

const PAGES = [
  { id: 'overview', title: '概览', load: (q = '') => import(`./pages/overview.js${q}`) },
  { id: 'phones', title: '工作手机', load: (q = '') => import(`./pages/phones.js${q}`) },
  { id: 'customers', title: '客户', load: (q = '') => import(`./pages/customers.js${q}`) },
  { id: 'calls', title: '通话记录', load: (q = '') => import(`./pages/calls.js${q}`) },
  { id: 'missed', title: '未接来电', load: (q = '') => import(`./pages/missed.js${q}`) },
  { id: 'followups', title: '跟进记录', load: (q = '') => import(`./pages/followups.js${q}`) },
  { id: 'recordings', title: '录音', load: (q = '') => import(`./pages/recordings.js${q}`) },
  { id: 'campaigns', title: '外呼任务', load: (q = '') => import(`./pages/campaigns.js${q}`) },
  { id: 'workbench', title: '工作台', load: (q = '') => import(`./pages/workbench.js${q}`) },
  { id: 'users', title: '用户', load: (q = '') => import(`./pages/users.js${q}`), admin: true },
  { id: 'audit', title: '审计日志', load: (q = '') => import(`./pages/audit.js${q}`), admin: true },
  { id: 'settings', title: '设置', load: (q = '') => import(`./pages/settings.js${q}`), admin: true },
  { id: 'account', title: '我的账号', load: (q = '') => import(`./pages/account.js${q}`) },
  // reached by a link, not from the menu
  { id: 'customer', title: '客户详情', load: (q = '') => import(`./pages/customer.js${q}`), hidden: true },
];

const $ = (id) => document.getElementById(id);
const live = new LiveFeed(() => session.token);
let user = null;
let cleanup = null;
let shown = 0; // counts page switches, so a slow page load does not draw over a newer page
const failedLoads = new Set(); // pages whose code could not be fetched (the server was away)

function visiblePages() {
  return PAGES.filter((p) => !p.admin || (user && user.role === 'admin'));
}

function showLogin(message) {
  user = null;
  offline = false;
  $('offline-banner').hidden = true;
  clearInterval(dueTimer);
  live.stop();
  if (cleanup) { cleanup(); cleanup = null; }
  clear($('page'));
  clear($('toasts')); // errors of the closed session do not belong on the login page
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  emit(LOGGED_OUT); // the call panel closes itself
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  const error = $('login-error');
  error.textContent = message || '';
  error.hidden = !message;
  $('login-password').value = '';
  $('login-username').focus();
}

/**
 * The menu's 跟进记录 counts: pending follow-ups due today and overdue (the server counts those
 * the user may see). Refreshed on every page switch, after a follow-up changes, and each minute.
 */
let dueTimer = null;
let incomingWatched = false;
async function refreshDue() {
  const link = $('nav').querySelector('a[data-page=followups]');
  if (!link || !user) return;
  let counts;
  try {
    counts = (await call(ep.followUpsDue())).data;
  } catch { return; }
  for (const old of link.querySelectorAll('.nav-count')) old.remove();
  if (counts.today) link.append(h('span', { class: 'nav-count today', id: 'nav-due-today', title: '今日待跟进' }, String(counts.today)));
  if (counts.overdue) link.append(h('span', { class: 'nav-count overdue', id: 'nav-due-overdue', title: '已逾期' }, String(counts.overdue)));
}
on(FOLLOW_UPS_CHANGED, () => refreshDue());

function showApp(me) {
  user = me;
  setOfficeZone(me.timezone);
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('current-user').textContent = `${me.displayName}（${ROLE[me.role] || me.role}）`;
  clear($('nav'), visiblePages().filter((p) => !p.hidden).map((p) => h('a', { href: `#/${p.id}`, dataset: { page: p.id } }, p.title)));
  live.start();
  if (!incomingWatched) { watchIncoming(live, () => user); incomingWatched = true; }
  route();
  clearInterval(dueTimer);
  dueTimer = setInterval(refreshDue, 60000);
}

async function route() {
  if (!user) return;
  const pages = visiblePages();
  const wanted = location.hash.replace(/^#\/?/, '').split('?')[0];
  const page = pages.find((p) => p.id === wanted) || pages[0];
  if (page.id !== wanted) {
    history.replaceState(null, '', `#/${page.id}`);
  }
  const menuId = page.id === 'customer' ? 'customers' : page.id;
  for (const a of $('nav').querySelectorAll('a')) a.classList.toggle('active', a.dataset.page === menuId);
  $('page-title').textContent = page.title;
  if (cleanup) { cleanup(); cleanup = null; }
  const ticket = ++shown;
  const container = clear($('page'), h('p', { class: 'muted page-loading' }, '加载中…'));
  let module;
  try {
    // a module whose fetch failed stays failed in the browser's module map: ask for it anew
    module = await page.load(failedLoads.has(page.id) ? `?retry=${Date.now()}` : '');
    failedLoads.delete(page.id);
  } catch {
    failedLoads.add(page.id);
    // the page's code could not be fetched (the server is down): say so, never a blank page
    if (ticket !== shown) return;
    clear(container, h('div', { class: 'card page-error' },
      h('p', {}, '页面加载失败：无法连接服务器。'),
      h('button', { type: 'button', class: 'primary', id: 'page-retry', onclick: () => route() }, '重试')));
    markOffline();
    return;
  }
  if (ticket !== shown || !user) return;
  clear(container);
  const ctx = { user, live, navigate: (id) => { location.hash = `#/${id}`; } };
  const result = module.mount(container, ctx);
  cleanup = typeof result === 'function' ? result : null;
  refreshDue();
}

async function onLogin(ev) {
  ev.preventDefault();
  const button = $('login-submit');
  const error = $('login-error');
  error.hidden = true;
  button.disabled = true;
  try {
    const me = await login($('login-username').value.trim(), $('login-password').value);
    showApp(me);
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

/**
 * The server blinked: a banner says so while it is away, and once the live feed is back the page
 * is mounted again, so it shows what happened meanwhile instead of what it held before.
 */
let offline = false;
function markOffline() {
  if (!user) return;
  offline = true;
  $('offline-banner').hidden = false;
  // the banner goes when the feed is back: make sure the feed notices the server went away
  if (live.connected) live.recheck();
}
function markOnline() {
  $('offline-banner').hidden = true;
  if (!offline) return;
  offline = false;
  if (user && !document.querySelector('dialog[open]') && !document.getElementById('call-panel')) route();
}

/** At phone width the menu folds behind ☰ and closes after a choice. */
function menuToggle() {
  const app = $('app-view');
  const button = $('menu-toggle');
  button.addEventListener('click', () => {
    const open = app.classList.toggle('menu-open');
    button.setAttribute('aria-expanded', String(open));
  });
  $('nav').addEventListener('click', (ev) => {
    if (ev.target.closest('a')) { app.classList.remove('menu-open'); button.setAttribute('aria-expanded', 'false'); }
  });
}

function start() {
  menuToggle();
  // the login form shows the server's message itself
  onUnauthorized((message) => showLogin(message || '登录已过期，请重新登录'));
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', () => { session.clear(); showLogin(''); });
  window.addEventListener('hashchange', route);
  const status = $('live-status');
  onUnreachable(markOffline);
  live.onStatus((on) => {
    status.className = `live-status ${on ? 'on' : 'off'}`;
    status.textContent = on ? '实时连接' : '正在重连…';
    if (on) markOnline(); else markOffline();
  });
  if (!session.token) {
    showLogin('');
    return;
  }
  // a stored token may have expired or been revoked: ask the server before showing anything
  whoAmI().then(showApp).catch((err) => {
    if (err.status !== 401) showLogin(err.message);
  });
}

start();
