// 通话记录 (§5.6): filters (dates, type, status, person, keyword), paging, a detail view with the
// follow-ups (§5.11 by callId) and the recording player (§4.4 fileUrl), edit notes and tags
// (§5.8), delete (§5.10).

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { badge, clear, confirmDialog, debounce, fieldError, h, modal, showError, table, tags, toast } from '../ui.js';
import { CALL_STATUS, CALL_TYPE, fmtDuration, fmtTime, INTENTION, options, recordingLabel, word } from '../format.js';
import { exportFile, filterBar, listPlace, personSelect } from '../widgets/filters.js';
import { tagPicker } from '../widgets/followupform.js';

const PAGE_SIZE = 20;
const STATUS_COLOR = { connected: 'green', missed: 'orange', busy: 'orange', rejected: 'red', failed: 'red', canceled: '' };

// a PC cancel the phone ignored keeps both facts: 已取消 → what the phone then reported
const statusText = (c) => (c.endReason === 'pc_cancel' && c.callStatus !== 'canceled'
  ? `已取消 → ${word(CALL_STATUS, c.callStatus)}` : word(CALL_STATUS, c.callStatus));
const typeText = (c) => (c.manualDial ? '手机手动拨号' : word(CALL_TYPE, c.callType));

export function mount(container, { user, live }) {
  const place = listPlace(PAGE_SIZE);
  const list = h('div', { id: 'call-list' });
  const person = personSelect(user, place.initial.userId);
  const filters = filterBar([
    { name: 'startDate', label: '从', type: 'date' },
    { name: 'endDate', label: '到', type: 'date' },
    { name: 'callType', type: 'select', options: options(CALL_TYPE, '全部类型') },
    { name: 'callStatus', type: 'select', options: options(CALL_STATUS, '全部状态') },
    person,
    { name: 'keyword', placeholder: '客户名 / 电话 / 备注' },
  ], () => { place.page = 1; reload(); }, place.initial);
  filters.el.append(h('span', { class: 'spacer' }),
    h('button', { type: 'button', id: 'calls-export', onclick: () => exportFile(ep.recordsExport(), filters.values()).catch(failed) }, '导出 Excel'));
  container.append(filters.el, list);
  const reload = () => load().catch(failed);
  // a bad filter (a date the wrong way round) is said next to it
  const failed = (err) => { if (!fieldError(filters.el, err)) showError(err); };

  async function load() {
    place.save(filters.values());
    const d = (await call(ep.records(), { query: { page: place.page, pageSize: place.pageSize, ...filters.values() } })).data;
    clear(list, table([
      { title: '时间', render: (c) => fmtTime(c.startTime) },
      { title: '客户', render: (c) => [c.customerName || '—', h('div', { class: 'muted' }, c.customerPhone)] },
      { title: '类型', render: typeText },
      { title: '状态', render: (c) => badge(statusText(c), STATUS_COLOR[c.callStatus] || 'blue') },
      { title: '时长', render: (c) => fmtDuration(c.duration) },
      { title: '人员', render: (c) => c.userName || '—' },
      { title: '录音', render: (c) => (c.hasRecording ? '有' : '—') },
      { title: '备注 / 标签', render: (c) => [h('div', {}, c.notes || ''), tags(c.callTags)] },
      { title: '操作', class: 'actions', render: (c) => h('button', { type: 'button', class: 'small', onclick: () => detail(c, reload) }, '详情') },
    ], d.records || [], { rowClass: () => 'call-row' }),
    place.pager(d, reload));
  }

  reload();
  return live.on('CALL_STATE', debounce(reload));
}

async function detail(call, done) {
  const notes = h('textarea', { name: 'notes' });
  notes.value = call.notes || '';
  const picker = tagPicker(call.callTags || []);
  const required = h('input', { type: 'checkbox', name: 'followUpRequired' });
  required.checked = Boolean(call.followUpRequired);
  const followups = h('div', {}, h('p', { class: 'muted' }, '加载中…'));
  const player = h('div', { id: 'call-recordings' });
  const info = [
    ['客户', `${call.customerName || '—'} ${call.customerPhone || ''}`],
    ['类型 / 状态', `${typeText(call)} · ${statusText(call)}`],
    ['开始', fmtTime(call.startTime)], ['结束', fmtTime(call.endTime)],
    ['时长', fmtDuration(call.duration)], ['人员', `${call.userName || '—'} ${call.department || ''}`],
  ];
  modal({
    title: '通话详情',
    wide: true,
    body: [
      h('div', { class: 'form' }, info.map(([k, v]) => [h('label', {}, k), h('div', {}, v)]),
        h('label', {}, '录音'), player,
        h('label', {}, '标签'), picker.el,
        h('label', {}, '备注'), notes,
        h('label', {}, '需要跟进'), h('div', {}, required)),
      h('h3', { style: 'margin:16px 0 8px' }, '跟进记录'), followups,
    ],
    actions: [
      {
        label: '删除记录', kind: 'danger', onClick: async () => {
          if (!(await confirmDialog('删除这条通话记录？它的录音也会一并删除。', '删除'))) return false;
          await call(ep.recordDelete(call.id));
          toast('通话记录已删除', 'ok');
          done();
          return true;
        },
      },
      { label: '关闭' },
      {
        label: '保存', kind: 'primary', onClick: async () => {
          await call(ep.recordUpdate(call.id), { body: { notes: notes.value.trim(), callTags: picker.value(), followUpRequired: required.checked } });
          toast('通话记录已更新', 'ok');
          done();
        },
      },
    ],
  });

  try {
    const f = (await call(ep.followUps(), { query: { callId: call.id, pageSize: 100 } })).data;
    clear(followups, table([
      { title: '时间', render: (r) => fmtTime(r.createdAt) },
      { title: '内容', render: (r) => h('div', { style: 'white-space:pre-wrap' }, r.content) },
      { title: '意向', render: (r) => word(INTENTION, r.customerIntent) },
      { title: '下次跟进', render: (r) => fmtTime(r.nextFollowUp) },
      { title: '人员', render: (r) => r.createdByName || '—' },
    ], f.records || [], { empty: '暂无跟进记录' }));
  } catch (err) {
    clear(followups, h('p', { class: 'form-error' }, err.message));
  }
  if (!call.hasRecording) {
    clear(player, h('span', { class: 'muted' }, '无录音'));
    return;
  }
  try {
    const r = (await call(ep.recordings(), { query: { callId: call.id, pageSize: 100 } })).data;
    const all = r.recordings || [];
    clear(player, all.map((rec, i) => h('div', { class: 'recording' },
      h('div', { class: 'muted recording-label' }, recordingLabel(rec, i, all.length)),
      h('audio', { controls: true, preload: 'metadata', src: rec.fileUrl }))));
  } catch (err) {
    clear(player, h('span', { class: 'form-error' }, err.message));
  }
}
