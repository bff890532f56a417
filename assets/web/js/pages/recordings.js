// 录音 (§4.4–§4.8): filters, an inline player that seeks (the signed fileUrl serves Range),
// download through §4.6's url, delete, storage stats with the free disk space when the server
// reports it.

import { api } from '../api.js';
import { actionButton, clear, confirmDialog, h, pager, showError, table, toast } from '../ui.js';
import { fmtBytes, fmtDuration, fmtTime } from '../format.js';
import { filterBar } from './filters.js';

const PAGE_SIZE = 20;
const STAT_LABELS = {
  totalCount: ['录音总数', 'count'], totalSize: ['总大小', 'bytes'],
  todayCount: ['今日录音', 'count'], todaySize: ['今日大小', 'bytes'],
};
// extra fields a server may add (free disk space): a Chinese label where the name is known
const EXTRA_LABELS = {
  diskFree: '磁盘剩余空间', diskFreeBytes: '磁盘剩余空间', freeBytes: '磁盘剩余空间', freeSpace: '磁盘剩余空间',
  diskTotal: '磁盘总空间', diskTotalBytes: '磁盘总空间', totalBytes: '磁盘总空间', totalSpace: '磁盘总空间',
  diskAvailable: '磁盘可用空间', availableBytes: '磁盘可用空间',
};

export function mount(container) {
  let page = 1;
  const stats = h('div', { class: 'stats', id: 'recording-stats' });
  const list = h('div', { id: 'recording-list' });
  const filters = filterBar([
    { name: 'startDate', label: '从', type: 'date' },
    { name: 'endDate', label: '到', type: 'date' },
    { name: 'callId', placeholder: '通话ID' },
    { name: 'customerId', placeholder: '客户ID' },
  ], () => { page = 1; reload(); });
  container.append(stats, filters.el, list);
  const reload = () => { load().catch(showError); loadStats().catch(showError); };

  async function loadStats() {
    const s = await api.get('/api/v1/calls/recordings/stats');
    const cards = Object.entries(s).filter(([, v]) => typeof v === 'number').map(([key, value]) => {
      const [label, kind] = STAT_LABELS[key] || [EXTRA_LABELS[key] || key, /count/i.test(key) ? 'count' : 'bytes'];
      return h('div', { class: 'stat', dataset: { key } }, h('div', { class: 'label' }, label),
        h('div', { class: 'value' }, kind === 'bytes' ? fmtBytes(value) : value));
    });
    clear(stats, cards);
  }

  async function load() {
    const d = await api.get('/api/v1/calls/recordings', { page, pageSize: PAGE_SIZE, ...filters.values() });
    clear(list, table([
      { title: '时间', render: (r) => fmtTime(r.createdAt) },
      { title: '客户', render: (r) => [r.customerName || '—', h('div', { class: 'muted' }, r.customerPhone || '')] },
      { title: '人员', render: (r) => r.userName || '—' },
      { title: '时长', render: (r) => fmtDuration(r.duration) },
      { title: '大小', render: (r) => fmtBytes(r.fileSize) },
      { title: '播放', render: (r) => h('audio', { controls: true, preload: 'metadata', src: r.fileUrl, dataset: { id: r.id } }) },
      {
        title: '操作', class: 'actions', render: (r) => [
          actionButton('下载', () => download(r)),
          actionButton('删除', async () => {
            if (!(await confirmDialog('删除这段录音？文件会从服务器上删除，无法恢复。', '删除'))) return;
            const resp = await api.del(`/api/v1/calls/recordings/${encodeURIComponent(r.id)}`);
            toast(resp.message || '录音删除成功', 'ok');
            reload();
          }, 'small danger'),
        ],
      },
    ], d.recordings || [], { rowClass: () => 'recording-row', empty: '暂无录音' }),
    pager(d.total || 0, d.page || page, d.pageSize || PAGE_SIZE, (p) => { page = p; reload(); }));
  }

  reload();
}

/** §4.6 answers a short-lived signed url; a temporary link downloads it under its file name. */
async function download(r) {
  const d = await api.get(`/api/v1/calls/recordings/${encodeURIComponent(r.id)}/download`);
  const a = h('a', { href: d.url, download: d.filename || r.fileName || 'recording' });
  document.body.append(a);
  a.click();
  a.remove();
}
