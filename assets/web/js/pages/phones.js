// 工作手机: the bound phones (§3.5) with online dot, primary and last active; set primary (§3.6),
// unbind with a confirm (§3.4); 绑定新手机 shows the QR (§3.1) with a countdown and closes itself on
// the PHONE_BOUND live event or when bind-status polling (§3.2) says connected.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, confirmDialog, debounce, h, modal, showError, table, toast } from '../ui.js';
import { fmtTime } from '../format.js';

const POLL_MS = 2000;

export function mount(container, { user, live }) {
  const list = h('div', { id: 'phone-list' });
  const reload = () => load().catch(showError);
  container.append(
    h('div', { class: 'toolbar' },
      h('span', { class: 'muted' }, '在工作手机上打开外呼助手，扫描二维码即可绑定。'),
      h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'primary', id: 'bind-phone', onclick: () => bindDialog(user, live, reload) }, '绑定新手机')),
    list);

  async function load() {
    const phones = ((await call(ep.phones())).data) || [];
    clear(list, table([
      {
        title: '状态', render: (p) => [h('span', { class: `dot ${p.onlineStatus === 'online' ? 'online' : ''}` }),
          p.onlineStatus === 'online' ? '在线' : '离线',
          h('div', { class: 'muted' }, p.onlineSince ? `${fmtTime(p.onlineSince)} 起` : (p.offlineSince ? `${fmtTime(p.offlineSince)} 起离线` : '')),
          p.droppedToday ? badge('今日掉线', 'red') : null],
      },
      { title: '设备', render: (p) => [p.deviceName || '未命名设备', h('div', { class: 'muted' }, [p.deviceModel, p.osType && `${p.osType} ${p.osVersion || ''}`].filter(Boolean).join(' · '))] },
      { title: '应用版本', render: (p) => p.appVersion || '—' },
      { title: '今日通话', render: (p) => p.callsToday ?? 0 },
      { title: '手机号', render: (p) => p.phoneNumber || '—' },
      ...(user.role === 'sales_staff' ? [] : [{ title: '使用人', render: (p) => p.userName || '—' }]),
      { title: '主要手机', render: (p) => (p.isPrimary ? badge('主要', 'blue') : '') },
      { title: '最后活跃', render: (p) => fmtTime(p.lastActiveAt) },
      { title: '绑定时间', render: (p) => fmtTime(p.createdAt) },
      {
        title: '操作', class: 'actions', render: (p) => [
          p.isPrimary ? null : actionButton('设为主要', async () => {
            const r = await call(ep.phonePrimary(p.id));
            toast(r.message || '已设为主要手机', 'ok');
            reload();
          }),
          h('button', { type: 'button', class: 'small danger', onclick: () => unbind(p) }, '解绑'),
        ],
      },
    ], phones, { rowClass: (p) => `phone-row ${p.onlineStatus === 'online' ? 'online' : 'offline'}`, empty: '还没有绑定工作手机' }));
  }

  async function unbind(p) {
    const name = p.deviceName || p.phoneNumber || `手机 ${p.id}`;
    if (!(await confirmDialog(`解绑“${name}”？解绑后这台手机将收不到拨号指令，需要重新扫码绑定。`, '解绑'))) return;
    try {
      const r = await call(ep.phoneUnbind(p.id));
      toast(r.message || '解绑成功', 'ok');
      reload();
    } catch (err) { showError(err); }
  }

  reload();
  const refresh = debounce(reload, 200);
  const offs = ['PHONE_ONLINE', 'PHONE_OFFLINE', 'PHONE_BOUND', 'PHONE_UNBOUND'].map((t) => live.on(t, refresh));
  return () => offs.forEach((off) => off());
}

/** Admins and managers may bind a phone for one of their people (§3.1 userId). */
async function userPicker(user) {
  if (user.role === 'sales_staff') return null;
  let users = [];
  try { users = (await call(ep.users())).data; } catch { return null; }
  // the phone is most likely a salesperson's who has none yet, not the admin's own (issue 30)
  let phones = [];
  try { phones = (await call(ep.phones())).data || []; } catch { /* the list is a hint only */ }
  const bound = new Set(phones.map((p) => p.userId));
  const active = users.filter((u) => !u.disabled);
  const likely = active.find((u) => u.role === 'sales_staff' && !bound.has(u.id))
    || active.find((u) => u.role === 'sales_staff') || active.find((u) => u.id === user.id);
  const select = h('select', { id: 'bind-user' }, active.map((u) =>
    h('option', { value: u.id }, `${u.displayName}（${u.username}）`)));
  if (likely) select.value = likely.id;
  return select;
}

/**
 * Shows the QR sharp enough for a camera: at its own size when that is 200–320 px, enlarged by a
 * whole factor without smoothing when smaller, smoothly reduced to 300 px when larger (dropping
 * pixel rows unevenly would break modules).
 */
function fitQr(ev) {
  const img = ev.target;
  const n = img.naturalWidth;
  let size = n;
  if (n < 200) size = n * Math.ceil(200 / n);
  else if (n > 320) size = 300;
  img.style.width = `${size}px`;
  img.style.height = `${size}px`;
  img.classList.toggle('pixelated', size > n);
}

async function bindDialog(user, live, reload) {
  const picker = await userPicker(user);
  const qrBox = h('div', { class: 'qr-box', id: 'bind-qr' }, h('p', { class: 'muted' }, '正在生成二维码…'));
  let timer = null;
  let offBound = () => {};
  let request = null;
  const stop = () => { clearInterval(timer); offBound(); };
  const { close } = modal({
    title: '绑定新手机',
    body: [picker ? h('div', { class: 'toolbar' }, h('label', {}, '绑定给', picker)) : null, qrBox],
    actions: [{ label: '关闭' }],
    onClose: stop,
  });

  async function generate() {
    stop();
    try {
      request = await call(ep.bindCode(), { body: picker ? { userId: picker.value } : {} });
    } catch (err) {
      clear(qrBox, h('p', { class: 'form-error' }, err.message));
      return;
    }
    const { qrCodeUrl, connectionId, expiresAt, serverUrl, serverUrlIsLoopback } = request.data;
    const countdown = h('div', { class: 'countdown', id: 'bind-countdown' });
    clear(qrBox, h('img', { src: qrCodeUrl, alt: '绑定二维码', id: 'bind-qr-image', onload: fitQr }),
      h('p', {}, '请用工作手机上的外呼助手扫描此二维码'), countdown,
      h('p', { class: 'muted', id: 'bind-server-url' }, `手机将连接 ${serverUrl || ''}`),
      serverUrlIsLoopback ? h('p', { class: 'form-error', id: 'bind-loopback-warning' },
        '注意：这是本机地址，手机无法访问。请用 --public-url 指定办公室局域网地址后重启。') : null);
    const deadline = new Date(expiresAt).getTime();
    let polling = false;
    const tick = async () => {
      const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      countdown.textContent = left > 0 ? `二维码 ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} 后过期` : '';
      if (left === 0) return expired();
      if (polling) return;
      polling = true;
      try { await checkStatus(connectionId); } finally { polling = false; }
    };
    timer = setInterval(tick, 1000);
    tick();
    // the live event closes the dialog at once; polling (§3.2) is the fallback when the socket is down
    // (an event that does not name our connectionId triggers an immediate status check)
    offBound = live.on('PHONE_BOUND', (data) => {
      if (data.connectionId === connectionId) bound(data.phone || data);
      else { lastPoll = 0; checkStatus(connectionId); }
    });
  }

  let lastPoll = 0;
  async function checkStatus(connectionId) {
    if (Date.now() - lastPoll < POLL_MS) return;
    lastPoll = Date.now();
    try {
      const s = (await call(ep.bindStatus(connectionId))).data;
      if (s.status === 'connected') bound(s.phone || {});
      else if (s.status === 'expired') expired();
    } catch (err) {
      if (err.status !== 0) showError(err);
    }
  }

  function bound(phone) {
    stop();
    close();
    toast(`绑定成功：${phone.deviceName || phone.phoneNumber || '新手机'}`, 'ok');
    reload();
  }

  function expired() {
    stop();
    clear(qrBox, h('p', { class: 'form-error' }, '二维码已过期'),
      h('button', { type: 'button', class: 'primary', onclick: generate }, '重新生成'));
  }

  if (picker) picker.addEventListener('change', generate);
  generate();
}
