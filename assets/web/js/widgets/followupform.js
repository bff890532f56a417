// The follow-up form after a call (§5.1's fields, quick tags 意向/无意向/再联系/成交).
// It saves with one §5.1 request, the phone's own: the server writes the call's notes and tags,
// the follow-up and the customer's tags, follow status and next follow time in one transaction
// (contract §7). The page keeps no copy of those rules.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { emit, FOLLOW_UPS_CHANGED } from '../bus.js';
import { h, showError, toast } from '../ui.js';
import { fromLocalInput, INTENTION, QUICK_TAGS } from '../format.js';

/** Toggle buttons for the quick tags plus a free-text field; `.value()` gives the tag list. */
export function tagPicker(initial = []) {
  const chosen = new Set(initial);
  const extra = h('input', { placeholder: '其他标签，逗号分隔', name: 'extraTags' });
  extra.value = initial.filter((t) => !QUICK_TAGS.includes(t)).join(', ');
  const buttons = QUICK_TAGS.map((tag) => {
    const b = h('button', { type: 'button', class: `small${chosen.has(tag) ? ' on' : ''}`, dataset: { tag } }, tag);
    b.addEventListener('click', () => {
      if (chosen.has(tag)) chosen.delete(tag); else chosen.add(tag);
      b.classList.toggle('on', chosen.has(tag));
    });
    return b;
  });
  const el = h('div', { class: 'quick-tags' }, buttons, extra);
  const value = () => {
    const typed = extra.value.split(/[,，]/).map((t) => t.trim()).filter(Boolean);
    return [...new Set([...QUICK_TAGS.filter((t) => chosen.has(t)), ...typed])];
  };
  return { el, value };
}

export function followUpForm({ callId, customer, onSaved }) {
  const notes = h('textarea', { name: 'notes', placeholder: '通话备注' });
  const picker = tagPicker();
  const intention = h('select', { name: 'intention' }, h('option', { value: '' }, '未选择'),
    Object.entries(INTENTION).map(([v, t]) => h('option', { value: v }, t)));
  const required = h('input', { type: 'checkbox', name: 'followUpRequired' });
  const next = h('input', { type: 'datetime-local', name: 'nextFollowUpDate' });
  const submit = h('button', { type: 'button', class: 'primary', id: 'followup-submit' }, '保存跟进');
  submit.addEventListener('click', async () => {
    submit.disabled = true;
    try {
      await save();
      toast('跟进记录已保存', 'ok');
      emit(FOLLOW_UPS_CHANGED);
      onSaved();
    } catch (err) {
      showError(err);
      submit.disabled = false;
    }
  });

  async function save() {
    const nextDate = fromLocalInput(next.value);
    await call(ep.afterCallFollowUp(), { body: {
      callId,
      customerId: customer.id || undefined,
      notes: notes.value.trim(),
      tags: picker.value(),
      intention: intention.value || undefined,
      followUpRequired: required.checked || Boolean(nextDate),
      nextFollowUpDate: nextDate,
    } });
  }

  return h('div', { class: 'card', style: 'margin:10px 0 0;padding:12px' },
    h('h3', {}, '跟进记录'),
    h('div', { class: 'form' },
      h('label', {}, '快捷标签'), picker.el,
      h('label', {}, '备注'), notes,
      h('label', {}, '客户意向'), intention,
      h('label', {}, '需要跟进'), h('div', {}, required),
      h('label', {}, '下次跟进'), next),
    h('div', { class: 'toolbar', style: 'margin:12px 0 0;justify-content:flex-end' }, submit));
}
