// 用户 (admin only, contract §11): add, edit, reset password, disable / enable.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, confirmDialog, form, h, modal, showError, table, toast } from '../ui.js';
import { fmtTime, options, ROLE, word } from '../format.js';

export function mount(container, { user }) {
  const list = h('div', { id: 'user-list' });
  const reload = () => load(list).catch(showError);
  container.append(
    h('div', { class: 'toolbar' },
      h('span', { class: 'muted' }, '停用的账号不能登录，已登录的设备会立即失效。'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'primary', id: 'user-add', onclick: () => editUser(null, reload, departments) }, '新增用户')),
    list);
  reload();
  let departments = [];

  async function load(target) {
    const users = (await call(ep.users())).data;
    departments = [...new Set(users.map((u) => u.department).filter(Boolean))].sort();
    clear(target, table([
      { title: '用户名', render: (u) => u.username },
      { title: '姓名', render: (u) => u.realName || '—' },
      { title: '部门', render: (u) => u.department || '—' },
      { title: '角色', render: (u) => word(ROLE, u.role) },
      { title: '状态', render: (u) => (u.disabled ? badge('已停用', 'red') : badge('启用', 'green')) },
      { title: '创建时间', render: (u) => fmtTime(u.createdAt) },
      {
        title: '操作', class: 'actions', render: (u) => [
          actionButton('编辑', async () => editUser(u, reload, departments)),
          // one's own password is changed in 我的账号 (with the old one), not reset here
          u.id === user.id
            ? h('a', { href: '#/account', class: 'small' }, '我的账号')
            : actionButton('重置密码', async () => resetPassword(u)),
          u.disabled
            ? actionButton('启用', () => setDisabled(u, false))
            : h('button', { type: 'button', class: 'small danger', onclick: () => setDisabled(u, true) }, '停用'),
        ],
      },
    ], users, { rowClass: (u) => `user-row${u.disabled ? ' disabled' : ''}` }));
    for (const [i, tr] of target.querySelectorAll('tbody tr.user-row').entries()) {
      tr.dataset.username = users[i].username;
    }
  }

  async function setDisabled(u, disabled) {
    if (disabled && !(await confirmDialog(`停用用户“${u.displayName}”？停用后该账号立即无法登录。`, '停用'))) return;
    try {
      await call(ep.userUpdate(u.id), { body: { disabled } });
      toast(disabled ? '已停用' : '已启用', 'ok');
      reload();
    } catch (err) { showError(err); }
  }
}

function editUser(u, done, departments = []) {
  const roleOptions = options(ROLE);
  const fields = form([
    ...(u ? [] : [
      { name: 'username', label: '用户名', required: true, placeholder: '2–32位字母、数字或 _ . - @' },
      { name: 'password', label: '初始密码', type: 'password', required: true, placeholder: '至少6位' },
    ]),
    { name: 'realName', label: '姓名', value: u ? u.realName : '' },
    { name: 'department', label: '部门', value: u ? u.department : '' },
    { name: 'role', label: '角色', type: 'select', options: roleOptions, value: u ? u.role : 'sales_staff' },
  ]);
  fields.el.id = 'user-form';
  // 部门: the existing ones to pick (a typo made a second 销售一部), a new one typed (issue 30)
  const list = h('datalist', { id: 'department-list' }, departments.map((d) => h('option', { value: d })));
  fields.input('department').setAttribute('list', 'department-list');
  fields.input('department').placeholder = departments.length ? '选择已有部门，或输入新部门' : '如 销售一部';
  fields.el.append(list);
  modal({
    title: u ? `编辑用户 ${u.username}` : '新增用户',
    body: fields.el,
    actions: [
      { label: '取消' },
      {
        label: '保存', kind: 'primary', onClick: async () => {
          const v = fields.values();
          if (u) {
            await call(ep.userUpdate(u.id), { body: { realName: v.realName, department: v.department, role: v.role } });
          } else {
            if (!v.username || !v.password) throw new Error('请填写用户名和初始密码');
            await call(ep.userCreate(), { body: { ...v, password: fields.input('password').value } });
          }
          toast(u ? '用户已更新' : '用户已创建', 'ok');
          done();
        },
      },
    ],
  });
}

function resetPassword(u) {
  const fields = form([
    { name: 'password', label: '新密码', type: 'password', required: true, placeholder: '至少6位' },
    { name: 'confirm', label: '再输一次', type: 'password', required: true },
  ]);
  fields.el.id = 'password-form';
  modal({
    title: `重置 ${u.displayName} 的密码`,
    body: [fields.el, h('p', { class: 'muted' }, '重置后该用户已登录的设备需要用新密码重新登录。')],
    actions: [
      { label: '取消' },
      {
        label: '重置密码', kind: 'primary', onClick: async () => {
          const password = fields.input('password').value;
          if (password !== fields.input('confirm').value) throw new Error('两次输入的密码不一致');
          await call(ep.userPassword(u.id), { body: { password } });
          toast('密码已重置', 'ok');
        },
      },
    ],
  });
}
