// 我的账号 (issue 14): who you are, and changing your own password with the old one. The
// server answers with a new token for this session; every other login (and the bound phones)
// must log in again.

import { call, session } from '../api.js';
import * as ep from '../endpoints.js';
import { form, h, toast } from '../ui.js';
import { ROLE, word } from '../format.js';

export function mount(container, { user }) {
  const fields = form([
    { name: 'oldPassword', label: '原密码', type: 'password', required: true },
    { name: 'newPassword', label: '新密码', type: 'password', required: true, placeholder: '6到128位' },
    { name: 'confirm', label: '确认新密码', type: 'password', required: true },
  ]);
  fields.el.id = 'password-form';
  const error = h('p', { class: 'form-error', id: 'password-error', role: 'alert', hidden: true });
  const done = h('p', { class: 'muted', id: 'password-done', hidden: true });
  const submit = h('button', { type: 'button', class: 'primary', id: 'password-submit' }, '修改密码');
  submit.addEventListener('click', async () => {
    const v = fields.values();
    error.hidden = true;
    done.hidden = true;
    if (v.newPassword !== v.confirm) {
      error.textContent = '两次输入的新密码不一致';
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    try {
      const r = await call(ep.ownPassword(), { body: { oldPassword: v.oldPassword, newPassword: v.newPassword } });
      session.save(r.data.token, session.user || user);
      for (const name of ['oldPassword', 'newPassword', 'confirm']) fields.input(name).value = '';
      toast('密码已修改，其他登录需重新登录', 'ok');
      done.textContent = `密码已修改（${new Date().toLocaleTimeString()}），其他登录需重新登录`;
      done.hidden = false;
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  container.append(
    h('div', { class: 'card', id: 'account-info' }, h('h3', {}, '账号信息'),
      h('div', { class: 'form' },
        h('label', {}, '用户名'), h('div', {}, user.username),
        h('label', {}, '姓名'), h('div', {}, user.realName || '—'),
        h('label', {}, '部门'), h('div', {}, user.department || '—'),
        h('label', {}, '角色'), h('div', {}, word(ROLE, user.role)))),
    h('div', { class: 'card' }, h('h3', {}, '修改密码'),
      h('p', { class: 'muted' }, '修改后本页继续使用；其他电脑上的登录和已绑定的工作手机需要重新登录。'),
      fields.el, error, done,
      h('div', { class: 'toolbar', style: 'margin:12px 0 0' }, submit)));
}
