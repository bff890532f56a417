// The call panel: starts §5.0, shows the live state (呼叫中 → 振铃 → 通话中 → 已结束, or the
// failure in words) from CALL_STATE events — with §5.2 polling as a fallback when the live socket
// is down —, cancels (contract §11) or ends (§5.9) the call, then takes the follow-up.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { LOGGED_OUT, on } from '../bus.js';
import { clear, confirmDialog, h, modal, showError, toast } from '../ui.js';
import { CALL_STATUS, fmtDuration } from '../format.js';
import { followUpForm } from './followupform.js';

const POLL_MS = 3000;
const STEPS = [['calling', '呼叫中'], ['ringing', '振铃'], ['connected', '通话中'], ['ended', '已结束']];
const FAILURES = {
  DEVICE_OFFLINE: '手机不在线',
  DEVICE_NOT_BOUND: '未绑定手机',
};
const FAILED_ENDS = new Set(['missed', 'busy', 'rejected', 'failed', 'canceled']);

let current = null;
on(LOGGED_OUT, () => {
  if (current) {
    current.finished = true;
    current.close();
  }
});

/**
 * Opens the panel for `customer` ({id, name, phone}) and dials. Only one call at a time. Admins
 * and managers first choose whose phone dials (the server proposes one: the customer's 负责人
 * when their phone is online, else their own); a salesperson's own phone dials at once.
 */
export async function dial(customer, live, user) {
  if (current && current.busy) {
    toast('请先结束当前通话', 'error');
    return;
  }
  let phoneId = null;
  if (user && user.role !== 'sales_staff') {
    phoneId = await chooseDialer(customer);
    if (phoneId === null) return;
  }
  if (current) current.close();
  current = new CallPanel(customer, live, phoneId);
}

/** The 由谁拨打 dialog: resolves the chosen phone's id, or null when nothing is to ring. */
async function chooseDialer(customer) {
  let choices;
  try {
    choices = (await call(ep.dialTargets(), { query: customer.id ? { customerId: customer.id } : {} })).data;
  } catch (err) {
    showError(err);
    return null;
  }
  const phones = choices.phones || [];
  const fallback = choices.default ? choices.default.phoneId : null;
  return new Promise((resolve) => {
    let chosen = null;
    const picker = h('select', { id: 'dial-target' }, phones.map((p) =>
      h('option', { value: String(p.id) }, `${p.userName} · ${p.deviceName || p.deviceModel || `手机 ${p.id}`}`)));
    if (fallback !== null) picker.value = String(fallback);
    const says = h('p', { id: 'dial-target-says' });
    const explain = () => {
      const p = phones.find((x) => String(x.id) === picker.value);
      says.textContent = p ? `将由 ${p.userName} 的工作手机（${p.deviceName || p.deviceModel || p.id}）拨打` : '';
    };
    picker.addEventListener('change', explain);
    explain();
    const body = phones.length
      ? h('div', {}, h('p', {}, `拨打 ${customer.name || ''} ${customer.phone || ''}`), h('label', {}, '由谁的手机拨打 ', picker), says)
      : h('p', { id: 'dial-target-says' }, `没有可用的在线工作手机${choices.defaultRefusal ? `（${choices.defaultRefusal.message}）` : ''}`);
    modal({
      title: '由谁拨打',
      body,
      actions: phones.length
        ? [{ label: '取消' }, { label: '拨打', kind: 'primary', onClick: () => { chosen = Number(picker.value); } }]
        : [{ label: '关闭' }],
      onClose: () => resolve(chosen),
    });
  });
}

class CallPanel {
  constructor(customer, live, phoneId) {
    this.customer = customer;
    this.phoneId = phoneId;
    this.callId = null;
    this.finished = false;
    this.state = 'calling';
    this.stateText = h('div', { class: 'call-state live', id: 'call-state' }, '呼叫中');
    this.steps = h('div', { class: 'steps' }, STEPS.map(([, label]) => h('span', {}, label)));
    this.detail = h('div', { class: 'muted', id: 'call-detail' });
    this.buttons = h('div', { class: 'toolbar' });
    this.after = h('div', { id: 'call-followup' });
    this.el = h('div', { class: 'call-panel', id: 'call-panel' },
      h('div', { class: 'cp-head' }, h('span', {}, `拨打 ${customer.name || ''} ${customer.phone || ''}`),
        h('button', { type: 'button', class: 'link', style: 'color:#fff', onclick: () => this.tryClose() }, '×')),
      h('div', { class: 'cp-body' }, this.steps, this.stateText, this.detail, this.buttons, this.after));
    document.body.append(this.el);
    this.off = live.on('CALL_STATE', (data) => {
      if (data.callId === this.callId) this.apply(data);
    });
    this.start();
  }

  /** Still on the line (or about to be): another dial must wait. */
  get busy() {
    return !this.finished && this.state !== 'ended' && this.state !== 'failed';
  }

  async start(confirmQuietHours = false) {
    this.render();
    const body = { customerId: this.customer.id, customerName: this.customer.name };
    if (this.phoneId !== null && this.phoneId !== undefined) body.phoneId = this.phoneId;
    // a masked number (sales staff see 138****5678) is not sent: the server dials the customer's own
    if (this.customer.phone && !this.customer.phone.includes('*')) body.customerPhone = this.customer.phone;
    if (confirmQuietHours) body.confirmQuietHours = true;
    try {
      const r = await call(ep.dial(), { body });
      this.callId = r.data.callId;
      this.el.dataset.callId = this.callId;
      this.apply({ status: r.data.status || 'calling' });
      this.poller = setInterval(() => this.poll(), POLL_MS);
    } catch (err) {
      // quiet hours hold the power dialer; a person's own click asks (issue 30, item 6)
      if (err.confirm && !confirmQuietHours
        && await confirmDialog(`免打扰时段，仍要拨打？（${err.message}）`, '仍要拨打')) {
        this.start(true);
        return;
      }
      // a pacing refusal says how to change the rule, not only that it holds
      const how = err.code === 'PACING_LIMITED' ? '（管理员可在“设置 → 外呼频率”中修改）' : '';
      this.fail(FAILURES[err.code] || `${err.message}${how}`);
    }
  }

  /** One state report: a CALL_STATE event or a polled §5.2 record. */
  apply(data) {
    // once ended, nothing moves the panel back: a poll answered after the end event showed
    // 通话中 under a highlighted 已结束 for a moment, and a second end re-made the form (and
    // lost what was typed in it) (issue 30, item 8)
    if (this.finished || this.state === 'ended') return;
    const status = data.status || data.callStatus || data.state;
    const ended = data.state === 'ended' || data.ended === true || Boolean(data.endTime) || FAILED_ENDS.has(status);
    if (ended) {
      this.end(status, data.duration);
    } else if (STEPS.some(([s]) => s === status)) {
      this.state = status;
      this.render();
    }
  }

  async poll() {
    if (!this.callId || this.finished) return;
    try {
      this.apply((await call(ep.callState(this.callId))).data);
    } catch { /* the live event is the main path; polling is only a fallback */ }
  }

  render() {
    const index = STEPS.findIndex(([s]) => s === this.state);
    [...this.steps.children].forEach((el, i) => {
      el.className = i < index ? 'done' : i === index ? 'current' : '';
    });
    this.stateText.textContent = STEPS[index] ? STEPS[index][1] : this.state;
    this.stateText.className = 'call-state live';
    this.el.dataset.state = this.state;
    const buttons = [];
    if (this.callId && (this.state === 'calling' || this.state === 'ringing')) {
      buttons.push(this.button('取消呼叫', 'danger', () => call(ep.callCancel(this.callId))));
    }
    // some phones never report connected (contract §13.1): hanging up works in every live state
    if (this.callId && ['calling', 'ringing', 'connected'].includes(this.state)) {
      buttons.push(this.button('结束通话', 'danger', () => call(ep.recordEnd(this.callId), { body: { endTime: new Date().toISOString() } })));
    }
    clear(this.buttons, buttons);
  }

  button(label, kind, run) {
    return h('button', {
      type: 'button', class: kind, onclick: async (ev) => {
        ev.target.disabled = true;
        try { await run(); this.poll(); } catch (err) { showError(err); ev.target.disabled = false; }
      },
    }, label);
  }

  end(status, duration) {
    this.stopWatching();
    this.state = 'ended';
    this.render();
    const ok = status === 'connected';
    this.stateText.textContent = `已结束 · ${CALL_STATUS[status] || '通话结束'}`;
    this.stateText.className = `call-state ${ok ? 'ok' : 'fail'}`;
    this.el.dataset.result = status || '';
    if (duration) clear(this.detail, `通话时长 ${fmtDuration(duration)}`);
    clear(this.after, followUpForm({
      callId: this.callId,
      customer: this.customer,
      onSaved: () => { this.finished = true; this.close(); },
    }));
  }

  fail(words) {
    this.stopWatching();
    this.finished = true;
    this.state = 'failed';
    this.el.dataset.state = 'failed';
    [...this.steps.children].forEach((el) => { el.className = ''; });
    this.stateText.textContent = words;
    this.stateText.className = 'call-state fail';
    clear(this.buttons, h('button', { type: 'button', onclick: () => this.close() }, '关闭'));
  }

  stopWatching() {
    clearInterval(this.poller);
    if (this.off) this.off();
    this.off = null;
  }

  tryClose() {
    if (this.busy) {
      toast('通话进行中，请先取消或结束通话', 'error');
      return;
    }
    this.finished = true;
    this.close();
  }

  close() {
    this.stopWatching();
    this.el.remove();
    if (current === this) current = null;
  }
}
