// Formatting and the Chinese words for the API's values.

const pad = (n) => String(n).padStart(2, '0');

// Dates and times are the office's (the server's zone, from /auth/me), not the PC's clock: a PC
// set to another zone, or to UTC, showed another "today" (issue 30, item 8). Until the zone is
// known (the login page) the browser's own is used.
let zone;
let fields = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  second: '2-digit', hourCycle: 'h23',
});

/** Sets the office's IANA zone (`Asia/Shanghai`); an unknown name keeps the browser's. */
export function setOfficeZone(name) {
  try {
    fields = new Intl.DateTimeFormat('en-CA', {
      timeZone: name || undefined, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    zone = name;
  } catch { /* keep the browser's zone */ }
}

export function officeZone() { return zone; }

/** The office's wall clock at `d`: {year, month, day, hour, minute, second} as numbers. */
function wall(d) {
  const out = {};
  for (const p of fields.formatToParts(d)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** YYYY-MM-DD of a Date in the office's time zone. */
export function dateStr(d = new Date()) {
  const w = wall(d);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** The office's date `n` days before today. */
export function daysAgo(n) {
  const w = wall(new Date());
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day - n));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const w = wall(d);
  return `${dateStr(d)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** An ISO time → the value of an <input type="datetime-local">, in the office's time. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const w = wall(d);
  return `${dateStr(d)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** The value of an <input type="datetime-local"> (office time) → ISO (UTC) or undefined. */
export function fromLocalInput(value) {
  if (!value) return undefined;
  const [date, time] = value.split('T');
  const [y, mo, da] = date.split('-').map(Number);
  const [h, mi] = (time || '00:00').split(':').map(Number);
  const guess = Date.UTC(y, mo - 1, da, h, mi);
  // the zone's offset at that instant, applied twice to settle across a change of offset
  const offset = (t) => {
    const w = wall(new Date(t));
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - t;
  };
  let t = guess - offset(guess);
  t = guess - offset(t);
  return new Date(t).toISOString();
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
  const at = wall(new Date(iso));
  const clock = `${pad(at.hour)}:${pad(at.minute)}`;
  if (secs <= 90) return `${Math.max(0, Math.round(secs))} 秒后`;
  const minutes = Math.ceil(secs / 60);
  if (minutes < 60) return `${minutes} 分钟后（${clock}）`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} 小时后（${clock}）`;
  return `${Math.round(hours / 24)}天后（${at.month}月${at.day}日 ${clock}）`;
}

/**
 * One of a call's recordings, named so two of them are told apart (issue 30, item 8): its
 * number among them, when it came, how long, and the file's format.
 */
export function recordingLabel(rec, index, count) {
  const parts = [fmtTime(rec.createdAt), fmtDuration(rec.duration), (rec.format || '').toUpperCase()].filter(Boolean);
  const which = count > 1 ? `录音 ${index + 1}/${count}` : '录音';
  return `${which}（${parts.join('，')}）`;
}
