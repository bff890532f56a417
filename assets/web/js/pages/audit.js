// 审计日志 (admin only, GET /api/v1/audit): who logged in, deleted, downloaded, changed a user or a
// setting, imported, dialed on another's phone — in words, newest first, filtered by action and
// date. Read-only: the log cannot be edited from here or anywhere else.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { clear, fieldError, h, showError, table } from '../ui.js';
import { fmtTime } from '../format.js';
import { filterBar, listPlace } from '../widgets/filters.js';

const PAGE_SIZE = 50;
const ACTIONS = [
  ['login', '登录'], ['login_failed', '登录失败'],
  ['user_create', '新增用户'], ['user_update', '修改用户'], ['user_disable', '停用用户'],
  ['user_enable', '启用用户'], ['user_password', '重置密码'],
  ['recording_delete', '删除录音'], ['recording_download', '下载录音'],
  ['call_delete', '删除通话记录'], ['customer_delete', '删除客户'], ['customer_bulk', '批量操作客户'], ['customer_import', '导入客户'], ['customer_import_undo', '撤销导入'], ['follow_up_delete', '删除跟进记录'], ['setting_change', '修改设置'], ['export', '导出'],
  ['campaign_create', '新建外呼任务'], ['campaign_assign', '分配外呼号码'], ['campaign_delete', '删除外呼任务'],
  ['do_not_call_add', '加入黑名单'], ['do_not_call_remove', '移出黑名单'], ['dial_for_other', '用他人手机拨打'],
];
const ACTION_WORD = Object.fromEntries(ACTIONS);

export function mount(container) {
  const place = listPlace(PAGE_SIZE);
  const list = h('div', { id: 'audit-list' });
  const filters = filterBar([
    { name: 'action', type: 'select', options: [['', '全部操作'], ...ACTIONS] },
    { name: 'startDate', label: '从', type: 'date' },
    { name: 'endDate', label: '到', type: 'date' },
  ], () => { place.page = 1; reload(); }, place.initial);
  container.append(
    h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, '审计日志只能查看，不能修改或删除。')),
    filters.el, list);
  const reload = () => load().catch(failed);
  // a bad filter (a date the wrong way round) is said next to it
  const failed = (err) => { if (!fieldError(filters.el, err)) showError(err); };

  async function load() {
    place.save(filters.values());
    const d = (await call(ep.audit(), { query: { page: place.page, pageSize: place.pageSize, ...filters.values() } })).data;
    clear(list, table([
      { title: '时间', render: (e) => fmtTime(e.time) },
      { title: '操作人', render: (e) => e.username },
      { title: '操作', render: (e) => ACTION_WORD[e.action] || e.action },
      // the line names whom and what (a deleted customer too); the record's id is kept beside it
      { title: '内容', render: (e) => e.detail || '—' },
      { title: '对象编号', render: (e) => h('span', { class: 'muted' }, e.target || '—') },
      { title: '来源地址', render: (e) => e.address || '本机命令行' },
    ], d.records || [], { rowClass: () => 'audit-row', empty: '暂无记录' }),
    place.pager(d, reload));
  }

  reload();
}
