// 概览: today's figures (§5.5 over today), the 7/30-day trend and per-person table (§5.5), the
// phones online now (§3.5, kept live by PHONE_ONLINE / PHONE_OFFLINE), and the follow-ups due
// today and overdue with 拨打 (issue 14).

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { FOLLOW_UPS_CHANGED, on } from '../bus.js';
import { badge, clear, debounce, h, showError, table } from '../ui.js';
import { daysAgo, dateStr, fmtDuration, fmtTime } from '../format.js';
import { dial } from '../widgets/callpanel.js';
import { exportFile } from '../widgets/filters.js';
import { DUE } from './followups.js';
import { trendChart } from '../chart.js';

export function mount(container, { live, user }) {
  let days = 7;
  const due = h('div', { id: 'due-follow-ups' });
  const today = h('div', { class: 'stats', id: 'today-stats' });
  const chart = h('div', { class: 'chart', id: 'trend-chart' });
  const people = h('div', { id: 'user-stats' });
  const departments = h('div', { id: 'department-stats' });
  const phones = h('div', { id: 'phones-online' });
  // the range: 近7天 / 近30天, or any dates typed in (days = 0)
  const from = h('input', { type: 'date', id: 'range-from', class: 'small' });
  const to = h('input', { type: 'date', id: 'range-to', class: 'small' });
  const setDays = (n) => { days = n; from.value = daysAgo(n - 1); to.value = dateStr(); };
  setDays(days);
  const rangeButtons = [7, 30].map((n) => h('button', {
    type: 'button', class: `small${n === days ? ' primary' : ''}`, dataset: { days: n },
    onclick: () => { setDays(n); run(loadRange); },
  }, `近${n}天`));
  const custom = h('button', { type: 'button', class: 'small', id: 'range-apply', onclick: () => { days = 0; run(loadRange); } }, '查询');
  const exportStats = h('button', {
    type: 'button', class: 'small', id: 'stats-export',
    onclick: () => exportFile(ep.statisticsExport(), { startDate: from.value, endDate: to.value }).catch(showError),
  }, '导出 Excel');

  const firstRun = h('div', { id: 'first-run' });
  container.append(
    firstRun,
    h('h3', { class: 'muted', style: 'margin-bottom:8px' }, '今日'),
    today,
    h('div', { class: 'grid2' },
      h('div', { class: 'card' },
        h('div', { class: 'toolbar' }, h('h3', { style: 'margin:0' }, '通话趋势'), h('span', { class: 'spacer' }),
          h('span', { class: 'legend' }, h('span', {}, h('i', { style: 'background:#5b8fe0' }), '通话数'),
            h('span', {}, h('i', { style: 'background:#d9822b' }), '接通率')),
          rangeButtons, from, '—', to, custom, exportStats),
        chart),
      h('div', { class: 'card' }, h('h3', {}, '在线工作手机'), phones)),
    h('div', { class: 'card' }, h('h3', {}, '待跟进'), due),
    h('div', { class: 'card' }, h('h3', {}, '人员排名（所选时段）'), people),
    h('div', { class: 'card' }, h('h3', {}, '部门统计（所选时段）'), departments));

  // 今日待跟进 / 已逾期 (issue 14): the counts, then the overdue and today's ones with 拨打
  async function loadDue() {
    const [counts, overdue, today] = await Promise.all([
      call(ep.followUpsDue()).then((r) => r.data),
      call(ep.followUps(), { query: { due: 'overdue', pageSize: 10 } }).then((r) => r.data),
      call(ep.followUps(), { query: { due: 'today', pageSize: 10 } }).then((r) => r.data),
    ]);
    const rows = [...(overdue.records || []), ...(today.records || [])];
    const link = (word, n, cls) => h('a', { href: `#/followups?due=${word}`, class: `stat due-${word}` },
      h('div', { class: 'label' }, DUE[word]), h('div', { class: `value ${cls}` }, n));
    clear(due,
      h('div', { class: 'stats' }, link('today', counts.today, ''), link('overdue', counts.overdue, 'red-text')),
      rows.length ? table([
        { title: '客户', render: (r) => r.customerName || '—' },
        { title: '内容', render: (r) => h('div', { style: 'white-space:pre-wrap;max-width:360px' }, r.text || r.content) },
        { title: '下次跟进', render: (r) => [fmtTime(r.nextFollowUp), ' ', badge(DUE[r.due] || '', r.due === 'overdue' ? 'red' : 'orange')] },
        { title: '负责人', render: (r) => r.createdByName || '—' },
        {
          title: '操作', class: 'actions', render: (r) => (r.customerId ? h('button', {
            type: 'button', class: 'small primary dial', onclick: () => dial({ id: r.customerId, name: r.customerName }, live, user),
          }, '拨打') : null),
        },
      ], rows, { rowClass: (r) => `due-row ${r.due}` }) : h('p', { class: 'muted' }, '今天没有到期的跟进'));
  }

  async function loadToday() {
    const t = dateStr();
    const s = (await call(ep.statistics(), { query: { startDate: t, endDate: t } })).data;
    clear(today, [
      ['通话总数', s.totalCalls], ['已接通', s.connectedCalls], ['未接通', s.missedCalls],
      ['呼出', s.outgoingCalls], ['呼入', s.incomingCalls], ['接通率', `${s.connectionRate ?? 0}%`],
      // the average talk time of the connected calls, as an office reads it (§5.5's
      // averageDuration counts unanswered calls as 0 seconds)
      ['通话时长', fmtDuration(s.totalDuration)], ['平均通话时长（已接通）', fmtDuration(s.averageTalkTime)],
    ].map(([label, value]) => h('div', { class: 'stat' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value ?? 0))));
  }

  /** The active salespeople (those the caller may list) with no row in `rows`, as rows of 0. */
  async function silent(rows) {
    if (user.role === 'sales_staff') return [];
    let all = [];
    try { all = (await call(ep.users())).data || []; } catch { return []; }
    const counted = new Set(rows.map((u) => u.userId));
    return all.filter((u) => !u.disabled && u.role === 'sales_staff' && !counted.has(u.id))
      .map((u) => ({
        userId: u.id, userName: u.displayName, department: u.department, calls: 0,
        outgoingCalls: 0, incomingCalls: 0, connectedCalls: 0, connectionRate: 0, duration: 0, averageTalkTime: 0,
      }));
  }

  async function loadRange() {
    rangeButtons.forEach((b) => b.classList.toggle('primary', Number(b.dataset.days) === days));
    const s = (await call(ep.statistics(), { query: { startDate: from.value, endDate: to.value } })).data;
    clear(chart, trendChart(s.dailyStats || []));
    const rank = (rows, first) => table([
      { title: '#', render: (_, i) => i + 1 },
      first,
      { title: '通话数', render: (u) => u.calls },
      { title: '呼出 / 呼入', render: (u) => `${u.outgoingCalls ?? 0} / ${u.incomingCalls ?? 0}` },
      { title: '已接通', render: (u) => u.connectedCalls },
      { title: '接通率', render: (u) => `${u.connectionRate ?? 0}%` },
      { title: '通话时长', render: (u) => fmtDuration(u.duration) },
      { title: '平均通话（已接通）', render: (u) => fmtDuration(u.averageTalkTime) },
    ], rows);
    // the people ranked by calls (the server's order), then the departments; the people with
    // no call in the range are listed last with 0 — the ones a manager looks for (issue 30)
    const ranked = [...(s.userStats || []), ...(await silent(s.userStats || []))];
    clear(people, rank(ranked, { title: '姓名', render: (u) => [u.userName, ' ', h('span', { class: 'muted' }, u.department || '')] }));
    clear(departments, rank(s.departmentStats || [], { title: '部门', render: (d) => d.department || '（未分部门）' }));
  }

  async function loadPhones() {
    const list = (await call(ep.phones())).data;
    const online = (list || []).filter((p) => p.onlineStatus === 'online');
    // a phone that worked today and is gone now stands out: calls to its person will fail
    const dropped = (list || []).filter((p) => p.droppedToday);
    clear(phones,
      h('div', { class: 'stat', style: 'margin-bottom:10px' }, h('div', { class: 'label' }, '在线 / 已绑定'),
        h('div', { class: 'value', id: 'online-count' }, `${online.length} / ${(list || []).length}`)),
      online.length
        ? h('ul', { style: 'margin:0;padding-left:0;list-style:none' }, online.map((p) => h('li', { style: 'padding:4px 0' },
          h('span', { class: 'dot online' }), p.deviceName || p.deviceModel || `手机 ${p.id}`,
          ' ', h('span', { class: 'muted' }, [p.userName, p.phoneNumber].filter(Boolean).join(' · ')))))
        : h('p', { class: 'muted' }, '暂无在线手机'),
      dropped.length ? h('ul', { id: 'phones-dropped', style: 'margin:8px 0 0;padding-left:0;list-style:none' }, dropped.map((p) => h('li', { class: 'red-text', style: 'padding:4px 0' },
        h('span', { class: 'dot' }), `${p.userName} · ${p.deviceName || p.deviceModel || `手机 ${p.id}`} 今日已掉线（${fmtTime(p.offlineSince)} 起）`))) : null);
  }

  const run = (f) => f().catch(showError);
  run(loadToday); run(loadRange); run(loadPhones); run(loadDue);
  if (user.role === 'admin') run(() => firstRunChecklist(firstRun));
  const offs = [
    on(FOLLOW_UPS_CHANGED, () => run(loadDue)),
    live.on('PHONE_ONLINE', () => run(loadPhones)),
    live.on('PHONE_OFFLINE', () => run(loadPhones)),
    live.on('PHONE_BOUND', () => run(loadPhones)),
    live.on('PHONE_UNBOUND', () => run(loadPhones)),
    live.on('CALL_STATE', debounce(() => run(loadToday))),
  ];
  return () => {
    offs.forEach((off) => off());
  };
}

/** 开始使用 (issue 30, item 9): for an admin, until the office is set up — the printed password
 * changed, people added, phones bound, customers imported — with a link to each step, and a
 * warning when the office's zone is UTC (every "today" would be 8 hours off in China). */
async function firstRunChecklist(box) {
  const [me, users, phones, customers, settings] = await Promise.all([
    call(ep.me()), call(ep.users()), call(ep.phones()),
    call(ep.customers(), { query: { pageSize: 1 } }), call(ep.settings()),
  ].map((p) => p.then((r) => r.data)));
  const steps = [
    [me.passwordChanged, '修改首次启动时打印的管理员密码', '#/account', '我的账号'],
    [(users || []).length > 1, '添加销售人员', '#/users', '用户'],
    [(phones || []).length > 0, '绑定工作手机（扫码）', '#/phones', '工作手机'],
    [(customers.total || 0) > 0, '导入客户名单', '#/customers', '客户'],
  ];
  const utc = settings.timezone === 'Etc/UTC' || settings.timezone === 'UTC';
  box.dataset.checked = 'true'; // asked and answered (the browser test waits for it)
  // a damaged database is the first thing an admin must see (issue 32, item 2)
  const check = settings.databaseCheck || {};
  if (check.ok === false || check.damageMet) {
    box.before(h('div', { class: 'card form-error', id: 'db-damage-warning' },
      '数据库文件有损坏：部分数据读取会失败。请停止服务器，用最近的备份恢复。详见“设置 → 数据库检查”。'));
  }
  if (steps.every(([done]) => done) && !utc) return;
  clear(box, h('div', { class: 'card', id: 'first-run-card' },
    h('h3', {}, '开始使用'),
    h('ul', { class: 'checklist' }, steps.map(([done, text, href, page]) => h('li', { class: done ? 'done' : 'todo' },
      done ? '✓ ' : '○ ', text, done ? null : [' — ', h('a', { href }, `去“${page}”`)]))),
    utc ? h('p', { class: 'form-error', id: 'first-run-utc' },
      `办公时区为 ${settings.timezone}：统计里的“今天”会与北京时间差 8 小时。请用 --timezone Asia/Shanghai（或环境变量 DIALBOX_TIMEZONE）重启服务器。`) : null));
}
