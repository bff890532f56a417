// 来电弹屏 (issue 29): when a phone the viewer may see rings (INCOMING_CALL on the live feed),
// a card at the screen's corner within a second — the number, and the customer with their level,
// tags, 负责人, last call and last follow-up, or 新客户 with 新建客户 — that follows the call
// (振铃中 → 通话中 → 已结束) and then turns into the follow-up form for the salesperson whose
// call it is, or closes by itself for everyone else.

import { call } from '../api.js';
import { LOGGED_OUT, on } from '../bus.js';
import * as ep from '../endpoints.js';
import { badge, clear, h, showError, tags, toast } from '../ui.js';
import { fmtTime, LEVEL, word } from '../format.js';
import { followUpForm } from './followupform.js';

const STATE = { ringing: '振铃中', connected: '通话中', ended: '已结束', canceled: '已结束' };
/** How long a card stays once the call ended, for those who do not fill its form. */
const LINGER_MS = 8000;

/** Watches the live feed for rings; one card at a time (a newer ring replaces it).
 * `currentUser()` is whoever is logged in now. */
export function watchIncoming(live, currentUser) {
  let card = null;
  on(LOGGED_OUT, () => { if (card) card.close(); });
  live.on('INCOMING_CALL', (ring) => {
    if (card) card.close();
    card = incomingCard(ring, currentUser(), () => { card = null; });
    document.body.append(card.el);
  });
  live.on('CALL_STATE', (change) => {
    if (card && change.callId === card.callId) card.follow(change);
  });
}

function incomingCard(ring, user, onClosed) {
  const state = h('div', { class: 'call-state live', id: 'incoming-state' }, STATE.ringing);
  const number = h('div', { id: 'incoming-number', class: 'incoming-number' }, ring.hasNumber ? ring.callerNumberMasked : '未知号码');
  const who = h('div', { id: 'incoming-customer' }, ring.customer ? customerCard(ring.customer) : newCustomer(ring));
  const tail = h('div', { id: 'incoming-tail' });
  const close = h('button', { type: 'button', class: 'small', id: 'incoming-close' }, '关闭');
  const el = h('div', { class: 'call-panel incoming-popup', id: 'incoming-popup', dataset: { callId: ring.callId } },
    h('div', { class: 'cp-head' }, h('strong', {}, `来电 · ${ring.userName || ''}`), close),
    h('div', { class: 'cp-body' }, number, state, who, tail));
  let timer = null;
  const done = () => { clearTimeout(timer); el.remove(); onClosed(); };
  close.addEventListener('click', done);
  // the number as this viewer may see it (whole for admins and managers, and on one's own phone)
  call(ep.callState(ring.callId)).then((r) => {
    if (r.data && r.data.customerPhone) number.textContent = r.data.customerPhone;
  }).catch(() => {});

  function follow(change) {
    const ended = change.state === 'ended' || change.state === 'canceled';
    state.textContent = STATE[change.state] || change.state;
    state.className = `call-state ${ended ? 'ok' : 'live'}`;
    if (change.customerName && !ring.customer) who.prepend(h('p', {}, h('strong', {}, change.customerName)));
    if (!ended || tail.childElementCount) return;
    if (change.userId === user.id) {
      clear(tail, followUpForm({ callId: ring.callId, customer: { id: change.customerId || ring.customer?.id }, onSaved: done }));
    } else {
      timer = setTimeout(done, LINGER_MS);
    }
  }

  return { el, callId: ring.callId, follow, close: done };
}

function customerCard(c) {
  const line = (label, value) => h('div', { class: 'incoming-line' }, h('span', { class: 'muted' }, `${label}：`), value || '—');
  return h('div', {},
    h('p', {}, h('a', { href: `#/customer?id=${encodeURIComponent(c.id)}`, id: 'incoming-name' }, h('strong', {}, c.name)), ' ',
      badge(word(LEVEL, c.level), c.level === 'normal' ? '' : 'orange')),
    c.tags && c.tags.length ? tags(c.tags) : null,
    line('负责人', c.ownerName),
    line('最后通话', c.lastCallTime ? fmtTime(c.lastCallTime) : '从未通话'),
    line('最近跟进', c.lastFollowUp));
}

/** 新客户: a name and one click make the customer with the call's number (the page names the
 * call, not the number: sales staff see it masked). */
function newCustomer(ring) {
  if (!ring.hasNumber) return h('p', { class: 'muted' }, '未知来电');
  const name = h('input', { name: 'name', placeholder: '客户姓名', id: 'incoming-new-name' });
  const save = h('button', { type: 'button', class: 'primary small', id: 'incoming-create' }, '新建客户');
  const box = h('div', {}, h('p', {}, badge('新客户', 'blue')), h('div', { class: 'toolbar' }, name, save));
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      const c = (await call(ep.customerCreate(), { body: { name: name.value.trim(), fromCallId: ring.callId } })).data;
      toast('客户已创建', 'ok');
      clear(box, customerCard({ ...c, lastCallTime: null, lastFollowUp: null }));
    } catch (err) {
      showError(err);
      save.disabled = false;
    }
  });
  return box;
}
