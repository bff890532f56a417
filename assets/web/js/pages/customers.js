// 客户 (contract §11): search, paging, add and edit, delete and CSV import (admin / manager),
// and 拨打 on every row, which opens the call panel.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, confirmDialog, debounce, fieldError, form, h, modal, showError, table, tags, toast } from '../ui.js';
import { FOLLOW_STATUS, fmtTime, LEVEL, options, word } from '../format.js';
import { dial } from '../widgets/callpanel.js';
import { exportFile, filterBar, listPlace, personSelect } from '../widgets/filters.js';
import { bulkBar } from '../widgets/customerbulk.js';
import { chooseImport, downloadTemplate, showImports } from '../widgets/importer.js';

const PAGE_SIZE = 20;

export function mount(container, { user, live }) {
  const canManage = user.role !== 'sales_staff';
  const place = listPlace(PAGE_SIZE);
  const list = h('div', { id: 'customer-list' });
  const file = h('input', { type: 'file', accept: '.xlsx,.xls,.csv,text/csv', id: 'customer-import-file', hidden: true });
  file.addEventListener('change', () => chooseImport(file, reload));
  const reload = () => load().catch(failed);
  // a bad filter (a date the wrong way round) is said next to it
  const failed = (err) => { if (!fieldError(filters.el, err)) showError(err); };
  const owner = personSelect(user, place.initial.ownerId, 'ownerId', '全部负责人');
  const filters = filterBar([
    { name: 'keyword', placeholder: '姓名 / 公司 / 电话', value: '' },
    { name: 'level', type: 'select', options: options(LEVEL, '全部等级') },
    { name: 'followStatus', type: 'select', options: options(FOLLOW_STATUS, '全部跟进状态') },
    owner,
    { name: 'tag', placeholder: '标签' },
    { name: 'sort', type: 'select', options: [['', '新添加的在前'], ['level', '按等级'], ['followStatus', '按跟进状态'], ['nextFollowTime', '按下次跟进'], ['lastContactTime', '按最后联系']] },
  ], () => { place.page = 1; reload(); }, place.initial);
  filters.el.querySelector('input[name=keyword]').id = 'customer-search';
  // the DOM's own append writes a null as the text "null" (a salesperson saw "nullnull"):
  // the buttons they may not use are left out of the list instead
  filters.el.append(...[h('span', { class: 'spacer' }),
    h('button', { type: 'button', id: 'customer-export', onclick: () => exportFile(ep.customersExport(), filters.values()).catch(failed) }, '导出 Excel'),
    canManage ? h('button', { type: 'button', id: 'customer-template', onclick: () => downloadTemplate().catch(showError) }, '下载模板') : null,
    canManage ? h('button', {
      type: 'button', id: 'customer-import', onclick: () => file.click(),
      title: 'Excel（.xlsx、.xls，第一个工作表）或 CSV（UTF-8 或 GBK）；表头：姓名、电话，可另加 公司、其他号码、等级、标签、跟进状态、负责人、备注',
    }, '导入') : null,
    canManage ? h('button', { type: 'button', id: 'customer-imports', onclick: () => showImports(reload).catch(showError) }, '导入记录') : null,
    h('button', { type: 'button', class: 'primary', id: 'customer-add', onclick: () => edit(null, reload, user) }, '新增客户'),
    file].filter(Boolean));
  // admins and managers act on a selection (issue 30, item 2)
  const bulk = canManage ? bulkBar(user, reload) : null;
  container.append(...[filters.el, bulk && bulk.el, list].filter(Boolean));

  async function load() {
    const f = filters.values();
    place.save(f);
    const d = (await call(ep.customers(), { query: { page: place.page, pageSize: place.pageSize, ...f } })).data;
    const rows = d.records || [];
    const filtered = Object.values(f).some(Boolean);
    if (bulk) bulk.reset();
    clear(list, table([
      ...(bulk ? [{ title: '选择', class: 'pick', render: (c) => bulk.box(c) }] : []),
      {
        title: '姓名',
        render: (c) => [h('a', { href: `#/customer?id=${encodeURIComponent(c.id)}`, class: 'customer-link' }, c.name),
          c.company ? h('div', { class: 'muted company' }, c.company) : null],
      },
      { title: '电话', render: (c) => [c.phone, ...(c.otherPhones || []).map((n) => h('div', { class: 'muted' }, n))] },
      { title: '等级', render: (c) => word(LEVEL, c.level) },
      { title: '标签', render: (c) => tags(c.tags) },
      { title: '跟进状态', render: (c) => badge(word(FOLLOW_STATUS, c.followStatus), c.followStatus === 'interested' ? 'green' : '') },
      { title: '负责人', render: (c) => c.ownerName || '—' },
      { title: '最后联系', render: (c) => fmtTime(c.lastContactTime) },
      { title: '下次跟进', render: (c) => fmtTime(c.nextFollowTime) },
      {
        title: '操作', class: 'actions', render: (c) => [
          h('button', { type: 'button', class: 'small primary dial', onclick: () => dial(c, live, user) }, '拨打'),
          h('button', { type: 'button', class: 'small', onclick: () => edit(c, reload, user) }, '编辑'),
          canManage ? actionButton('删除', async () => {
            if (!(await confirmDialog(`删除客户“${c.name}”？通话记录会保留。`, '删除'))) return;
            await call(ep.customerDelete(c.id));
            toast('客户已删除', 'ok');
            reload();
          }, 'small danger') : null,
        ],
      },
    ], rows, { rowClass: () => 'customer-row', empty: filtered ? '没有匹配的客户' : '还没有客户，点“新增客户”或“导入”（Excel 或 CSV）' }),
    place.pager(d, reload));
  }

  reload();
  // the follow-up form updates customers: refresh when a call of ours changes
  return live.on('CALL_STATE', debounce(reload));
}

export function edit(c, done, user) {
  const fields = form([
    { name: 'name', label: '姓名', value: c ? c.name : '', required: true },
    { name: 'company', label: '公司', value: c ? c.company || '' : '', placeholder: '选填' },
    // a masked number is not editable here: only admins and managers see whole numbers
    { name: 'phone', label: '电话', value: c ? c.phone : '', required: true },
    // 座机, a second mobile: caller ID knows the customer by these too (issue 29)
    { name: 'otherPhones', label: '其他号码', value: c ? (c.otherPhones || []).join(', ') : '', placeholder: '座机、第二个手机，逗号分隔，最多5个' },
    // a value the page has no word for stays selectable, so saving never blanks it
    { name: 'level', label: '等级', type: 'select', options: keeping(options(LEVEL), c && c.level), value: c ? c.level : 'normal' },
    { name: 'followStatus', label: '跟进状态', type: 'select', options: keeping(options(FOLLOW_STATUS), c && c.followStatus), value: c ? c.followStatus : 'new' },
    { name: 'tags', label: '标签', value: c ? (c.tags || []).join(', ') : '', placeholder: '逗号分隔' },
    { name: 'notes', label: '备注', type: 'textarea', value: c ? c.notes || '' : '' },
  ]);
  fields.el.id = 'customer-form';
  // admins and managers set the 负责人 (the salesperson a dial goes to by default)
  const owner = user && user.role !== 'sales_staff' ? personSelect(user, c && c.ownerId, 'ownerId', '（无负责人）') : null;
  if (owner) {
    if (c && c.ownerId) owner.value = c.ownerId;
    fields.el.append(h('label', {}, '负责人'), owner);
  }
  modal({
    title: c ? `编辑客户 ${c.name}` : '新增客户',
    body: fields.el,
    actions: [
      { label: '取消' },
      {
        label: '保存', kind: 'primary', onClick: async () => {
          const v = fields.values();
          const list = (text) => text.split(/[,，;；、]/).map((t) => t.trim()).filter(Boolean);
          const body = { ...v, tags: list(v.tags), otherPhones: list(v.otherPhones) };
          // masked numbers come back masked: unchanged, they are not sent
          if (c && (c.otherPhones || []).join(', ') === v.otherPhones) delete body.otherPhones;
          if (owner && owner.value) body.ownerId = owner.value;
          if (c && c.phone === v.phone) delete body.phone;
          if (c) await call(ep.customerUpdate(c.id), { body });
          else await call(ep.customerCreate(), { body });
          toast(c ? '客户已更新' : '客户已添加', 'ok');
          done();
        },
      },
    ],
  });
}

/** Select options that also hold `value` when the page has no word for it. */
function keeping(list, value) {
  return !value || list.some(([v]) => v === value) ? list : [...list, [value, value]];
}
