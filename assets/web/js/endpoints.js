// Every /api/v1 route the page calls, one function each: its method and its path, built here and
// nowhere else (issue 28). `call(endpoint, …)` in api.js sends it. tests/suite/page_routes.rs
// holds this file against the server's route table, as the OpenAPI document is held.

const id = encodeURIComponent;
const route = (method) => (path) => ({ method, path });
const GET = route('GET');
const POST = route('POST');
const PUT = route('PUT');
const DELETE = route('DELETE');

// 登录与我的账号
export const login = () => POST('/api/v1/auth/login');
export const me = () => GET('/api/v1/auth/me');
export const ownPassword = () => PUT('/api/v1/auth/password');

// 用户
export const users = () => GET('/api/v1/users');
export const userCreate = () => POST('/api/v1/users');
export const userUpdate = (userId) => PUT(`/api/v1/users/${id(userId)}`);
export const userPassword = (userId) => PUT(`/api/v1/users/${id(userId)}/password`);

// 工作手机
export const phones = () => GET('/api/v1/call-config/work-phones');
export const phonePrimary = (phoneId) => PUT(`/api/v1/call-config/work-phones/${id(phoneId)}/primary`);
export const phoneUnbind = (phoneId) => DELETE(`/api/v1/call-config/work-phones/${id(phoneId)}`);
export const bindCode = () => POST('/api/v1/call-config/work-phones/qrcode');
export const bindStatus = (connectionId) => GET(`/api/v1/call-config/work-phones/bind-status/${id(connectionId)}`);

// 客户
export const customers = () => GET('/api/v1/customers');
export const customer = (customerId) => GET(`/api/v1/customers/${id(customerId)}`);
export const customerCreate = () => POST('/api/v1/customers');
export const customerUpdate = (customerId) => PUT(`/api/v1/customers/${id(customerId)}`);
export const customerDelete = (customerId) => DELETE(`/api/v1/customers/${id(customerId)}`);
export const customersExport = () => GET('/api/v1/customers/export');
export const customersBulk = () => POST('/api/v1/customers/bulk');
export const customersImport = () => POST('/api/v1/customers/import');
export const customersTemplate = () => GET('/api/v1/customers/import/template');
export const customerImports = () => GET('/api/v1/customers/imports');
export const customerImportUndo = (importId) => POST(`/api/v1/customers/imports/${id(importId)}/undo`);

// 拨号与通话
export const dialTargets = () => GET('/api/v1/calls/outbound/targets');
export const dial = () => POST('/api/v1/calls/outbound');
export const callCancel = (callId) => POST(`/api/v1/calls/${id(callId)}/cancel`);
export const callState = (callId) => GET(`/api/v1/mobile/call/${id(callId)}`);
export const records = () => GET('/api/v1/calls/records');
export const recordUpdate = (callId) => PUT(`/api/v1/calls/records/${id(callId)}`);
export const recordEnd = (callId) => PUT(`/api/v1/calls/records/${id(callId)}/end`);
export const recordDelete = (callId) => DELETE(`/api/v1/calls/records/${id(callId)}`);
export const recordsExport = () => GET('/api/v1/calls/records/export');

// 跟进
export const followUps = () => GET('/api/v1/calls/followups');
export const followUpsDue = () => GET('/api/v1/calls/followups/due');
export const followUpCreate = () => POST('/api/v1/calls/followups');
export const followUpUpdate = (followUpId) => PUT(`/api/v1/calls/followups/${id(followUpId)}`);
export const followUpDelete = (followUpId) => DELETE(`/api/v1/calls/followups/${id(followUpId)}`);
export const followUpsExport = () => GET('/api/v1/calls/followups/export');
export const afterCallFollowUp = () => POST('/api/v1/mobile/call/followup');

// 录音
export const recordings = () => GET('/api/v1/calls/recordings');
export const recordingStats = () => GET('/api/v1/calls/recordings/stats');
export const recordingDownload = (recordingId) => GET(`/api/v1/calls/recordings/${id(recordingId)}/download`);
export const recordingDelete = (recordingId) => DELETE(`/api/v1/calls/recordings/${id(recordingId)}`);
export const recordingsExport = () => GET('/api/v1/calls/recordings/export');

// 统计
export const statistics = () => GET('/api/v1/calls/statistics');
export const statisticsExport = () => GET('/api/v1/calls/statistics/export');

// 外呼任务、黑名单与工作台
export const campaigns = () => GET('/api/v1/campaigns');
export const campaignCreate = () => POST('/api/v1/campaigns');
export const campaignDelete = (campaignId) => DELETE(`/api/v1/campaigns/${id(campaignId)}`);
export const campaignImport = (campaignId) => POST(`/api/v1/campaigns/${id(campaignId)}/import`);
export const campaignFromCustomers = (campaignId) => POST(`/api/v1/campaigns/${id(campaignId)}/items/from-customers`);
export const campaignAssign = (campaignId) => POST(`/api/v1/campaigns/${id(campaignId)}/assign`);
export const doNotCall = () => GET('/api/v1/do-not-call');
export const doNotCallAdd = () => POST('/api/v1/do-not-call');
export const doNotCallRemove = (phone) => DELETE(`/api/v1/do-not-call/${id(phone)}`);
export const dialerSession = () => GET('/api/v1/dialer/session');
export const dialerStart = () => POST('/api/v1/dialer/session');
export const dialerCommand = (command) => POST(`/api/v1/dialer/session/${id(command)}`);

// 设置与审计
export const settings = () => GET('/api/v1/system/settings');
export const office = () => GET('/api/v1/system/office');
export const pacing = () => GET('/api/v1/system/pacing');
export const pacingUpdate = () => PUT('/api/v1/system/pacing');
export const officeUpdate = () => PUT('/api/v1/system/office');
export const settingsUpdate = () => PUT('/api/v1/system/settings');
export const storage = () => GET('/api/v1/system/storage');
export const audit = () => GET('/api/v1/audit');
