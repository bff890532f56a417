// 客户页 (issue 14, "customer 360"): one customer — who, 负责人, level, status, tags — and
// everything that happened with them in time order: calls (with their recordings) and
// follow-ups; 拨打 and 编辑 from here. Reached from the name in 客户 (#/customer?id=…).

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { badge, clear, h, showError, tags } from '../ui.js';
import { CALL_STATUS, FOLLOW_STATUS, fmtDuration, fmtTime, LEVEL, recordingLabel, word } from '../format.js';
import { dial } from '../widgets/callpanel.js';
import { edit } from './customers.js';

const MAX = 100;

export function mount(container, { user, live }) {
  const id = new URLSearchParams(location.hash.split('?')[1] || '').get('id') || '';
  const head = h('div', { class: 'card', id: 'customer-head' }, h('p', { class: 'muted' }, '加载中…'));
  const timeline = h('div', { class: 'card', id: 'customer-timeline' });
  container.append(h('p', {}, h('a', { href: '#/customers' }, '← 返回客户列表')), head, timeline);

  async function load() {
    const c = (await call(ep.customer(id))).data;
    clear(head,
      h('div', { class: 'toolbar' },
        h('h3', { style: 'margin:0' }, c.name),
        h('span', { class: 'muted' }, c.phone),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'primary dial', onclick: () => dial(c, live, user) }, '拨打'),
        h('button', { type: 'button', onclick: () => edit(c, () => run(load), user) }, '编辑')),
      h('div', { class: 'form' },
        h('label', {}, '负责人'), h('div', {}, c.ownerName || '—'),
        h('label', {}, '等级'), h('div', {}, word(LEVEL, c.level)),
        h('label', {}, '跟进状态'), h('div', {}, word(FOLLOW_STATUS, c.followStatus)),
        h('label', {}, '标签'), h('div', {}, tags(c.tags)),
        h('label', {}, '最后联系'), h('div', {}, fmtTime(c.lastContactTime)),
        h('label', {}, '下次跟进'), h('div', {}, fmtTime(c.nextFollowTime)),
        h('label', {}, '备注'), h('div', { style: 'white-space:pre-wrap' }, c.notes || '—')));
    const q = { customerId: id, pageSize: MAX };
    const [calls, followUps, recordings] = await Promise.all([
      call(ep.records(), { query: q }).then((r) => r.data),
      call(ep.followUps(), { query: q }).then((r) => r.data),
      call(ep.recordings(), { query: q }).then((r) => r.data),
    ]);
    const audioOf = {};
    for (const r of recordings.recordings || []) (audioOf[r.callId] ||= []).push(r);
    const events = [
      ...(calls.records || []).map((c) => ({ at: c.startTime, kind: 'call', item: c })),
      ...(followUps.records || []).map((f) => ({ at: f.createdAt, kind: 'followup', item: f })),
    ].sort((a, b) => String(b.at).localeCompare(String(a.at)));
    clear(timeline, h('h3', {}, `往来记录（${events.length}）`),
      events.length
        ? h('ul', { class: 'timeline' }, events.map((e) => (e.kind === 'call' ? callItem(e.item, audioOf[e.item.id] || []) : followUpItem(e.item))))
        : h('p', { class: 'muted' }, '还没有通话或跟进'));
  }

  const run = (f) => f().catch(showError);
  run(load);
}

function callItem(c, recordings) {
  return h('li', { class: 'timeline-call' },
    h('div', {}, h('strong', {}, fmtTime(c.startTime)), ' 通话 ',
      badge(word(CALL_STATUS, c.callStatus), c.callStatus === 'connected' ? 'green' : 'orange'),
      ' ', fmtDuration(c.duration), ' ', h('span', { class: 'muted' }, c.userName || '')),
    c.notes ? h('div', { style: 'white-space:pre-wrap' }, c.notes) : null,
    tags(c.callTags),
    recordings.map((r, i) => h('div', { class: 'recording' },
      h('div', { class: 'muted recording-label' }, recordingLabel(r, i, recordings.length)),
      r.fileMissing ? h('div', { class: 'muted' }, '录音文件丢失')
        : h('audio', { controls: true, preload: 'none', src: r.fileUrl }))));
}

function followUpItem(f) {
  return h('li', { class: 'timeline-followup' },
    h('div', {}, h('strong', {}, fmtTime(f.createdAt)), ' 跟进 ',
      badge(f.status === 'pending' ? '待跟进' : '已完成', f.status === 'pending' ? 'orange' : 'green'),
      ' ', h('span', { class: 'muted' }, f.createdByName || '')),
    h('div', { style: 'white-space:pre-wrap' }, f.content),
    f.nextFollowUp ? h('div', { class: 'muted' }, `下次跟进 ${fmtTime(f.nextFollowUp)}`) : null);
}
