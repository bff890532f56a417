// Customer imports (issue 15, issue 30): the template, a file in with 跳过 or 按电话更新, its
// summary with 撤销本次导入, and 导入记录 (every import, each undone with one click).

import { call, queryString, session } from '../api.js';
import * as ep from '../endpoints.js';
import { confirmDialog, h, modal, showError, table, toast } from '../ui.js';
import { fmtTime } from '../format.js';

/** The import template (.xlsx), fetched with the session's token and saved under its name. */
export async function downloadTemplate() {
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

/**
 * The chosen file: asks what to do with numbers the office already has (跳过 by default, or
 * 按电话更新), then sends it as is (Excel, UTF-8 or GBK: the server tells) and shows the summary.
 */
export function chooseImport(file, done) {
  const chosen = file.files[0];
  file.value = '';
  if (!chosen) return;
  const radio = (value, label, checked) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name: 'import-mode', value, checked }), ' ', label);
  const body = h('div', { id: 'import-mode' },
    h('p', {}, `文件：${chosen.name}`),
    h('p', {}, '表中的号码已是客户时：'),
    radio('skip', '跳过，不改动已有客户', true),
    radio('update', '按电话更新：用表中填写的项更新该客户（空白的格不改）', false),
    h('p', { class: 'muted' }, '每次导入都可在“导入记录”中撤销。'));
  modal({
    title: '导入客户',
    body,
    actions: [
      { label: '取消' },
      {
        label: '开始导入', kind: 'primary',
        onClick: () => {
          const mode = body.querySelector('input[name=import-mode]:checked').value;
          setTimeout(() => importFile(chosen, { mode }, done));
        },
      },
    ],
  });
}

/** Imports `chosen` (its first sheet, or `sheet`) and shows the summary. */
async function importFile(chosen, { sheet = null, mode = 'skip', columns = null }, done) {
  // a big file takes a while: say how far the upload is, then that the server is importing
  const progress = h('div', { id: 'import-progress', class: 'import-progress' },
    h('p', { class: 'import-progress-text' }, `正在上传 ${chosen.name}…`), h('progress', { max: 100, value: 0 }));
  const waiting = modal({ title: '导入客户', body: progress });
  const bar = progress.querySelector('progress');
  const text = progress.querySelector('.import-progress-text');
  try {
    // the server tells Excel from CSV by the content, not the name
    const query = { sheet, mode, columns, fileName: chosen.name.slice(0, 64) };
    const r = await uploadWithProgress(ep.customersImport(), query, chosen, (sent) => {
      bar.value = Math.round(sent * 100);
      text.textContent = sent < 1 ? `正在上传 ${chosen.name}… ${Math.round(sent * 100)}%` : '正在导入，请稍候（每 1000 行一批写入）…';
      if (sent >= 1) bar.removeAttribute('value');
    });
    waiting.close();
    const d = r.data || {};
    if (d.needsMapping) {
      askColumns(d, chosen, { sheet: d.sheet, mode }, done);
      return;
    }
    const problems = d.errors || [];
    const unmapped = d.unmapped || [];
    modal({
      title: '导入结果',
      body: h('div', { id: 'import-summary' },
        h('p', {}, summaryLine(d)),
        problems.length ? h('ul', {}, problems.slice(0, 50).map((p) => h('li', {}, describe(p)))) : null,
        problems.length > 50 ? h('p', { class: 'muted' }, `…另有 ${problems.length - 50} 条未列出`) : null,
        // the reasons say which word and what it became (等级 → 普通, 跟进状态 → 新客户)
        unmapped.length ? h('p', {}, `${unmapped.length} 处等级、跟进状态或负责人无法识别：`) : null,
        unmapped.length ? h('ul', { class: 'unmapped' }, unmapped.slice(0, 20).map((p) => h('li', {}, describe(p)))) : null,
        (d.ignoredColumns || []).length
          ? h('p', { id: 'import-ignored' }, `未导入的列：${d.ignoredColumns.join('、')}`) : null,
        sheetChoice(d, chosen, mode, done)),
      actions: [
        ...(d.importId && d.imported + d.updated > 0
          ? [{ label: '撤销本次导入', kind: 'danger', onClick: () => undo(d.importId, done) }] : []),
        { label: '好的', kind: 'primary' },
      ],
    });
    done();
  } catch (err) {
    waiting.close();
    showError(err);
  }
}

/**
 * No row of the file reads as a header (issue 30, item 1): its first rows, with above each
 * column what the server proposes it holds; the office corrects and confirms, and the same file
 * is sent again with `?columns=`. Nothing is written before.
 */
function askColumns(d, chosen, { sheet, mode }, done) {
  const width = Math.max(d.proposed.length, ...d.preview.map((r) => r.length));
  const picks = Array.from({ length: width }, (_, i) => {
    const select = h('select', { class: 'column-pick', dataset: { column: String(i) } },
      d.choices.map((c) => h('option', { value: c.key }, c.label)));
    select.value = d.proposed[i] || '-';
    return select;
  });
  const error = h('p', { class: 'form-error', hidden: true });
  const grid = h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, picks.map((p) => h('th', {}, p)))),
    h('tbody', {}, d.preview.map((row) => h('tr', {},
      Array.from({ length: width }, (_, i) => h('td', {}, row[i] || '')))))));
  modal({
    title: '确认各列的含义',
    wide: true,
    body: h('div', { id: 'import-mapping' },
      h('p', {}, `${chosen.name} 的前几行里没有找到表头（姓名、电话……）。请确认每一列是什么，再导入：`),
      grid, error, sheetChoice(d, chosen, mode, done)),
    actions: [
      { label: '取消' },
      {
        label: '确认并导入', kind: 'primary',
        onClick: () => {
          const keys = picks.map((p) => p.value);
          if (!keys.includes('name') || !keys.includes('phone')) {
            error.textContent = '请指定哪一列是姓名、哪一列是电话';
            error.hidden = false;
            return false;
          }
          setTimeout(() => importFile(chosen, { sheet, mode, columns: keys.join(',') }, done));
          return true;
        },
      },
    ],
  });
}

/**
 * A workbook with more than one sheet: which one was read, and the others to read instead (the
 * same file is sent again with ?sheet=; rows already imported are skipped as such).
 */
function sheetChoice(d, chosen, mode, done) {
  const sheets = d.sheets || [];
  if (sheets.length < 2) return null;
  const others = sheets.filter((s) => s !== d.sheet);
  const pick = h('select', { id: 'import-sheet' }, others.map((s) => h('option', { value: s }, s)));
  const again = h('button', { type: 'button', class: 'small', id: 'import-sheet-again' }, '改为导入此工作表');
  again.addEventListener('click', () => {
    const dialog = again.closest('dialog');
    if (dialog) dialog.close();
    importFile(chosen, { sheet: pick.value, mode }, done);
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
    xhr.onerror = () => reject(new Error('无法连接 DialBox 服务器：服务器可能已停止，或网络已断开'));
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

/** What an import did, in one line. */
function summaryLine(d) {
  const parts = [`新建 ${d.imported} 位客户`];
  if (d.updated) parts.push(`更新 ${d.updated} 位`);
  if (d.unchanged) parts.push(`${d.unchanged} 位无变化`);
  parts.push(`跳过 ${d.skipped} 行`);
  return `${parts.join('，')}。`;
}

/** 撤销本次导入, after a confirmation; says what it did and what it kept. */
async function undo(importId, done) {
  if (!(await confirmDialog('撤销这次导入？它新建的客户将被删除，它更新的客户恢复原样；导入后已有通话、跟进或修改的客户会保留。', '撤销导入'))) return false;
  const d = (await call(ep.customerImportUndo(importId))).data;
  done();
  const kept = d.kept || [];
  modal({
    title: '撤销结果',
    body: h('div', { id: 'undo-summary' },
      h('p', {}, d.already ? '这次导入此前已撤销。' : `已删除 ${d.removed} 位新建的客户，恢复 ${d.restored} 位被更新的客户。`),
      kept.length ? h('p', {}, `保留 ${d.keptCount} 位：`) : null,
      kept.length ? h('ul', {}, kept.slice(0, 50).map((k) => h('li', {}, `${k.name}：${k.reason}`))) : null),
    actions: [{ label: '好的', kind: 'primary' }],
  });
  return true;
}

const MODE_WORD = { skip: '跳过已有', update: '按电话更新' };

/** 导入记录: the last imports, newest first, each with 撤销 while it can be undone. */
export async function showImports(done) {
  const d = (await call(ep.customerImports(), { query: { pageSize: 50 } })).data;
  const dialog = modal({
    title: '导入记录',
    wide: true,
    body: h('div', { id: 'import-history' }, table([
      { title: '时间', render: (b) => fmtTime(b.createdAt) },
      { title: '文件', render: (b) => b.fileName || '—' },
      { title: '操作人', render: (b) => b.userName || '—' },
      { title: '方式', render: (b) => MODE_WORD[b.mode] || b.mode },
      { title: '新建 / 更新', render: (b) => `${b.created} / ${b.updated}` },
      {
        title: '',
        render: (b) => (b.undoneAt ? h('span', { class: 'muted' }, `已撤销 ${fmtTime(b.undoneAt)}`)
          : b.canUndo ? h('button', {
            type: 'button', class: 'small danger import-undo',
            onclick: async () => {
              try {
                if (await undo(b.id, done)) { dialog.close(); toast('已撤销'); }
              } catch (err) { showError(err); }
            },
          }, '撤销') : ''),
      },
    ], d.records || [], { empty: '还没有导入过客户' })),
    actions: [{ label: '关闭' }],
  });
}
