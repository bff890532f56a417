// 跟进记录 (§5.11, §5.12, issue 14): filters (也按 今天到期 / 已逾期), create, and per row 完成 /
// 编辑 / 删除 and 拨打. What is due is the server's word (`due`), not worked out here.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { emit, FOLLOW_UPS_CHANGED } from '../bus.js';
import { actionButton, badge, clear, confirmDialog, fieldError, h, modal, showError, table, tags, toast } from '../ui.js';
import { fmtTime, fromLocalInput, INTENTION, options, PRIORITY, toLocalInput, word } from '../format.js';
import { exportFile, filterBar, listPlace, personSelect } from '../widgets/filters.js';
import { tagPicker } from '../widgets/followupform.js';
import { dial } from '../widgets/callpanel.js';

const PAGE_SIZE = 20;
const STATUS = { pending: '待跟进', completed: '已完成' };
export const DUE = { today: '今天到期', overdue: '已逾期' };

/** The row class for what the server says is due. */
const urgency = (r) => ({ today: 'due-today', overdue: 'overdue' }[r.due] || '');

/** Tells the menu's counts (and any page showing due follow-ups) that something changed. */
export const followUpsChanged = () => emit(FOLLOW_UPS_CHANGED);

export function mount(container, { user, live }) {
  const place = listPlace(PAGE_SIZE);
  const list = h('div', { id: 'followup-list' });
  const filters = filterBar([
    { name: 'due', type: 'select', options: options(DUE, '全部到期') },
    { name: 'status', type: 'select', options: options(STATUS, '全部状态') },
    { name: 'priority', type: 'select', options: options(PRIORITY, '全部优先级') },
    personSelect(user, place.initial.userId),
    { name: 'startDate', label: '从', type: 'date' },
    { name: 'endDate', label: '到', type: 'date' },
  ], () => { place.page = 1; reload(); }, place.initial);
  filters.el.append(h('span', { class: 'spacer' }),
    h('button', { type: 'button', id: 'followups-export', onclick: () => exportFile(ep.followUpsExport(), filters.values()).catch(failed) }, '导出 Excel'),
    h('button', { type: 'button', class: 'primary', id: 'followup-add', onclick: () => create(() => changed()) }, '新建跟进'));
  container.append(filters.el,
    h('p', { class: 'muted legend' }, h('span', {}, h('i', { style: 'background:#fff6e8;border:1px solid #e6c79c' }), '今天到期'),
      h('span', {}, h('i', { style: 'background:#fdecec;border:1px solid #e7b3b3' }), '已逾期'),
      h('span', {}, h('i', { style: 'background:#d9822b' }), '待跟进')),
    list);
  const reload = () => load().catch(failed);
  // a bad filter (a date the wrong way round) is said next to it
  const failed = (err) => { if (!fieldError(filters.el, err)) showError(err); };

  async function load() {
    place.save(filters.values());
    const d = (await call(ep.followUps(), { query: { page: place.page, pageSize: place.pageSize, ...filters.values() } })).data;
    clear(list, table([
      { title: '客户', render: (r) => r.customerName || '—' },
      { title: '内容', render: (r) => h('div', { style: 'white-space:pre-wrap;max-width:420px' }, r.content) },
      { title: '标签', render: (r) => tags(r.callTags) },
      { title: '意向', render: (r) => word(INTENTION, r.customerIntent) },
      { title: '优先级', render: (r) => badge(word(PRIORITY, r.priority), r.priority === 'high' ? 'red' : '') },
      {
        title: '下次跟进', render: (r) => [fmtTime(r.nextFollowUp),
          r.due ? [' ', badge(r.due === 'overdue' ? '已逾期' : '今天', r.due === 'overdue' ? 'red' : 'orange')] : null],
      },
      { title: '状态', render: (r) => badge(word(STATUS, r.status), r.status === 'pending' ? 'orange' : 'green') },
      { title: '负责人', render: (r) => r.createdByName || '—' },
      { title: '创建时间', render: (r) => fmtTime(r.createdAt) },
      {
        title: '操作', class: 'actions', render: (r) => [
          r.customerId ? h('button', {
            type: 'button', class: 'small primary dial',
            onclick: () => dial({ id: r.customerId, name: r.customerName }, live, user),
          }, '拨打') : null,
          r.status === 'pending' ? actionButton('完成', async () => {
            await call(ep.followUpUpdate(r.id), { body: { status: 'completed' } });
            toast('已完成', 'ok');
            changed();
          }, 'small complete') : null,
          h('button', { type: 'button', class: 'small edit', onclick: () => edit(r, changed) }, '编辑'),
          actionButton('删除', async () => {
            if (!(await confirmDialog(`删除这条跟进记录（${r.customerName || '无客户'}）？`, '删除'))) return;
            await call(ep.followUpDelete(r.id));
            toast('跟进记录已删除', 'ok');
            changed();
          }, 'small danger'),
        ],
      },
    ], d.records || [], { rowClass: (r) => ['followup-row', r.status === 'pending' ? 'pending' : '', urgency(r)].join(' ') }),
    place.pager(d, reload));
  }

  const changed = () => { followUpsChanged(); reload(); };
  reload();
}

/**
 * The fields a follow-up's dialog asks for, written once for 编辑 and 新建跟进: the text, tags,
 * intention, priority, status and the next time, filled from `r` when editing.
 */
function followUpFields(r = {}) {
  const content = h('textarea', { name: 'content', placeholder: '跟进内容' });
  content.value = r.text ?? r.content ?? '';
  const picker = tagPicker(r.callTags || []);
  const intent = h('select', { name: 'customerIntent' }, h('option', { value: '' }, '未选择'),
    Object.entries(INTENTION).map(([v, t]) => h('option', { value: v }, t)));
  intent.value = r.customerIntent || '';
  const priority = h('select', { name: 'priority' }, Object.entries(PRIORITY).map(([v, t]) => h('option', { value: v }, t)));
  priority.value = r.priority || 'medium';
  const status = h('select', { name: 'status' }, Object.entries(STATUS).map(([v, t]) => h('option', { value: v }, t)));
  status.value = r.status || 'pending';
  const next = h('input', { type: 'datetime-local', name: 'nextFollowUpDate' });
  next.value = toLocalInput(r.nextFollowUp);
  return {
    rows: [
      h('label', {}, '内容'), content,
      h('label', {}, '标签'), picker.el,
      h('label', {}, '客户意向'), intent,
      h('label', {}, '优先级'), priority,
      h('label', {}, '状态'), status,
      h('label', {}, '下次跟进'), next,
    ],
    /** What was entered; `next` is empty when no time is set. */
    values: () => ({
      content: content.value.trim(),
      callTags: picker.value(),
      customerIntent: intent.value,
      priority: priority.value,
      status: status.value,
      next: next.value ? fromLocalInput(next.value) : null,
    }),
  };
}

/** 编辑: the text (without the tag line, which the server writes), tags, intention, priority,
 * status and the next time (emptied: cleared). */
function edit(r, done) {
  const fields = followUpFields(r);
  modal({
    title: `编辑跟进 ${r.customerName || ''}`,
    wide: true,
    body: h('div', { class: 'form', id: 'followup-edit' }, fields.rows),
    actions: [
      { label: '取消' },
      {
        label: '保存', kind: 'primary', onClick: async () => {
          const v = fields.values();
          const body = {
            content: v.content,
            callTags: v.callTags,
            priority: v.priority,
            status: v.status,
            nextFollowUpDate: v.next,
          };
          if (v.customerIntent) body.customerIntent = v.customerIntent;
          await call(ep.followUpUpdate(r.id), { body });
          toast('跟进记录已更新', 'ok');
          done();
        },
      },
    ],
  });
}

/** A follow-up without a call (a visit, a message): §5.12. The customer is picked by search. */
function create(done) {
  const search = h('input', { type: 'search', placeholder: '输入客户姓名或电话搜索', style: 'width:100%' });
  const customer = h('select', { name: 'customerId' }, h('option', { value: '' }, '（不关联客户）'));
  let found = [];
  search.addEventListener('input', async () => {
    try {
      const d = (await call(ep.customers(), { query: { keyword: search.value.trim(), pageSize: 20 } })).data;
      found = d.records || [];
      clear(customer, h('option', { value: '' }, '（不关联客户）'),
        found.map((c) => h('option', { value: c.id }, `${c.name} ${c.phone}`)));
      if (found.length) customer.value = found[0].id;
    } catch (err) { showError(err); }
  });
  const type = h('select', { name: 'type' }, [['call', '电话'], ['visit', '拜访'], ['message', '消息'], ['other', '其他']]
    .map(([v, t]) => h('option', { value: v }, t)));
  const fields = followUpFields();
  modal({
    title: '新建跟进',
    wide: true,
    body: h('div', { class: 'form', id: 'followup-form' },
      h('label', {}, '客户'), h('div', {}, search, customer),
      h('label', {}, '方式'), type,
      fields.rows),
    actions: [
      { label: '取消' },
      {
        label: '保存', kind: 'primary', onClick: async () => {
          const chosen = found.find((c) => c.id === customer.value);
          const v = fields.values();
          await call(ep.followUpCreate(), { body: {
            customerId: chosen ? chosen.id : undefined,
            customerName: chosen ? chosen.name : undefined,
            type: type.value,
            // the server writes the tags into the content (contract §7), as for every follow-up
            content: v.content,
            customerIntent: v.customerIntent || undefined,
            callTags: v.callTags,
            nextFollowUpDate: v.next ?? undefined,
            priority: v.priority,
            status: v.status,
          } });
          toast('跟进记录已保存', 'ok');
          done();
        },
      },
    ],
  });
}
