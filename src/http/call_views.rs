//! Calls and follow-ups as the API shows them (§5.2, §5.3, §5.6, §5.11). The PC page gets
//! numbers masked for sales staff (contract §3) and the document's `/recordings/…` path; the
//! phone gets its calls' whole numbers and a signed absolute recording URL that plays without
//! a header (contract §13.1: the shipped app dials and plays what it is given, as is).

use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::calls::follow_up_edit::{Due, Today, text_of};
use crate::customers::phone;
use crate::db::calls::Call;
use crate::db::customers::Customer;
use crate::db::follow_ups::FollowUp;
use crate::recordings::links;
use crate::state::State;
use crate::times::{iso_ms, iso_opt};

/// A call record, §5.6's shape (§5.3's is a subset of it).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    id: String,
    customer_id: Option<String>,
    customer_name: String,
    customer_phone: String,
    call_type: String,
    call_status: String,
    /// Not in the document: why the call ended (`pc_cancel`, `pc_end`, `dial_timeout`, the
    /// phone's word), so the page can show 已取消 → the phone's outcome.
    end_reason: Option<String>,
    /// Not in the document: dialed on the phone's own dialpad (a `manual_…` call).
    manual_dial: bool,
    start_time: String,
    end_time: Option<String>,
    duration: i64,
    has_recording: bool,
    recording_url: Option<String>,
    notes: String,
    call_tags: Vec<String>,
    follow_up_required: bool,
    user_id: String,
    user_name: String,
    department: String,
    created_at: String,
}

/// Who looks at a call: the PC page (as `caller`), or the phone that placed it.
#[derive(Clone, Copy)]
pub enum Viewer<'a> {
    Pc(&'a Caller),
    Phone(&'a State, &'a Caller),
}

/// A call for the PC page.
pub fn call_view(caller: &Caller, c: Call) -> CallView {
    view_for(Viewer::Pc(caller), c)
}

/// A call for the phone (§5.2, §5.3).
pub fn phone_call_view(state: &State, caller: &Caller, c: Call) -> CallView {
    view_for(Viewer::Phone(state, caller), c)
}

fn view_for(viewer: Viewer<'_>, c: Call) -> CallView {
    let (customer_phone, recording_url) = match viewer {
        Viewer::Pc(caller) => (
            phone::shown_to(caller, &c.customer_phone),
            c.recording_path.as_ref().map(|p| links::file_path(p)),
        ),
        Viewer::Phone(state, caller) => (
            c.customer_phone.clone(),
            c.recording_path
                .as_ref()
                .zip(c.recording_id.as_ref())
                .map(|(path, id)| links::signed_url(state, caller, id, path, false)),
        ),
    };
    CallView {
        customer_phone,
        recording_url,
        call_status: c.call_status().to_string(),
        manual_dial: crate::calls::manual::is_manual_id(&c.id),
        end_reason: c.end_reason,
        id: c.id,
        customer_id: c.customer_id,
        customer_name: c.customer_name,
        call_type: c.call_type,
        start_time: iso_ms(c.start_time),
        end_time: iso_opt(c.end_time),
        duration: c.duration,
        has_recording: c.has_recording,
        notes: c.notes,
        call_tags: c.call_tags,
        follow_up_required: c.follow_up_required,
        user_id: c.user_id,
        user_name: c.user_name,
        department: c.department,
        created_at: iso_ms(c.created_at),
    }
}

/// §5.2: the call, its customer's level, tags and status, and its follow-ups.
pub fn call_detail(
    state: &State,
    caller: &Caller,
    call: Call,
    customer: Option<Customer>,
    follow_ups: Vec<FollowUp>,
) -> Value {
    let mut v = serde_json::to_value(phone_call_view(state, caller, call)).unwrap_or_default();
    v["customerLevel"] = json!(customer.as_ref().map(|c| &c.level));
    v["customerTags"] = json!(
        customer
            .as_ref()
            .map(|c| &c.tags)
            .cloned()
            .unwrap_or_default()
    );
    v["followStatus"] = json!(customer.as_ref().map(|c| &c.follow_status));
    v["followUpRecords"] = follow_ups
        .into_iter()
        .map(|f| {
            json!({
                "id": f.id,
                "content": f.content,
                "intention": f.intention,
                "nextFollowUpDate": iso_opt(f.next_follow_up),
                "userName": f.user_name,
                "createdAt": iso_ms(f.created_at),
            })
        })
        .collect();
    v
}

/// A follow-up, §5.11's shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpView {
    id: String,
    call_id: Option<String>,
    customer_id: Option<String>,
    customer_name: String,
    #[serde(rename = "type")]
    kind: String,
    content: String,
    customer_intent: Option<String>,
    call_tags: Vec<String>,
    next_follow_up: Option<String>,
    priority: String,
    status: String,
    created_by: String,
    created_by_name: String,
    created_at: String,
    /// The content without the `标签:` line (what an edit form shows).
    text: String,
    /// `today` / `overdue` for a pending follow-up due today or earlier, else null (issue 14).
    due: Option<&'static str>,
}

/// A follow-up as §5.11 lists it; `today` decides what is due.
pub fn follow_up_view(f: FollowUp, today: &Today) -> FollowUpView {
    FollowUpView {
        text: text_of(&f.content).to_string(),
        due: today.due(&f).map(Due::as_str),
        id: f.id,
        call_id: f.call_id,
        customer_id: f.customer_id,
        customer_name: f.customer_name,
        kind: f.kind,
        content: f.content,
        customer_intent: f.intention,
        call_tags: f.call_tags,
        next_follow_up: iso_opt(f.next_follow_up),
        priority: f.priority,
        status: f.status,
        created_by: f.user_id,
        created_by_name: f.user_name,
        created_at: iso_ms(f.created_at),
    }
}
