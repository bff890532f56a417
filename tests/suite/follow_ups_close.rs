//! Follow-ups that close (issue 14, item 4): the phone's and the page's after-call forms make
//! one follow-up per call with the tags merged; a follow-up is edited, completed and deleted by
//! those who may see it; what is due today and overdue is counted and filtered.

use crate::common;

use common::calls::create_call;
use common::{TestServer, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

const LIST: &str = "/api/v1/calls/followups";

async fn after_call(server: &TestServer, token: &str, body: Value) {
    let (status, answer) = server
        .post("/api/v1/mobile/call/followup", token, body)
        .await;
    assert_eq!(status, 200, "{answer}");
}

async fn of_call(server: &TestServer, token: &str, call: &str) -> Vec<Value> {
    let (status, body) = server.get(&format!("{LIST}?callId={call}"), token).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["records"].as_array().unwrap().clone()
}

async fn new_follow_up(server: &TestServer, token: &str, content: &str, next_ms: i64) -> String {
    let next = dialbox::times::iso_ms(next_ms);
    let body = json!({"customerName": "周总", "content": content, "nextFollowUpDate": next});
    let (status, made) = server.post(LIST, token, body).await;
    assert_eq!(status, 200, "{made}");
    made["data"]["id"].as_str().unwrap().to_string()
}

async fn due(server: &TestServer, token: &str) -> (i64, i64) {
    let (status, body) = server.get(&format!("{LIST}/due"), token).await;
    assert_eq!(status, 200, "{body}");
    let n = |k: &str| body["data"][k].as_i64().unwrap();
    (n("today"), n("overdue"))
}

fn now_ms() -> i64 {
    dialbox::times::now_ms()
}

#[tokio::test]
async fn the_phone_and_the_page_make_one_follow_up_and_no_tag_is_lost() {
    let server = TestServer::start().await;
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    let call = create_call(
        &server,
        &sales.token,
        json!({"customerPhone": "13800138000"}),
    )
    .await;

    // the phone's form first, then the page's form from a copy that never saw the phone's tag
    let phone =
        json!({"callId": call, "notes": "电话里说要报价", "tags": ["意向"], "intention": "medium"});
    after_call(&server, &sales.token, phone).await;
    let page = json!({"callId": call, "notes": "已发报价单", "tags": ["再联系"], "intention": "high",
                      "followUpRequired": true});
    after_call(&server, &server.admin_token, page).await;

    let rows = of_call(&server, &server.admin_token, &call).await;
    assert_eq!(rows.len(), 1, "one follow-up per call: {rows:?}");
    let f = &rows[0];
    assert_eq!(f["callTags"], json!(["意向", "再联系"]), "{f}");
    assert_eq!(f["content"], "已发报价单\n标签: 意向, 再联系", "{f}");
    assert_eq!(f["text"], "已发报价单");
    assert_eq!(f["customerIntent"], "high");
    assert_eq!(f["priority"], "high");
    assert_eq!(f["status"], "pending");
    // the salesperson's to follow up, although the admin filled the second form
    assert_eq!(f["createdBy"], sales.id.as_str(), "{f}");
    let (_, detail) = server
        .get(&format!("/api/v1/mobile/call/{call}"), &sales.token)
        .await;
    assert_eq!(
        detail["data"]["callTags"],
        json!(["意向", "再联系"]),
        "{detail}"
    );

    // a follow-up written by hand about the same call stays a follow-up of its own
    let body = json!({"callId": call, "content": "上门拜访", "type": "visit"});
    let (status, made) = server.post(LIST, &sales.token, body).await;
    assert_eq!(status, 200, "{made}");
    after_call(
        &server,
        &sales.token,
        json!({"callId": call, "tags": ["成交"]}),
    )
    .await;
    let rows = of_call(&server, &sales.token, &call).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let after: Vec<&Value> = rows.iter().filter(|r| r["type"] == "call").collect();
    assert_eq!(after[0]["callTags"], json!(["意向", "再联系", "成交"]));
    assert_eq!(after[0]["content"], "已发报价单\n标签: 意向, 再联系, 成交");
}

#[tokio::test]
async fn edit_complete_and_delete_with_the_rules_of_who_may() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let b = server.create_user("sales_b", "sales_staff", "一部").await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let other_boss = server.create_user("boss2", "manager", "二部").await;
    let id = new_follow_up(&server, &a.token, "约了周五", now_ms() + 86_400_000).await;
    let path = format!("{LIST}/{id}");

    // edit: the text and the tags, the server writes the tag line
    let edit = json!({"content": "改约周六", "callTags": ["再联系"], "customerIntent": "low"});
    let (status, edited) = server.put(&path, &a.token, edit).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        edited["data"]["content"], "改约周六\n标签: 再联系",
        "{edited}"
    );
    assert_eq!(edited["data"]["customerIntent"], "low");
    // tags alone: the text stays
    let (_, edited) = server
        .put(&path, &a.token, json!({"callTags": ["意向"]}))
        .await;
    assert_eq!(
        edited["data"]["content"], "改约周六\n标签: 意向",
        "{edited}"
    );
    // null clears the next time
    let (_, edited) = server
        .put(&path, &a.token, json!({"nextFollowUpDate": null}))
        .await;
    assert_eq!(edited["data"]["nextFollowUp"], Value::Null, "{edited}");

    // who may not: another salesperson, another department's manager (404, nothing changed)
    for token in [&b.token, &other_boss.token] {
        let (status, body) = server
            .put(&path, token, json!({"status": "completed"}))
            .await;
        assert_error(status, &body, 404, "NOT_FOUND");
        let (status, body) = server.delete(&path, token).await;
        assert_error(status, &body, 404, "NOT_FOUND");
    }
    // the department's manager completes it
    let (status, done) = server
        .put(&path, &boss.token, json!({"status": "completed"}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["data"]["status"], "completed");

    // bad input: refused, nothing changed
    let bad = [
        json!({"status": "done"}),
        json!({"customerIntent": "maybe"}),
        json!({"priority": 3}),
        json!({"callTags": "意向"}),
        json!({"nextFollowUpDate": "明天"}),
        json!({"surprise": true}),
        json!({"content": "x".repeat(2001)}),
        json!({"content": "", "callTags": []}),
    ];
    for body in bad {
        let (status, answer) = server.put(&path, &a.token, body.clone()).await;
        assert_error(status, &answer, 400, "INVALID_PARAMS");
    }
    let malformed = server
        .client
        .put(server.url(&path))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\"status\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let (_, now) = server.get(&format!("{LIST}?pageSize=100"), &a.token).await;
    let row = &now["data"]["records"][0];
    assert_eq!(row["content"], "改约周六\n标签: 意向", "{row}");
    assert_eq!(row["status"], "completed");
    let (status, body) = server
        .put(&format!("{LIST}/followup_nobody"), &a.token, json!({}))
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = server.call(Method::PUT, &path, None, Some(json!({}))).await;
    assert_error(status, &body, 401, "AUTH_FAILED");

    // delete: gone, and one line in the audit log
    let (status, body) = server.delete(&path, &a.token).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = server.delete(&path, &a.token).await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (_, log) = server
        .get("/api/v1/audit?action=follow_up_delete", &server.admin_token)
        .await;
    let entries = log["data"]["records"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["target"], id.as_str());
}

#[tokio::test]
async fn due_today_and_overdue_are_counted_for_whom_they_belong() {
    let server = TestServer::start().await;
    let a = server.create_user("sales_a", "sales_staff", "一部").await;
    let c = server.create_user("sales_c", "sales_staff", "二部").await;
    let boss = server.create_user("boss1", "manager", "一部").await;
    let day = 86_400_000;
    let today = new_follow_up(&server, &a.token, "今天回电", now_ms()).await;
    let overdue = new_follow_up(&server, &a.token, "上周该回", now_ms() - 3 * day).await;
    new_follow_up(&server, &a.token, "下周", now_ms() + 7 * day).await;
    new_follow_up(&server, &c.token, "二部的", now_ms() - 2 * day).await;

    assert_eq!(due(&server, &a.token).await, (1, 1));
    assert_eq!(
        due(&server, &boss.token).await,
        (1, 1),
        "the manager: their department"
    );
    assert_eq!(due(&server, &c.token).await, (0, 1));
    assert_eq!(due(&server, &server.admin_token).await, (1, 2));

    let listed = |token: String, word: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server.get(&format!("{LIST}?due={word}"), &token).await;
            assert_eq!(status, 200, "{body}");
            body["data"]["records"].as_array().unwrap().clone()
        }
    };
    let rows = listed(a.token.clone(), "today").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (&rows[0]["id"], &rows[0]["due"]),
        (&json!(today), &json!("today"))
    );
    let rows = listed(a.token.clone(), "overdue").await;
    assert_eq!(
        (&rows[0]["id"], &rows[0]["due"]),
        (&json!(overdue), &json!("overdue"))
    );

    // completing one takes it off the count
    let (status, body) = server
        .put(
            &format!("{LIST}/{overdue}"),
            &a.token,
            json!({"status": "completed"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(due(&server, &a.token).await, (1, 0));

    let (status, body) = server.get(&format!("{LIST}?due=soon"), &a.token).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (status, body) = server
        .call(Method::GET, &format!("{LIST}/due"), None, None)
        .await;
    assert_error(status, &body, 401, "AUTH_FAILED");
}
