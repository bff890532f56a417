// 未接来电 (issue 29): the missed and rejected incoming calls nobody has called back yet
// (§5.6 with notCalledBack), newest first, each with 回拨 on its salesperson's phone — a
// callback that connects takes it off the list — and 新建客户 for a number no customer has.

import { call } from '../api.js';
import * as ep from '../endpoints.js';
import { actionButton, badge, clear, debounce, h, showError, table, toast } from '../ui.js';
import { fmtTime } from '../format.js';
import { listPlace } from '../widgets/filters.js';

const PAGE_SIZE = 20;
const HOW = { missed: '未接', rejected: '已拒接' };

export function mount(container, { live }) {
  const place = listPlace(PAGE_SIZE);
  const list = h('div', { id: 'missed-list' });
  container.append(h('p', { class: 'muted' }, '未接或拒接、之后还没有接通回拨的来电。回拨接通后自动从这里消失。'), list);
  const reload = () => load().catch(showError);

  async function load() {
    const d = (await call(ep.records(), { query: { notCalledBack: 'true', page: place.page, pageSize: place.pageSize } })).data;
    clear(list, table([
      { title: '来电时间', render: (c) => fmtTime(c.startTime) },
      { title: '来电', render: (c) => [c.customerName || '新客户', h('div', { class: 'muted' }, c.customerPhone || '未知号码')] },
      { title: '状态', render: (c) => badge(HOW[c.callStatus] || c.callStatus, 'orange') },
      { title: '工作手机', render: (c) => c.userName || '—' },
      { title: '操作', class: 'actions', render: (c) => actions(c) },
    ], d.records || [], { rowClass: () => 'missed-row', empty: '没有待回拨的来电' }),
    place.pager(d, reload));
  }

  function actions(c) {
    if (!c.customerPhone) return h('span', { class: 'muted' }, '无号码');
    const back = actionButton('回拨', async () => {
      await call(ep.dial(), { body: { callbackOf: c.id } });
      toast('正在回拨…', 'ok');
    }, 'small primary');
    back.classList.add('callback');
    return back;
  }

  reload();
  return live.on('CALL_STATE', debounce(reload));
}
