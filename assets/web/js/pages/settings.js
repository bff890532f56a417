// 设置 (issue 14, admins): what the server believes — version, the address the QR codes carry
// (with a warning when no phone could reach it), time zone, data folder, disk and recordings,
// the last backup — and the settings it changes at runtime, kept over the flags' defaults.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { clear, h, showError, toast } from '../ui.js';
import { fmtBytes, fmtTime } from '../format.js';

const GB = 1024 ** 3;

export function mount(container) {
  const facts = h('div', { class: 'card', id: 'settings-facts' }, h('p', { class: 'muted' }, '加载中…'));
  const form = h('div', { class: 'card', id: 'settings-form' });
  const office = h('div', { class: 'card', id: 'settings-office' });
  const pace = h('div', { class: 'card', id: 'settings-pacing' });
  container.append(facts, office, pace, form);
  officeName(office).catch(showError);
  pacingCard(pace).catch(showError);

  async function load() {
    const s = (await call(ep.settings())).data;
    const backup = s.lastBackup
      ? `${fmtTime(s.lastBackup.at)}（${fmtBytes(s.lastBackup.bytes)}，${s.lastBackup.out}）`
      : '还没有备份过（在服务器上运行 dialbox backup --out 文件）';
    clear(facts, h('h3', {}, '服务器'),
      h('div', { class: 'form' },
        h('label', {}, '版本'), h('div', {}, s.version),
        h('label', {}, '手机连接地址'), h('div', { id: 'settings-public-url' }, s.publicUrl,
          s.publicUrlIsLoopback ? h('div', { class: 'form-error', id: 'settings-loopback' },
            '这是本机地址，工作手机无法访问：请用 --public-url 指定局域网地址后重启') : null),
        h('label', {}, '时区'), h('div', {}, s.timezone),
        h('label', {}, '数据目录'), h('div', {}, s.dataDir),
        h('label', {}, '磁盘'), h('div', {}, `剩余 ${fmtBytes(s.diskFree)} / 共 ${fmtBytes(s.diskTotal)}`),
        h('label', {}, '录音'), h('div', {}, `${s.recordingCount} 个，${fmtBytes(s.recordingBytes)}`),
        h('label', {}, '最近备份'), h('div', { id: 'settings-last-backup' }, backup),
        h('label', {}, '数据库检查'), databaseCheck(s.databaseCheck || {})));
    renderForm(s.settings, s.defaults);
  }

  function renderForm(now, defaults) {
    const field = (name, label, value, hint) => {
      const input = h('input', { name, type: 'number', min: 0, placeholder: hint });
      input.value = value ?? '';
      return [h('label', {}, label), input];
    };
    const gb = (b) => (b ? Math.round((b / GB) * 10) / 10 : '');
    const els = [
      field('recordingMaxAgeDays', '录音保留天数', now.recordingMaxAgeDays, `空：永久保留（启动参数：${defaults.recordingMaxAgeDays ?? '永久'}）`),
      field('recordingMaxGb', '录音总量上限（GB）', gb(now.recordingMaxBytes), `空：不限（启动参数：${gb(defaults.recordingMaxBytes) || '不限'}）`),
      field('bindTtlSecs', '二维码有效期（秒）', now.bindTtlSecs, `启动参数：${defaults.bindTtlSecs}`),
      field('dialTimeoutSecs', '拨号超时（秒）', now.dialTimeoutSecs, `启动参数：${defaults.dialTimeoutSecs}`),
      field('maxPhonesPerUser', '每人最多手机数', now.maxPhonesPerUser, `启动参数：${defaults.maxPhonesPerUser}`),
    ];
    const error = h('p', { class: 'form-error', id: 'settings-error', hidden: true });
    const save = h('button', { type: 'button', class: 'primary', id: 'settings-save' }, '保存设置');
    const body = h('div', { class: 'form' }, els.flat());
    const value = (name) => body.querySelector(`input[name=${name}]`).value.trim();
    save.addEventListener('click', async () => {
      error.hidden = true;
      const number = (name) => (value(name) === '' ? null : Number(value(name)));
      const maxGb = number('recordingMaxGb');
      const change = {
        recordingMaxAgeDays: number('recordingMaxAgeDays'),
        recordingMaxBytes: maxGb === null ? null : Math.round(maxGb * GB),
        bindTtlSecs: number('bindTtlSecs'),
        dialTimeoutSecs: number('dialTimeoutSecs'),
        maxPhonesPerUser: number('maxPhonesPerUser'),
      };
      // the three always-set values cannot be emptied: leave them as they are
      for (const k of ['bindTtlSecs', 'dialTimeoutSecs', 'maxPhonesPerUser']) if (change[k] === null) delete change[k];
      save.disabled = true;
      try {
        await call(ep.settingsUpdate(), { body: change });
        toast('设置已保存', 'ok');
        await load();
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
      } finally {
        save.disabled = false;
      }
    });
    clear(form, h('h3', {}, '运行设置'),
      h('p', { class: 'muted' }, '保存后立即生效，重启后仍然有效；每次修改都记入审计日志。'),
      body, error, h('div', { class: 'toolbar', style: 'margin:12px 0 0' }, save));
  }

  load().catch(showError);
}

/** 单位名称: the phone app (2.4.0) shows it as 租户 after login. */
async function officeName(card) {
  const input = h('input', { name: 'officeName', id: 'settings-office-name', maxlength: 64 });
  input.value = (await call(ep.office())).data.name;
  const save = h('button', { type: 'button', class: 'primary', id: 'settings-office-save' }, '保存');
  save.addEventListener('click', async () => {
    try {
      input.value = (await call(ep.officeUpdate(), { body: { name: input.value } })).data.name;
      toast('单位名称已保存', 'ok');
    } catch (err) { showError(err); }
  });
  clear(card, h('h3', {}, '单位名称'),
    h('p', { class: 'muted' }, '工作手机 App（2.4.0）登录后在“租户”处显示这个名称。'),
    h('div', { class: 'toolbar' }, input, save));
}

/** 外呼频率 (issue 30, item 6): the office's pace — quiet hours, the gap between calls, the
 * hourly and daily caps per phone — which the README said 设置 changes and it did not. */
async function pacingCard(card) {
  const d = (await call(ep.pacing())).data;
  const p = d.pacing;
  const input = (name, value, attrs = {}) => {
    const el = h('input', { name, ...attrs });
    el.value = value ?? '';
    return el;
  };
  const gap = input('minGapSeconds', p.minGapSeconds, { type: 'number', min: 0, step: 1 });
  const hour = input('maxPerHour', p.maxPerHour, { type: 'number', min: 0 });
  const day = input('maxPerDay', p.maxPerDay, { type: 'number', min: 0 });
  const quiet = input('quietHours', (p.quietHours || []).join(', '), { placeholder: '如 12:00-13:30, 20:00-09:00；空：不限' });
  const weekends = h('input', { type: 'checkbox', name: 'quietWeekends' });
  weekends.checked = Boolean(p.quietWeekends);
  // quiet hours hold the power dialer; a click asks to confirm unless the office says 所有拨号
  const scope = h('select', { name: 'quietHoursAllDials', id: 'pacing-quiet-scope' },
    h('option', { value: 'confirm' }, '自动外呼暂停；手动拨打需确认'),
    h('option', { value: 'all' }, '所有拨号都不允许'));
  scope.value = p.quietHoursAllDials ? 'all' : 'confirm';
  const error = h('p', { class: 'form-error', id: 'pacing-error', hidden: true });
  const save = h('button', { type: 'button', class: 'primary', id: 'pacing-save' }, '保存外呼频率');
  save.addEventListener('click', async () => {
    error.hidden = true;
    try {
      await call(ep.pacingUpdate(), { body: {
        minGapSeconds: Number(gap.value || 0),
        maxPerHour: Number(hour.value || 0),
        maxPerDay: Number(day.value || 0),
        quietHours: quiet.value.split(/[,，;；\s]+/).map((t) => t.trim()).filter(Boolean),
        quietWeekends: weekends.checked,
        quietHoursAllDials: scope.value === 'all',
      } });
      toast('外呼频率已保存', 'ok');
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    }
  });
  clear(card, h('h3', {}, '外呼频率'),
    h('p', { class: 'muted' }, '对每部工作手机生效：点击拨打和自动外呼都遵守；0 表示不限。保存后立即生效，记入审计日志。'),
    h('div', { class: 'form' },
      h('label', {}, '两通间隔（秒）'), gap,
      h('label', {}, '每小时最多'), hour,
      h('label', {}, '每天最多'), day,
      h('label', {}, '免打扰时段'), quiet,
      h('label', {}, '周末免打扰'), h('div', {}, weekends),
      h('label', {}, '免打扰时段内'), scope),
    error, h('div', { class: 'toolbar', style: 'margin:12px 0 0' }, save));
}

const CHECK_REASON = { first: '首次', unclean_stop: '非正常停止后', daily: '每日' };

/** The database's health (issue 32, item 2): the whole-file check runs in the background
 * after an unclean stop and daily; what it found, and any damage a request met since. */
function databaseCheck(c) {
  const last = c.lastRunAt
    ? `${fmtTime(c.lastRunAt)}（${CHECK_REASON[c.reason] || c.reason}检查，用时 ${(c.tookMs / 1000).toFixed(1)} 秒）：${c.ok ? '完好' : '发现损坏'}`
    : '尚未检查';
  return h('div', { id: 'settings-db-check' },
    h('div', { class: c.ok === false ? 'form-error' : '' }, c.running ? `${last}；正在检查…` : last),
    c.ok === false && c.detail ? h('div', { class: 'muted' }, c.detail) : null,
    c.damageMet ? h('div', { class: 'form-error' }, `${fmtTime(c.damageMet.at)} 读取数据时遇到损坏：${c.damageMet.detail}`) : null,
    c.ok === false || c.damageMet
      ? h('div', { class: 'form-error' }, '请停止服务器，用最近的备份恢复数据库（dialbox backup 生成备份）。') : null);
}
