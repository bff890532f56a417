// 录音 (§4.4–§4.8): filters, an inline player that seeks (the signed fileUrl serves Range),
// download through §4.6's url, delete, the §4.8 figures and, for the admin, the disk's free
// space and the retention settings (GET /api/v1/system/storage).

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, clear, confirmDialog, fieldError, h, showError, table, toast } from '../ui.js';
import { fmtBytes, fmtDuration, fmtTime } from '../format.js';
import { exportFile, filterBar, listPlace, personSelect } from '../widgets/filters.js';

const PAGE_SIZE = 20;
const STAT_LABELS = {
  totalCount: ['录音总数', 'count'], totalSize: ['总大小', 'bytes'],
  todayCount: ['今日录音', 'count'], todaySize: ['今日大小', 'bytes'],
};

function statCard(key, label, value) {
  return h('div', { class: 'stat', dataset: { key } }, h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value));
}

/** The admin's storage cards: free space of the data folder's disk, and what retention keeps. */
async function storageCards() {
  const s = (await call(ep.storage())).data;
  const keep = [
    s.maxAgeDays ? `${s.maxAgeDays} 天` : null,
    s.maxBytes ? `不超过 ${fmtBytes(s.maxBytes)}` : null,
  ].filter(Boolean).join('，') || '永久';
  return [
    statCard('diskFree', `磁盘剩余空间（共 ${fmtBytes(s.diskTotal)}）`, fmtBytes(s.diskFree)),
    statCard('retention', '录音保留', keep),
    // what the reconcile found after a crash or a restore: shown only when there is something
    ...(s.missingFiles ? [statCard('missingFiles', '文件丢失的录音', s.missingFiles)] : []),
    ...(s.orphanedFiles ? [statCard('orphanedFiles', '无记录的录音文件（recordings/orphaned）',
      `${s.orphanedFiles} 个，${fmtBytes(s.orphanedBytes)}`)] : []),
  ];
}

export function mount(container, ctx) {
  const place = listPlace(PAGE_SIZE);
  const stats = h('div', { class: 'stats', id: 'recording-stats' });
  const list = h('div', { id: 'recording-list' });
  const filters = filterBar([
    { name: 'startDate', label: '从', type: 'date' },
    { name: 'endDate', label: '到', type: 'date' },
    ctx && ctx.user ? personSelect(ctx.user, place.initial.userId) : null,
    { name: 'keyword', placeholder: '客户姓名 / 电话' },
  ], () => { place.page = 1; reload(); }, place.initial);
  filters.el.append(h('span', { class: 'spacer' }),
    h('button', { type: 'button', id: 'recordings-export', onclick: () => exportFile(ep.recordingsExport(), filters.values()).catch(failed) }, '导出 Excel'));
  container.append(stats, filters.el, list);
  const reload = () => { load().catch(failed); loadStats().catch(showError); };
  // a bad filter (a date the wrong way round) is said next to it
  const failed = (err) => { if (!fieldError(filters.el, err)) showError(err); };

  async function loadStats() {
    const s = (await call(ep.recordingStats())).data;
    const cards = Object.entries(STAT_LABELS).map(([key, [label, kind]]) =>
      statCard(key, label, kind === 'bytes' ? fmtBytes(s[key] || 0) : (s[key] || 0)));
    if (ctx && ctx.user && ctx.user.role === 'admin') cards.push(...await storageCards());
    clear(stats, cards);
  }

  async function load() {
    place.save(filters.values());
    const d = (await call(ep.recordings(), { query: { page: place.page, pageSize: place.pageSize, ...filters.values() } })).data;
    clear(list, table([
      { title: '时间', render: (r) => fmtTime(r.createdAt) },
      { title: '客户', render: (r) => [r.customerName || '—', h('div', { class: 'muted' }, r.customerPhone || '')] },
      { title: '人员', render: (r) => r.userName || '—' },
      { title: '时长', render: (r) => fmtDuration(r.duration) },
      { title: '大小', render: (r) => fmtBytes(r.fileSize) },
      {
        title: '播放', render: (r) => {
          if (r.fileMissing) return h('span', { class: 'muted file-missing' }, '文件丢失');
          // AMR (common on Android) and some 3GP files do not play in a browser: say so
          if (!playable(r.format)) {
            return h('span', { class: 'muted not-playable' }, `浏览器无法播放 ${String(r.format).toUpperCase()} 格式，请下载后播放`);
          }
          return h('audio', { controls: true, preload: 'metadata', src: r.fileUrl, dataset: { id: r.id } });
        },
      },
      {
        title: '操作', class: 'actions', render: (r) => [
          actionButton('下载', () => download(r)),
          actionButton('删除', async () => {
            if (!(await confirmDialog('删除这段录音？文件会从服务器上删除，无法恢复。', '删除'))) return;
            const resp = await call(ep.recordingDelete(r.id));
            toast(resp.message || '录音删除成功', 'ok');
            reload();
          }, 'small danger'),
        ],
      },
    ], d.recordings || [], { rowClass: () => 'recording-row', empty: '暂无录音' }),
    place.pager(d, reload));
  }

  reload();
}

const MIME = { mp3: 'audio/mpeg', wav: 'audio/wav', m4a: 'audio/mp4', '3gp': 'audio/3gpp', amr: 'audio/amr', aac: 'audio/aac', ogg: 'audio/ogg' };

/** Whether this browser says it can play a format ('' means no; 'maybe' is worth a try). */
function playable(format) {
  const mime = MIME[format];
  return !mime || document.createElement('audio').canPlayType(mime) !== '';
}

/** §4.6 answers a short-lived signed url; a temporary link downloads it under its file name. */
async function download(r) {
  const d = (await call(ep.recordingDownload(r.id))).data;
  const a = h('a', { href: d.url, download: d.filename || r.fileName || 'recording' });
  document.body.append(a);
  a.click();
  a.remove();
}
