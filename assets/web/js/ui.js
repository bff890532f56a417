// DOM helpers shared by every page: element builder, toasts, dialogs, tables, pager, forms.
// Text always goes in as text nodes (never innerHTML), so names from the database cannot inject.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function toast(message, kind = '') {
  const box = document.getElementById('toasts');
  // the same message twice (several lists failing alike) shows once
  const same = [...box.children].find((t) => t.textContent === message && t.className === `toast ${kind}`);
  if (same) same.remove();
  const el = h('div', { class: `toast ${kind}` }, message);
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 6000 : 3000);
}

/** Shows an error's Chinese message (ApiError carries the server's). */
/**
 * Puts an error about one field next to that field inside `scope` (a dialog, a filter bar):
 * true when it found the field. The message clears when the field changes.
 */
export function fieldError(scope, err) {
  if (!scope || !err || !err.field) return false;
  const input = scope.querySelector(`[name="${CSS.escape(err.field)}"]`);
  if (!input) return false;
  const place = input.closest('label') || input;
  const old = place.parentElement.querySelector(`.field-error[data-for="${CSS.escape(err.field)}"]`);
  if (old) old.remove();
  const note = h('div', { class: 'form-error field-error', dataset: { for: err.field }, role: 'alert' }, err.message);
  place.after(note);
  input.classList.add('invalid');
  input.addEventListener('input', () => { note.remove(); input.classList.remove('invalid'); }, { once: true });
  input.focus();
  return true;
}

export function showError(err) {
  toast((err && err.message) || '操作失败', 'error');
}

/**
 * A modal dialog. `actions`: [{label, kind, onClick}] where onClick may return false (or a
 * promise of false) to keep the dialog open. Returns {dialog, close}.
 */
export function modal({ title, body, actions = [], wide = false, onClose }) {
  const foot = h('div', { class: 'dlg-foot' });
  const dialog = h('dialog', { class: wide ? 'wide' : '' },
    h('div', { class: 'dlg-head' }, title), h('div', { class: 'dlg-body' }, body), foot);
  const close = () => { if (dialog.open) dialog.close(); };
  dialog.addEventListener('close', () => { dialog.remove(); if (onClose) onClose(); });
  for (const action of actions) {
    const btn = h('button', { type: 'button', class: action.kind || '' }, action.label);
    btn.addEventListener('click', async () => {
      if (!action.onClick) return close();
      btn.disabled = true;
      try {
        if ((await action.onClick()) !== false) close();
      } catch (err) {
        if (!fieldError(dialog, err)) showError(err);
      } finally {
        btn.disabled = false;
      }
    });
    foot.append(btn);
  }
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
}

/** Asks before a destructive action; resolves true when confirmed. */
export function confirmDialog(message, okLabel = '确定') {
  return new Promise((resolve) => {
    let answer = false;
    modal({
      title: '请确认',
      body: h('p', {}, message),
      actions: [
        { label: '取消' },
        { label: okLabel, kind: 'danger', onClick: () => { answer = true; } },
      ],
      onClose: () => resolve(answer),
    });
  });
}

/**
 * A label/input grid. fields: [{name, label, type, options:[[value,text]], value, placeholder,
 * required, full}]. Returns {el, values(), input(name)}.
 */
export function form(fields) {
  const inputs = {};
  const el = h('div', { class: 'form' });
  for (const f of fields) {
    let input;
    if (f.type === 'select') {
      input = h('select', { name: f.name }, f.options.map(([v, t]) => h('option', { value: v }, t)));
    } else if (f.type === 'textarea') {
      input = h('textarea', { name: f.name, placeholder: f.placeholder || '' });
    } else if (f.type === 'checkbox') {
      input = h('input', { name: f.name, type: 'checkbox' });
      input.checked = Boolean(f.value);
    } else {
      input = h('input', { name: f.name, type: f.type || 'text', placeholder: f.placeholder || '' });
    }
    if (f.value !== undefined && f.type !== 'checkbox') input.value = f.value;
    if (f.required) input.required = true;
    inputs[f.name] = input;
    el.append(h('label', {}, f.label), f.extra ? h('div', {}, input, f.extra) : input);
  }
  const values = () => Object.fromEntries(Object.entries(inputs).map(([k, i]) =>
    [k, i.type === 'checkbox' ? i.checked : i.value.trim()]));
  return { el, values, input: (name) => inputs[name] };
}

/** columns: [{title, render(row) → node|text, class}]. */
export function table(columns, rows, { rowClass, empty = '暂无数据' } = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', {}, c.title)));
  const body = rows.length
    ? rows.map((row, i) => h('tr', { class: rowClass ? rowClass(row) : '' },
      // the column's title goes on each cell: on a phone's screen a row is a card of label/value
      columns.map((c) => h('td', { class: c.class || '', dataset: { label: c.title } }, c.render(row, i)))))
    : [h('tr', {}, h('td', { class: 'empty', colSpan: columns.length }, empty))];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data' }, h('thead', {}, head), h('tbody', {}, body)));
}

export const PAGE_SIZES = [20, 50, 100];

/**
 * 共 N 条, 上一页 / 下一页, the page size (onSize, when given) and 跳至 a page. A page past the
 * end (the list shrank) offers the last one.
 */
export function pager(total, page, pageSize, onPage, onSize, capped = false) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const jump = h('input', { type: 'number', min: 1, max: pages, class: 'small pager-jump', placeholder: '页码', style: 'width:70px' });
  const go = () => {
    const n = Math.round(Number(jump.value));
    if (n >= 1 && n <= pages && n !== page) onPage(n);
  };
  jump.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') go(); });
  const size = onSize ? h('select', { class: 'small pager-size' },
    PAGE_SIZES.map((n) => h('option', { value: String(n) }, `每页 ${n} 条`))) : null;
  if (size) {
    size.value = String(pageSize);
    size.addEventListener('change', () => onSize(Number(size.value)));
  }
  return h('div', { class: 'pager' },
    // a keyword search stops counting at 10,000 (contract §10): "10,000+", pages past it unknown
    capped ? `共 ${total.toLocaleString('en-US')}+ 条，第 ${page} / ${pages}+ 页` : `共 ${total} 条，第 ${page} / ${pages} 页`,
    size,
    h('button', { type: 'button', class: 'small', disabled: page <= 1, onclick: () => onPage(1) }, '首页'),
    h('button', { type: 'button', class: 'small', disabled: page <= 1, onclick: () => onPage(Math.min(page - 1, pages)) }, '上一页'),
    h('button', { type: 'button', class: 'small', disabled: page >= pages, onclick: () => onPage(page + 1) }, '下一页'),
    h('button', { type: 'button', class: 'small', disabled: page >= pages, onclick: () => onPage(pages) }, '末页'),
    '跳至', jump, h('button', { type: 'button', class: 'small pager-go', onclick: go }, '页'));
}

/** A button that runs an async action and shows its error. */
export function actionButton(label, run, kind = 'small') {
  const btn = h('button', { type: 'button', class: kind }, label);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try { await run(); } catch (err) { showError(err); } finally { btn.disabled = false; }
  });
  return btn;
}

export function tags(list) {
  return (list || []).map((t) => h('span', { class: 'tag' }, t));
}

export function badge(text, color = '') {
  return h('span', { class: `badge ${color}` }, text);
}

/** Runs `fn` once after `ms` of quiet: a burst of live events reloads a list once. */
export function debounce(fn, ms = 400) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
