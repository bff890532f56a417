// Formatting and the Chinese words for the API's values.

const pad = (n) => String(n).padStart(2, '0');

/** YYYY-MM-DD of a Date in the browser's (the office's) time zone. */
export function dateStr(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function daysAgo(n) {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return dateStr(d);
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${dateStr(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An ISO time → the value of an <input type="datetime-local">. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return `${dateStr(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of an <input type="datetime-local"> → ISO (UTC) or undefined. */
export function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : undefined;
}

/** Seconds in words: 42秒, 3分5秒, 1小时2分, 26小时 — never a clock time that wraps at a day. */
export function fmtDuration(sec) {
  const s = Math.max(0, Math.round(Number(sec) || 0));
  if (s < 60) return `${s}秒`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)}分${s % 60}秒` : `${s / 60}分`;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return minutes ? `${hours}小时${minutes}分` : `${hours}小时`;
}

export function fmtBytes(n) {
  let v = Number(n) || 0;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export const CALL_STATUS = {
  calling: '呼叫中', ringing: '振铃', connected: '已接通', missed: '未接听', busy: '对方忙线',
  rejected: '对方拒接', failed: '呼叫失败', canceled: '已取消',
};
export const CALL_TYPE = { outbound: '呼出', inbound: '呼入' };
export const ROLE = { admin: '管理员', manager: '经理', sales_staff: '销售' };
export const INTENTION = { high: '高', medium: '中', low: '低', none: '无' };
export const PRIORITY = { high: '高', medium: '中', low: '低' };
export const FOLLOW_STATUS = {
  new: '新客户', contacted: '已联系', interested: '有意向', considering: '考虑中', hesitant: '犹豫',
  not_interested: '无意向', deal: '已成交',
};
export const LEVEL = { normal: '普通', vip: 'VIP', important: '重要' };
export const QUICK_TAGS = ['意向', '无意向', '再联系', '成交'];

/** Options for a <select>: [['', allLabel], [value, word]...]. */
export function options(words, allLabel) {
  const list = Object.entries(words);
  return allLabel === undefined ? list : [['', allLabel], ...list];
}

export const word = (words, value) => words[value] || value || '—';

/** How long until `iso`, `secs` from now, as people say it: 45 秒后, 12 分钟后, 3 小时后（20:41）,
 * 3天后（12月10日 20:41） — never "4319 分钟后" (issue 30, item 8). */
export function fmtLater(secs, iso) {
  const at = new Date(iso);
  const clock = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  if (secs <= 90) return `${Math.max(0, Math.round(secs))} 秒后`;
  const minutes = Math.ceil(secs / 60);
  if (minutes < 60) return `${minutes} 分钟后（${clock}）`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} 小时后（${clock}）`;
  return `${Math.round(hours / 24)}天后（${at.getMonth() + 1}月${at.getDate()}日 ${clock}）`;
}
