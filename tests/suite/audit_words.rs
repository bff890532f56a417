//! 审计日志 people can read (issue 30, item 7): each line names people and customers (a deleted
//! customer too), says changes as before → after in words, and the acts it used to miss are
//! there: 外呼任务 create / assign / delete, 黑名单 add / remove, dialing on another's phone.

use crate::common;

use common::TestServer;
use common::dialing::{Dialect, dial, online_phone};
use serde_json::{Value, json};

/// The newest line of `action`'s detail.
async fn said(server: &TestServer, action: &str) -> String {
    let (s, body) = server
        .get(
            &format!("/api/v1/audit?action={action}"),
            &server.admin_token,
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let line: &Value = &body["data"]["records"][0];
    line["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no {action} line: {body}"))
        .to_string()
}

#[tokio::test]
async fn the_log_names_people_and_says_changes_in_words() {
    let server = TestServer::start().await;
    let t = server.admin_token.clone();
    let sales = server.create_user("sales_a", "sales_staff", "一部").await;
    assert_eq!(
        said(&server, "user_create").await,
        "sales_a（sales_a的名字，一部，销售）"
    );
    let (s, _) = server
        .put(
            &format!("/api/v1/users/{}", sales.id),
            &t,
            json!({"department": "二部", "role": "manager"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        said(&server, "user_update").await,
        "sales_a（sales_a的名字，二部，经理）：部门 一部 → 二部；角色 销售 → 经理"
    );
    server
        .put(
            &format!("/api/v1/users/{}", sales.id),
            &t,
            json!({"department": "一部", "role": "sales_staff"}),
        )
        .await;

    // a deleted customer is still named
    let (_, made) = server
        .post(
            "/api/v1/customers",
            &t,
            json!({"name": "张三", "phone": "13800138000"}),
        )
        .await;
    let id = made["data"]["id"].as_str().unwrap();
    let (s, _) = server.delete(&format!("/api/v1/customers/{id}"), &t).await;
    assert_eq!(s, 200);
    assert_eq!(
        said(&server, "customer_delete").await,
        "张三（13800138000）"
    );

    // settings in 设置's words, with units
    let (s, b) = server
        .put(
            "/api/v1/system/settings",
            &t,
            json!({"recordingMaxAgeDays": 90}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        said(&server, "setting_change").await,
        "录音保留天数：不限 → 90 天"
    );
    let (s, b) = server
        .put(
            "/api/v1/system/pacing",
            &t,
            json!({"minGapSeconds": 30, "quietHours": ["12:00-13:30"]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let pacing = said(&server, "setting_change").await;
    assert!(pacing.starts_with("外呼频率："), "{pacing}");
    assert!(
        pacing.contains("最小间隔") && pacing.contains("→ 30 秒"),
        "{pacing}"
    );
    assert!(
        pacing.contains("免打扰时段") && pacing.ends_with("→ 12:00-13:30"),
        "{pacing}"
    );

    // 外呼任务: made, assigned, deleted
    let (_, list) = server
        .post("/api/v1/campaigns", &t, json!({"name": "回访名单"}))
        .await;
    let campaign = list["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(said(&server, "campaign_create").await, "回访名单");
    let (s, b) = server
        .post(
            &format!("/api/v1/campaigns/{campaign}/items"),
            &t,
            json!({"items": [{"phone": "13900000001"}, {"phone": "13900000002"}]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = server
        .post(
            &format!("/api/v1/campaigns/{campaign}/assign"),
            &t,
            json!({"mode": "even", "userIds": [sales.id]}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        said(&server, "campaign_assign").await,
        "回访名单：2 个号码分给 sales_a的名字"
    );
    let (s, _) = server
        .delete(&format!("/api/v1/campaigns/{campaign}"), &t)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        said(&server, "campaign_delete").await,
        "回访名单（2 个号码）"
    );

    // 黑名单 in and out
    let (s, _) = server
        .post(
            "/api/v1/do-not-call",
            &t,
            json!({"phone": "139 0000 0009", "reason": "客户要求不再来电"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        said(&server, "do_not_call_add").await,
        "13900000009（客户要求不再来电）"
    );
    let (s, _) = server.delete("/api/v1/do-not-call/13900000009", &t).await;
    assert_eq!(s, 200);
    assert_eq!(said(&server, "do_not_call_remove").await, "13900000009");

    // the admin dials on the salesperson's phone; their own dial is no such line
    let mut phone = online_phone(&server, &sales, Dialect::Document).await;
    let (s, b) = dial(
        &server,
        &t,
        json!({"customerPhone": "13900000005", "customerName": "李四", "userId": sales.id}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    phone.recv_type("DIAL_COMMAND").await;
    assert_eq!(
        said(&server, "dial_for_other").await,
        "用 sales_a的名字 的手机拨打 李四（13900000005）"
    );

    // a failed login says why in words
    let resp = server
        .client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": "sales_a", "password": "not-it"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(said(&server, "login_failed").await, "密码错误");
    server.stop().await;
}
