// 客户's selection and its bulk actions (issue 30, item 2): a box on each row and 全选本页; with
// anything picked, a bar offers 删除, 分配负责人, 打标签 and 加入外呼任务 for all of them in one
// request (deleting 2,000 wrong rows was 4,000 clicks).

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { confirmDialog, h, modal, toast } from '../ui.js';
import { reportAdded } from './added.js';
import { personSelect } from './filters.js';

/** The bar and the row boxes; `reload` shows the list again after an action. */
export function bulkBar(user, reload) {
  const picked = new Map();
  let boxes = [];
  const count = h('span', { id: 'bulk-count' });
  const all = h('input', { type: 'checkbox', id: 'bulk-all', title: '全选本页' });
  const actions = h('span', { class: 'bulk-actions' },
    h('button', { type: 'button', class: 'small', id: 'bulk-assign', onclick: () => assign() }, '分配负责人'),
    h('button', { type: 'button', class: 'small', id: 'bulk-tag', onclick: () => tag() }, '打标签'),
    h('button', { type: 'button', class: 'small', id: 'bulk-campaign', onclick: () => toCampaign() }, '加入外呼任务'),
    h('button', { type: 'button', class: 'small danger', id: 'bulk-delete', onclick: () => remove() }, '删除'));
  const el = h('div', { class: 'bulk-bar', id: 'customer-bulk' },
    h('label', {}, all, ' 全选本页'), ' ', count, actions);
  const shown = () => {
    count.textContent = picked.size ? `已选 ${picked.size} 位` : '';
    actions.hidden = picked.size === 0;
    all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
  };
  all.addEventListener('change', () => {
    const on = all.checked;
    for (const b of boxes) { b.checked = on; b.dispatchEvent(new Event('change')); }
  });

  /** The box of one row. */
  function box(c) {
    const b = h('input', { type: 'checkbox', class: 'bulk-pick', checked: picked.has(c.id) });
    b.addEventListener('change', () => {
      if (b.checked) picked.set(c.id, c.name); else picked.delete(c.id);
      shown();
    });
    boxes.push(b);
    return b;
  }

  /** A new page of rows: the selection starts again. */
  function reset() { picked.clear(); boxes = []; shown(); }

  async function send(body) {
    const r = await call(ep.customersBulk(), { body: { ids: [...picked.keys()], ...body } });
    reload();
    return r.data;
  }
  const said = (d, what) => toast(`${what} ${d.changed} 位${d.unchanged ? `，${d.unchanged} 位本已如此` : ''}`, 'ok');

  async function remove() {
    const names = [...picked.values()].slice(0, 5).join('、');
    const more = picked.size > 5 ? ` 等 ${picked.size} 位` : '';
    if (!(await confirmDialog(`删除选中的客户 ${names}${more}？通话记录会保留。`, '删除'))) return;
    said(await send({ action: 'delete' }), '已删除');
  }

  function assign() {
    const owner = personSelect(user, '', 'ownerId', '（无负责人）');
    owner.id = 'bulk-owner';
    modal({
      title: `为 ${picked.size} 位客户分配负责人`,
      body: h('div', {}, h('label', {}, '负责人 '), owner),
      actions: [{ label: '取消' }, {
        label: '分配', kind: 'primary',
        onClick: async () => said(await send({ action: 'assign', ownerId: owner.value }), '已分配'),
      }],
    });
  }

  function tag() {
    const input = h('input', { id: 'bulk-tags', placeholder: '标签，多个用逗号分隔' });
    modal({
      title: `为 ${picked.size} 位客户打标签`,
      body: h('div', {}, input),
      actions: [{ label: '取消' }, {
        label: '添加标签', kind: 'primary',
        onClick: async () => {
          const tags = input.value.split(/[,，;；、]/).map((t) => t.trim()).filter(Boolean);
          said(await send({ action: 'tag', tags }), '已打标签');
        },
      }],
    });
  }

  async function toCampaign() {
    const lists = (await call(ep.campaigns())).data;
    const records = Array.isArray(lists) ? lists : (lists.records || []);
    if (!records.length) { toast('还没有外呼任务，请先在“外呼任务”中新建'); return; }
    const select = h('select', { id: 'bulk-campaign-pick' }, records.map((c) => h('option', { value: c.id }, c.name)));
    modal({
      title: `把 ${picked.size} 位客户加入外呼任务`,
      body: h('div', {}, select),
      actions: [{ label: '取消' }, {
        label: '加入', kind: 'primary',
        onClick: async () => {
          const d = await send({ action: 'campaign', campaignId: select.value });
          reportAdded('已加入外呼任务', d);
        },
      }],
    });
  }

  shown();
  return { el, box, reset };
}
