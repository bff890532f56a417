// 外呼任务 (issue 16): the call lists with their progress (dialed, connected, connect rate,
// remaining, per person), live; for admins and managers, new lists, numbers from a file or
// from customers, assignment, and the office's 黑名单 (do-not-call list).

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, confirmDialog, debounce, form, h, modal, showError, table, toast } from '../ui.js';
import { fmtTime } from '../format.js';
import { reportAdded } from '../widgets/added.js';

export const SESSION_STATUS = { running: '外呼中', paused: '已暂停', finished: '已完成' };

export function mount(container, { user, live }) {
  const manages = user.role !== 'sales_staff';
  const list = h('div', { id: 'campaign-list' }, h('p', { class: 'muted' }, '加载中…'));
  const toolbar = h('div', { class: 'toolbar' },
    manages ? h('button', { type: 'button', class: 'primary', id: 'campaign-new', onclick: () => create(reload) }, '新建外呼任务') : null,
    h('a', { href: '#/workbench', class: 'button-link' }, '去工作台'));
  container.append(toolbar, list);
  if (manages) container.append(doNotCall());

  async function reload() {
    const data = (await call(ep.campaigns())).data;
    clear(list, data.records.length ? data.records.map((c) => card(c, reload, manages)) : h('p', { class: 'muted', id: 'campaign-empty' }, '还没有外呼任务'));
  }
  reload().catch(showError);
  const offs = [live.on('DIALER_STATE', debounce(reload)), live.on('CALL_STATE', debounce(reload, 1000))];
  return () => offs.forEach((off) => off());
}

function counts(p) {
  return `${p.dialed} / ${p.total} 已拨，接通 ${p.connected}（${p.connectRate}%），剩余 ${p.remaining}` +
    (p.callbacks ? `，待回拨 ${p.callbacks}` : '');
}

function card(c, reload, manages) {
  const p = c.progress;
  const pct = p.total ? Math.round(((p.total - p.remaining) / p.total) * 100) : 0;
  const people = table([
    { title: '销售', render: (r) => r.userName || '未分配' },
    { title: '号码', render: (r) => String(r.total) },
    { title: '已拨', render: (r) => String(r.dialed) },
    { title: '接通', render: (r) => String(r.connected) },
    { title: '接通率', render: (r) => `${r.connectRate}%` },
    { title: '剩余', render: (r) => String(r.remaining) },
    { title: '外呼', render: (r) => (r.sessionStatus ? badge(SESSION_STATUS[r.sessionStatus] || r.sessionStatus, r.sessionStatus === 'running' ? 'green' : '') : '—') },
  ], c.people, { empty: '还没有号码' });
  const actions = manages ? h('div', { class: 'toolbar' },
    importButton(c, reload),
    actionButton('从客户添加', () => fromCustomers(c, reload)),
    actionButton('分配号码', () => assign(c, reload)),
    actionButton('删除', async () => {
      if (!(await confirmDialog(`删除外呼任务“${c.name}”及其全部号码？`, '删除'))) return;
      await call(ep.campaignDelete(c.id));
      toast('外呼任务已删除', 'ok');
      await reload();
    })) : null;
  return h('div', { class: 'card campaign', dataset: { id: c.id } },
    h('h3', {}, c.name, ' ', h('span', { class: 'muted' }, `${c.ownerName} · ${fmtTime(c.createdAt)}`)),
    c.description ? h('p', {}, c.description) : null,
    h('div', { class: 'progress-bar', title: `${pct}%` }, h('div', { style: `width:${pct}%` })),
    h('p', { class: 'campaign-counts' }, counts(p)),
    h('p', { class: 'muted' }, `整理时间 ${c.wrapUpSeconds} 秒，未接通 ${Math.round(c.retryDelaySeconds / 60)} 分钟后重拨，最多 ${c.maxAttempts} 次`),
    people, actions);
}

function create(reload) {
  const f = form([
    { name: 'name', label: '任务名称', required: true },
    { name: 'description', label: '说明', type: 'textarea' },
    { name: 'wrapUpSeconds', label: '整理时间（秒）', type: 'number', value: '30' },
    { name: 'retryMinutes', label: '重拨间隔（分钟）', type: 'number', value: '120' },
    { name: 'maxAttempts', label: '最多拨打次数', type: 'number', value: '3' },
    { name: 'numbers', label: '号码（每行一个，可选）', type: 'textarea', placeholder: '13800138000 张三' },
  ]);
  modal({
    title: '新建外呼任务',
    body: f.el,
    actions: [{ label: '取消' }, {
      label: '创建', kind: 'primary', onClick: async () => {
        const v = f.values();
        // each line as typed: the server reads the number and the name beside it
        const items = v.numbers.split('\n').map((l) => l.trim()).filter(Boolean).map((phone) => ({ phone }));
        const made = await call(ep.campaignCreate(), { body: {
          name: v.name,
          description: v.description,
          wrapUpSeconds: Number(v.wrapUpSeconds),
          retryDelaySeconds: Math.round(Number(v.retryMinutes) * 60),
          maxAttempts: Number(v.maxAttempts),
          items: items.length ? items : undefined,
        } });
        if (made.data.added) reportAdded('外呼任务已创建', made.data.added); else toast('外呼任务已创建', 'ok');
        await reload();
      },
    }],
  });
}

function importButton(c, reload) {
  const file = h('input', { type: 'file', accept: '.xlsx,.xls,.csv,text/csv', hidden: true, class: 'campaign-import-file' });
  file.addEventListener('change', async () => {
    const chosen = file.files[0];
    file.value = '';
    if (!chosen) return;
    try {
      const resp = await call(ep.campaignImport(c.id), { body: chosen, contentType: chosen.type || 'application/octet-stream' });
      reportAdded('导入完成', resp.data);
      await reload();
    } catch (err) { showError(err); }
  });
  return h('span', {}, h('button', { type: 'button', class: 'small campaign-import', onclick: () => file.click() }, '导入号码'), file);
}

async function fromCustomers(c, reload) {
  const f = form([
    { name: 'tag', label: '客户标签', placeholder: '空：全部客户' },
    { name: 'keyword', label: '搜索词', placeholder: '姓名或号码' },
  ]);
  modal({
    title: '从客户添加号码',
    body: f.el,
    actions: [{ label: '取消' }, {
      label: '添加', kind: 'primary', onClick: async () => {
        const v = f.values();
        const resp = await call(ep.campaignFromCustomers(c.id), { query: v });
        reportAdded('已添加号码', resp.data);
        await reload();
      },
    }],
  });
}

async function assign(c, reload) {
  const users = ((await call(ep.users())).data).filter((u) => !u.disabled);
  const boxes = users.map((u) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', value: u.id, name: 'assignee' }), u.displayName,
    h('input', { type: 'number', min: 0, name: 'count', class: 'small', placeholder: '数量', style: 'width:64px' })));
  const from = h('select', { name: 'from' }, h('option', { value: 'unassigned' }, '未分配的号码'), h('option', { value: 'all' }, '全部未完成的号码（重新分配）'));
  modal({
    title: `分配号码：${c.name}`,
    body: h('div', { class: 'form' }, h('label', {}, '分给（填数量：按数量，否则平均）'), h('div', { class: 'assignees' }, boxes), h('label', {}, '范围'), from),
    actions: [{ label: '取消' }, {
      label: '分配', kind: 'primary', onClick: async () => {
        const chosen = boxes.filter((b) => b.querySelector('input[name=assignee]').checked);
        const userIds = chosen.map((b) => b.querySelector('input[name=assignee]').value);
        // a count beside anyone: that many each, in list order; else evenly
        const counted = chosen.filter((b) => b.querySelector('input[name=count]').value !== '');
        const body = counted.length
          ? { mode: 'count', counts: Object.fromEntries(counted.map((b) => [b.querySelector('input[name=assignee]').value, Number(b.querySelector('input[name=count]').value)])), from: from.value }
          : { mode: 'even', userIds, from: from.value };
        const resp = await call(ep.campaignAssign(c.id), { body });
        toast(`已分配 ${resp.data.assigned} 个号码`, 'ok');
        await reload();
      },
    }],
  });
}

/** 黑名单: add a number, see the list, take one off. */
function doNotCall() {
  const box = h('div', { class: 'card', id: 'dnc' });
  const number = h('input', { name: 'dncPhone', placeholder: '号码' });
  const reason = h('input', { name: 'dncReason', placeholder: '原因（如：客户要求不再来电）' });
  const rows = h('div', {});
  async function reload() {
    const data = (await call(ep.doNotCall(), { query: { pageSize: 100 } })).data;
    clear(rows, table([
      { title: '号码', render: (r) => r.phone },
      { title: '原因', render: (r) => r.reason || '—' },
      { title: '添加人', render: (r) => r.addedByName || '—' },
      { title: '时间', render: (r) => fmtTime(r.createdAt) },
      { title: '', render: (r) => actionButton('移出', async () => { await call(ep.doNotCallRemove(r.phone)); await reload(); }) },
    ], data.records, { empty: '黑名单为空' }), h('p', { class: 'muted' }, `共 ${data.total} 个号码`));
  }
  const add = actionButton('加入黑名单', async () => {
    await call(ep.doNotCallAdd(), { body: { phone: number.value.trim(), reason: reason.value.trim() } });
    number.value = '';
    reason.value = '';
    toast('已加入黑名单', 'ok');
    await reload();
  }, 'primary');
  add.id = 'dnc-add';
  box.append(h('h3', {}, '黑名单'), h('p', { class: 'muted' }, '黑名单里的号码任何方式都不会被拨打。'),
    h('div', { class: 'toolbar' }, number, reason, add), rows);
  reload().catch(showError);
  return box;
}
