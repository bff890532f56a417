// What adding numbers to a 外呼任务 did (a file, typed lines, customers): how many went in,
// and each number left out with why (issue 30, item 5), not a 3-second toast.

import { h, modal, table, toast } from '../ui.js';

const leftOut = (added) => {
  const n = (k) => (added[k] || []).length;
  return `添加 ${added.added} 个；重复 ${n('duplicates')}，黑名单 ${n('doNotCall')}，无效 ${n('invalid')}`;
};

/** The numbers an addition left out, each with its reason, in a dialog that stays until read
 * (issue 30, item 5: a 3-second toast said only how many). Nothing left out: a toast. */
export function reportAdded(title, added) {
  const rows = [
    ...(added.invalid || []).map((r) => ({ ...r, kind: '无效' })),
    ...(added.duplicates || []).map((r) => ({ ...r, kind: '重复' })),
    ...(added.doNotCall || []).map((r) => ({ ...r, kind: '黑名单' })),
  ];
  if (!rows.length) { toast(`${title}：${leftOut(added)}`, 'ok'); return; }
  modal({
    title,
    body: [h('p', {}, leftOut(added)), table([
      { title: '行', render: (r) => r.row },
      { title: '号码', render: (r) => r.phone || '（空）' },
      { title: '未添加', render: (r) => `${r.kind}：${r.reason}` },
    ], rows, { rowClass: () => 'left-out-row' })],
    actions: [{ label: '知道了', kind: 'primary' }],
  });
}
