// 客户 (contract §11): search, paging, add and edit, delete and CSV import (admin / manager),
// and 拨打 on every row, which opens the call panel.

import { call, queryString, session } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, confirmDialog, debounce, fieldError, form, h, modal, showError, table, tags, toast } from '../ui.js';
import { FOLLOW_STATUS, fmtTime, LEVEL, options, word } from '../format.js';
import { dial } from '../widgets/callpanel.js';
import { exportFile, filterBar, listPlace, personSelect } from '../widgets/filters.js';

const PAGE_SIZE = 20;

export function mount(container, { user, live }) {
  const canManage = user.role !== 'sales_staff';
  const place = listPlace(PAGE_SIZE);
  const list = h('div', { id: 'customer-list' });
  const file = h('input', { type: 'file', accept: '.xlsx,.xls,.csv,text/csv', id: 'customer-import-file', hidden: true });
  file.addEventListener('change', () => importCsv(file, reload));
  const reload = () => load().catch(failed);
  // a bad filter (a date the wrong way round) is said next to it
  const failed = (err) => { if (!fieldError(filters.el, err)) showError(err); };
  const owner = personSelect(user, place.initial.ownerId, 'ownerId', '全部负责人');
  const filters = filterBar([
    { name: 'keyword', placeholder: '姓名 / 电话', value: '' },
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
      title: 'Excel（.xlsx、.xls，第一个工作表）或 CSV（UTF-8 或 GBK）；第一行为表头：姓名、电话，可另加 等级、标签、跟进状态、备注',
    }, '导入') : null,
    h('button', { type: 'button', class: 'primary', id: 'customer-add', onclick: () => edit(null, reload, user) }, '新增客户'),
    file].filter(Boolean));
  container.append(filters.el, list);

  async function load() {
    const f = filters.values();
    place.save(f);
    const d = (await call(ep.customers(), { query: { page: place.page, pageSize: place.pageSize, ...f } })).data;
    const rows = d.records || [];
    const filtered = Object.values(f).some(Boolean);
    clear(list, table([
      { title: '姓名', render: (c) => h('a', { href: `#/customer?id=${encodeURIComponent(c.id)}`, class: 'customer-link' }, c.name) },
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

/** The import template (.xlsx), fetched with the session's token and saved under its name. */
async function downloadTemplate() {
  const { method, path } = ep.customersTemplate();
  const resp = await fetch(path, { method, headers: { Authorization: `Bearer ${session.token}` } });
  if (!resp.ok) throw new Error('模板下载失败');
  const url = URL.createObjectURL(await resp.blob());
  const a = h('a', { href: url, download: '客户导入模板.xlsx', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Sends the chosen file as is (UTF-8 or GBK: the server decodes) and shows the summary. */
async function importCsv(file, done) {
  const chosen = file.files[0];
  file.value = '';
  if (chosen) await importFile(chosen, null, done);
}

/** Imports `chosen` (its first sheet, or `sheet`) and shows the summary. */
async function importFile(chosen, sheet, done) {
  // a big file takes a while: say how far the upload is, then that the server is importing
  const progress = h('div', { id: 'import-progress', class: 'import-progress' },
    h('p', { class: 'import-progress-text' }, `正在上传 ${chosen.name}…`), h('progress', { max: 100, value: 0 }));
  const waiting = modal({ title: '导入客户', body: progress });
  const bar = progress.querySelector('progress');
  const text = progress.querySelector('.import-progress-text');
  try {
    // the server tells Excel from CSV by the content, not the name
    const r = await uploadWithProgress(ep.customersImport(), { sheet }, chosen, (sent) => {
      bar.value = Math.round(sent * 100);
      text.textContent = sent < 1 ? `正在上传 ${chosen.name}… ${Math.round(sent * 100)}%` : '正在导入，请稍候（每 1000 行一批写入）…';
      if (sent >= 1) bar.removeAttribute('value');
    });
    waiting.close();
    const d = r.data || {};
    const problems = d.errors || [];
    const unmapped = d.unmapped || [];
    modal({
      title: '导入结果',
      body: h('div', { id: 'import-summary' },
        h('p', {}, `已导入 ${d.imported} 条，跳过 ${d.skipped} 条。`),
        problems.length ? h('ul', {}, problems.slice(0, 50).map((p) => h('li', {}, describe(p)))) : null,
        problems.length > 50 ? h('p', { class: 'muted' }, `…另有 ${problems.length - 50} 条未列出`) : null,
        // the reasons say which word and what it became (等级 → 普通, 跟进状态 → 新客户)
        unmapped.length ? h('p', {}, `${unmapped.length} 条的等级或跟进状态无法识别，已按默认值导入：`) : null,
        unmapped.length ? h('ul', { class: 'unmapped' }, unmapped.slice(0, 20).map((p) => h('li', {}, describe(p)))) : null,
        (d.ignoredColumns || []).length
          ? h('p', { id: 'import-ignored' }, `未导入的列：${d.ignoredColumns.join('、')}`) : null,
        sheetChoice(d, chosen, done)),
      actions: [{ label: '好的', kind: 'primary' }],
    });
    done();
  } catch (err) {
    waiting.close();
    showError(err);
  }
}

/**
 * A workbook with more than one sheet: which one was read, and the others to read instead (the
 * same file is sent again with ?sheet=; rows already imported are skipped as such).
 */
function sheetChoice(d, chosen, done) {
  const sheets = d.sheets || [];
  if (sheets.length < 2) return null;
  const others = sheets.filter((s) => s !== d.sheet);
  const pick = h('select', { id: 'import-sheet' }, others.map((s) => h('option', { value: s }, s)));
  const again = h('button', { type: 'button', class: 'small', id: 'import-sheet-again' }, '改为导入此工作表');
  again.addEventListener('click', () => {
    const dialog = again.closest('dialog');
    if (dialog) dialog.close();
    importFile(chosen, pick.value, done);
  });
  return h('p', { class: 'muted', id: 'import-sheet-note' }, `已读取工作表“${d.sheet}”（共 ${sheets.length} 个）。`, pick, ' ', again);
}

/** POSTs a file with the session's token, reporting the share sent (0–1); the §1 envelope. */
function uploadWithProgress({ method, path }, query, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path + queryString(query));
    xhr.setRequestHeader('Authorization', `Bearer ${session.token}`);
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    xhr.upload.onload = () => onProgress(1);
    xhr.onerror = () => reject(new Error('无法连接服务器，请检查网络'));
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300 && json && json.success !== false) return resolve(json);
      const err = new Error((json && json.message) || '导入失败');
      err.code = json && json.code;
      err.status = xhr.status;
      reject(err);
    };
    xhr.send(file);
  });
}

/** One row the import left out or changed: `{row, reason}`. */
function describe(problem) {
  return `第 ${problem.row} 行：${problem.reason}`;
}

/** Select options that also hold `value` when the page has no word for it. */
function keeping(list, value) {
  return !value || list.some(([v]) => v === value) ? list : [...list, [value, value]];
}
