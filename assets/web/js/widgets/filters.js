// Filter bars shared by the list pages: date range, person (for admins and managers), and the
// list's place (page, size, filters) kept in the URL. `filterBar(fields, onSearch)` returns
// {el, values()}.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { h, PAGE_SIZES, pager, toast } from '../ui.js';

/** A <select> of the people the caller may see; null for sales staff (they see only their own). */
export function personSelect(user, initial = '', name = 'userId', allLabel = '全部人员') {
  if (user.role === 'sales_staff') return null;
  const select = h('select', { name }, h('option', { value: '' }, allLabel));
  // the person the URL names counts from the first load, before the names arrive
  const pending = initial ? h('option', { value: initial }, '…') : null;
  if (pending) { select.append(pending); select.value = initial; }
  call(ep.users()).then((r) => r.data).then((users) => {
    const chosen = select.value;
    for (const u of users) select.append(h('option', { value: u.id }, u.displayName));
    if (pending) pending.remove();
    select.value = chosen;
  }).catch(() => { select.hidden = true; });
  return select;
}

/**
 * A list's place — page, page size and filters — kept in the URL (`#/calls?keyword=王&page=3`),
 * so a reload or a shared link shows the same list. `initial` holds what the URL said;
 * `save(filters)` writes the place back without a new history entry.
 */
export function listPlace(defaultSize = 20) {
  const query = new URLSearchParams(location.hash.split('?')[1] || '');
  const size = Number(query.get('pageSize'));
  const place = {
    page: Math.max(1, Math.floor(Number(query.get('page'))) || 1),
    pageSize: PAGE_SIZES.includes(size) ? size : defaultSize,
    initial: Object.fromEntries(query),
  };
  place.save = (filters) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
    if (place.page > 1) params.set('page', String(place.page));
    if (place.pageSize !== defaultSize) params.set('pageSize', String(place.pageSize));
    const id = location.hash.replace(/^#\/?/, '').split('?')[0];
    const text = params.toString();
    history.replaceState(null, '', `#/${id}${text ? `?${text}` : ''}`);
  };
  place.toPage = (reload) => (p) => { place.page = p; reload(); };
  place.toSize = (reload) => (n) => { place.pageSize = n; place.page = 1; reload(); };
  /** The pager under a list page `d` (the server's paged answer) that `reload` fills again. */
  place.pager = (d, reload) => pager(d.total || 0, d.page || place.page, d.pageSize || place.pageSize,
    place.toPage(reload), place.toSize(reload), Boolean(d.totalCapped));
  return place;
}

/**
 * fields: [{name, label, type: 'date'|'text'|'select', options, placeholder}] or ready elements
 * (with a name). Enter in a text field or the 查询 button runs onSearch.
 */
export function filterBar(fields, onSearch, initial = {}) {
  const inputs = [];
  const items = fields.filter(Boolean).map((f) => {
    if (f instanceof HTMLElement) { inputs.push(f); return f; }
    let input;
    if (f.type === 'select') {
      input = h('select', { name: f.name }, f.options.map(([v, t]) => h('option', { value: v }, t)));
    } else {
      input = h('input', { name: f.name, type: f.type || 'search', placeholder: f.placeholder || '' });
      if (f.type !== 'date') input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onSearch(); });
    }
    if (f.value) input.value = f.value;
    if (initial[f.name]) input.value = initial[f.name];
    inputs.push(input);
    return f.label ? h('label', {}, f.label, input) : input;
  });
  const el = h('div', { class: 'toolbar filters' }, items,
    h('button', { type: 'button', class: 'primary', onclick: onSearch }, '查询'),
    h('button', {
      type: 'button', onclick: () => { inputs.forEach((i) => { i.value = ''; }); onSearch(); },
    }, '重置'));
  const values = () => Object.fromEntries(inputs.map((i) => [i.name, i.value.trim()]));
  return { el, values };
}

/**
 * 导出: the server writes the file with the list's filters and answers a one-use link, which
 * the browser then downloads as any file (the export is never held in the page).
 */
export async function exportFile(endpoint, filters, format = 'xlsx') {
  const r = (await call(endpoint, { query: { ...filters, format } })).data;
  const a = h('a', { href: r.downloadUrl, download: r.fileName, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  toast(`已导出 ${r.rows} 行`, 'ok');
  return r;
}
