// Filter bars shared by the list pages: date range, person (for admins and managers) and paging
// state. `filterBar(fields, onSearch)` returns {el, values()}.

import { api } from '../api.js';
import { h } from '../ui.js';

/** A <select> of the people the caller may see; null for sales staff (they see only their own). */
export function personSelect(user) {
  if (user.role === 'sales_staff') return null;
  const select = h('select', { name: 'userId' }, h('option', { value: '' }, '全部人员'));
  api.get('/api/v1/users').then((users) => {
    for (const u of users) select.append(h('option', { value: u.id }, u.realName || u.username));
  }).catch(() => { select.hidden = true; });
  return select;
}

/**
 * fields: [{name, label, type: 'date'|'text'|'select', options, placeholder}] or ready elements
 * (with a name). Enter in a text field or the 查询 button runs onSearch.
 */
export function filterBar(fields, onSearch) {
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
