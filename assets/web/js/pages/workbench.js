// 工作台 (issue 16): a salesperson working a list with the power dialer — the number on the
// line with the customer's earlier calls, the follow-up form after each call, what comes next
// and how long until it is dialed (and why: the wrap-up or a pacing rule), pause / resume /
// skip / stop. An admin or manager picks one of their people and acts for them.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, h, showError, table, tags } from '../ui.js';
import { CALL_STATUS, fmtDuration, fmtLater, fmtTime, FOLLOW_STATUS, LEVEL, word } from '../format.js';
import { personSelect } from '../widgets/filters.js';
import { followUpForm } from '../widgets/followupform.js';
import { SESSION_STATUS } from './campaigns.js';

const WAIT = {
  wrap_up: '整理时间', min_gap: '两通电话最小间隔', on_call: '手机正在通话', hourly_cap: '每小时拨打上限',
  daily_cap: '每天拨打上限', quiet_hours: '免打扰时段', queue: '待回拨 / 待重拨的号码未到时间',
};
const PAUSE = { user: '手动暂停', phone_offline: '工作手机离线', restart: '服务器重启后待继续', no_phone: '没有工作手机' };
const OUTCOME = { ...CALL_STATUS, skipped: '已跳过', do_not_call: '黑名单', invalid: '号码无效' };

export function mount(container, { user, live }) {
  const who = personSelect(user, '', 'userId', '我自己');
  if (who) who.id = 'workbench-person';
  const body = h('div', { id: 'workbench' }, h('p', { class: 'muted' }, '加载中…'));
  container.append(who ? h('div', { class: 'toolbar' }, '工作台：', who) : '', body);
  let state = null;
  let formFor = null; // the call whose follow-up form is open (kept across reloads)
  const target = () => (who && who.value) || undefined;
  const command = (name, extra = {}) => async () => {
    const resp = await call(ep.dialerCommand(name), { body: { userId: target(), ...extra } });
    draw(resp.data);
  };

  async function reload() {
    draw((await call(ep.dialerSession(), { query: { userId: target() } })).data);
  }

  async function startBar() {
    const lists = (await call(ep.campaigns())).data.records;
    const select = h('select', { id: 'workbench-campaign' }, lists.map((c) => h('option', { value: c.id }, `${c.name}（剩余 ${c.progress.remaining}）`)));
    const go = actionButton('开始外呼', async () => {
      const resp = await call(ep.dialerStart(), { body: { campaignId: select.value, userId: target() } });
      draw(resp.data);
    }, 'primary');
    go.id = 'workbench-start';
    return lists.length ? h('div', { class: 'toolbar' }, select, go) : h('p', { class: 'muted' }, '没有分配给你的外呼任务');
  }

  function draw(w) {
    state = w;
    const s = w.session;
    const parts = [];
    if (!s || s.status === 'finished') {
      parts.push(h('div', { class: 'card' }, h('h3', {}, s ? `“${s.campaignName}”已完成` : '未在外呼'),
        h('p', { class: 'muted' }, '选择一个外呼任务开始：DialBox 会在每通电话的跟进提交（或整理时间结束）后自动拨打下一个号码。'),
        h('div', { id: 'workbench-start-bar' }, '…')));
      startBar().then((bar) => clear(document.getElementById('workbench-start-bar') || h('div'), bar)).catch(showError);
    } else {
      const running = s.status === 'running';
      parts.push(h('div', { class: 'card', id: 'workbench-session' },
        h('h3', {}, s.campaignName, ' ', badge(SESSION_STATUS[s.status] || s.status, running ? 'green' : 'orange')),
        h('p', { id: 'workbench-wait' }, waitText(w)),
        w.progress ? h('p', { class: 'muted', id: 'workbench-progress' }, progressText(w.progress, w.call)) : null,
        h('div', { class: 'toolbar' },
          running ? actionButton('暂停', command('pause')) : actionButton('继续', command('resume'), 'primary'),
          actionButton('跳过下一个', command('skip')),
          actionButton('结束外呼', command('stop'), 'small danger'))));
      parts.push(current(w));
    }
    parts.push(nextCard(w));
    if (w.history.length) {
      parts.push(h('div', { class: 'card' }, h('h3', {}, '此号码的通话记录'), table([
        { title: '时间', render: (c) => fmtTime(c.startTime) },
        { title: '结果', render: (c) => word(CALL_STATUS, c.status) },
        { title: '时长', render: (c) => fmtDuration(c.duration) },
        { title: '销售', render: (c) => c.userName },
        { title: '备注', render: (c) => c.notes || '—' },
      ], w.history)));
    }
    const keep = document.getElementById('workbench-followup');
    clear(body, parts);
    // a half-written follow-up survives the page's refreshes
    if (keep && formFor && w.call && w.call.callId === formFor) {
      document.getElementById('workbench-followup-slot')?.replaceWith(keep);
    }
  }

  const customers = new Map();

  function current(w) {
    const item = w.current;
    if (!item) return h('div', { class: 'card' }, h('p', { class: 'muted' }, '等待拨打第一个号码…'));
    const call = w.call;
    const ended = call && !['calling', 'ringing', 'connected'].includes(call.state);
    const slot = h('div', { id: 'workbench-followup-slot' });
    if (ended && w.session.waitReason === 'wrap_up') {
      if (formFor !== call.callId) {
        formFor = call.callId;
        const f = followUpForm({ callId: call.callId, customer: { id: item.customerId }, onSaved: () => { formFor = null; reload().catch(showError); } });
        f.id = 'workbench-followup';
        slot.append(f);
      }
    } else if (!ended) {
      formFor = null;
    }
    return h('div', { class: 'card', id: 'workbench-current' },
      h('h3', {}, '当前号码'),
      h('p', { class: 'workbench-number' }, h('strong', {}, item.name || '（无姓名）'), ' ', item.phone,
        item.customerId ? h('a', { href: `#/customer?id=${item.customerId}`, style: 'margin-left:8px' }, '客户详情') : null),
      item.note ? h('p', { class: 'muted' }, item.note) : null,
      item.customerId ? aboutCustomer(item.customerId) : null,
      call ? h('p', { id: 'workbench-call' }, `通话：${word(CALL_STATUS, call.status)}`, call.duration ? `，${fmtDuration(call.duration)}` : '') : null,
      // the session waits on this call: when the phone never says how it ended (the app lost
      // it), the salesperson ends it here and the list goes on
      call && !ended ? h('div', { class: 'toolbar' }, endButton(call)) : null,
      h('p', { class: 'muted' }, `第 ${item.attempts} 次拨打`),
      slot);
  }

  /** Who is on the line, beside the number (issue 30, item 8): level, company, tags, the last
   * contact and the notes, so the salesperson does not open the customer page mid-call. */
  function aboutCustomer(id) {
    const box = h('div', { class: 'workbench-customer', id: 'workbench-customer' });
    // the card is drawn again on every change of the session: one fetch per number on the line
    if (!customers.has(id)) customers.set(id, call(ep.customer(id)));
    customers.get(id).then((r) => {
      const c = r.data;
      clear(box,
        h('p', {}, badge(word(LEVEL, c.level), c.level === 'normal' ? '' : 'orange'), ' ',
          badge(word(FOLLOW_STATUS, c.followStatus)), ' ', c.company || '', ' ', tags(c.tags)),
        c.lastContactTime ? h('p', { class: 'muted' }, `最后联系 ${fmtTime(c.lastContactTime)}`) : null,
        c.notes ? h('p', { class: 'workbench-notes', style: 'white-space:pre-wrap' }, c.notes) : null);
    }).catch(() => box.remove());
    return box;
  }

  function endButton(line) {
    const b = actionButton('结束本通并继续', async () => {
      if (line.state === 'calling') await call(ep.callCancel(line.callId));
      else await call(ep.recordEnd(line.callId), { body: {} });
      await reload();
    }, 'small');
    b.id = 'workbench-end-call';
    return b;
  }

  function nextCard(w) {
    const n = w.next;
    return h('div', { class: 'card', id: 'workbench-next' }, h('h3', {}, '下一个'),
      n ? h('p', {}, h('strong', {}, n.name || '（无姓名）'), ' ', n.phone,
        n.queue === 'callback' ? badge('再联系', 'orange') : n.queue === 'retry' ? badge(`重拨（上次：${word(OUTCOME, n.outcome)}）`) : null)
        : h('p', { class: 'muted' }, '没有到时间的号码'));
  }

  /** 已拨 8 / 8，接通 3，待回拨 5: "剩余" counted the numbers waiting to be called again as if
   * they were never dialed (issue 30, item 8). */
  function progressText(p, line) {
    const fresh = Math.max(0, p.total - p.dialed);
    // the number on the line now is neither never dialed nor waiting to be called again
    const onLine = line && ['calling', 'ringing', 'connected'].includes(line.state) ? 1 : 0;
    const again = Math.max(0, p.remaining - fresh - onLine);
    return [`已拨 ${p.dialed} / ${p.total}`, `接通 ${p.connected}`,
      fresh ? `未拨 ${fresh}` : null, again ? `待回拨 ${again}` : null].filter(Boolean).join('，');
  }

  function waitText(w) {
    const s = w.session;
    if (s.status === 'paused') return `已暂停：${PAUSE[s.pauseReason] || s.pauseReason || ''}`;
    if (!s.nextDialAt) return w.call ? '通话中…' : '准备拨号…';
    const secs = Math.max(0, Math.round((Date.parse(s.nextDialAt) - Date.now()) / 1000));
    const why = WAIT[s.waitReason] || '';
    if (secs === 0) return '正在拨打下一个号码…';
    const wait = fmtLater(secs, s.nextDialAt);
    return `${wait}拨打下一个${why ? `，原因：${why}` : ''}`;
  }

  if (who) who.addEventListener('change', () => { formFor = null; reload().catch(showError); });
  reload().catch(showError);
  // the countdown ticks; the live feed says when something changed
  const tick = setInterval(() => {
    const el = document.getElementById('workbench-wait');
    if (el && state && state.session && state.session.status !== 'finished') el.textContent = waitText(state);
  }, 1000);
  const mine = (data) => !data || data.userId === (target() || user.id);
  const offs = [
    live.on('DIALER_STATE', (d) => { if (mine(d)) reload().catch(() => {}); }),
    live.on('CALL_STATE', (d) => { if (mine(d)) reload().catch(() => {}); }),
  ];
  return () => { clearInterval(tick); offs.forEach((off) => off()); };
}
