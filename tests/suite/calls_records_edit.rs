//! Call records: §5.7 create, §5.8 update, §5.9 end, §5.10 delete (with its recordings),
//! and the keyword index following every change.

use crate::common;

use common::TestServer;
use common::assert_error;
use common::audio::{self, upload_ok};
use common::calls::{assert_rollup_consistent, create_call, customer, detail};
use common::dialing::{Dialect, dialed_call, online_phone};
use common::office::{ids, office};
use serde_json::{Value, json};

#[tokio::test]
async fn create_update_end_and_delete() {
    let o = office().await;
    let s = &o.server;
    let t = &o.a.token;
    for body in [
        json!({"customerPhone": "13800000000", "callType": "video"}),
        json!({"customerPhone": "13800000000", "callStatus": "ringing"}),
        json!({"customerPhone": "13800000000", "startTime": "noon"}),
        json!({"customerPhone": "13800000000", "startTime": "2025-12-01T10:00:00Z", "endTime": "2025-12-01T09:00:00Z"}),
        json!({"customerPhone": "13800000000", "duration": -5}),
        json!({"customerPhone": "13800000000", "color": "red"}),
        json!({"customerPhone": "phone"}),
        json!({}),
    ] {
        let (st, b) = s.post("/api/v1/calls/records", t, body.clone()).await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
    let (st, b) = s
        .post(
            "/api/v1/calls/records",
            t,
            json!({"customerId": "cust_nope"}),
        )
        .await;
    assert_error(st, &b, 404, "NOT_FOUND");
    // an open call (no endTime) is ended from the PC; a second end corrects it
    let open = create_call(
        s,
        t,
        json!({"customerPhone": "13812345678", "callType": "inbound"}),
    )
    .await;
    let d = detail(s, t, &open).await;
    assert_eq!(
        (
            d["callStatus"].clone(),
            d["customerId"].clone(),
            d["endTime"].clone()
        ),
        (json!("connected"), json!(o.zhang), Value::Null)
    );
    let (st, b) = s
        .put(
            &format!("/api/v1/calls/records/{open}/end"),
            t,
            json!({"duration": 95, "notes": "聊完了", "followUpRequired": true}),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (
            b["data"]["callStatus"].clone(),
            b["data"]["duration"].clone(),
            b["data"]["followUpRequired"].clone()
        ),
        (json!("connected"), json!(95), json!(true))
    );
    let (_, b) = s
        .put(
            &format!("/api/v1/calls/records/{open}/end"),
            t,
            json!({"endTime": 1764727200000i64, "duration": 90}),
        )
        .await;
    assert_eq!(
        (
            b["data"]["duration"].clone(),
            b["data"]["endTime"].clone(),
            b["data"]["notes"].clone()
        ),
        (
            json!(90),
            json!("2025-12-03T02:00:00.000Z"),
            json!("聊完了")
        )
    );
    // a dial that never connected is hung up on the phone and stays live until it reports;
    // a canceled one cannot be ended
    let mut phone = online_phone(s, &o.a, Dialect::Document).await;
    let dialed = dialed_call(s, &o.a, &mut phone).await;
    let (st, b) = s
        .put(&format!("/api/v1/calls/records/{dialed}/end"), t, json!({}))
        .await;
    assert_eq!(
        (st, &b["data"]["callStatus"]),
        (200, &json!("calling")),
        "{b}"
    );
    assert_eq!(
        phone.recv_type("CALL_END").await["data"]["callId"],
        json!(dialed)
    );
    let (st, b) = s
        .post(&format!("/api/v1/calls/{dialed}/cancel"), t, json!({}))
        .await;
    assert_eq!(st, 200, "{b}");
    let (st, b) = s
        .put(&format!("/api/v1/calls/records/{dialed}/end"), t, json!({}))
        .await;
    assert_error(st, &b, 409, "CALL_STATE_CONFLICT");
    let (st, b) = s
        .put(
            &format!("/api/v1/calls/records/{open}/end"),
            t,
            json!({"duration": "long"}),
        )
        .await;
    assert_error(st, &b, 400, "INVALID_PARAMS");

    // update
    let a1 = &o.calls[0];
    let (st, b) = s.put(&format!("/api/v1/calls/records/{a1}"), t, json!({"notes": "更新的备注", "callTags": ["意向", "需报价", "意向"], "followUpRequired": true})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (b["data"]["notes"].clone(), b["data"]["callTags"].clone()),
        (json!("更新的备注"), json!(["意向", "需报价"]))
    );
    let found = |q: &'static str| async move { ids(s, &s.admin_token, q).await };
    assert_eq!(
        found("keyword=%E6%9B%B4%E6%96%B0%E7%9A%84").await,
        vec![a1.clone()]
    );
    let (st, _) = s
        .put(
            &format!("/api/v1/calls/records/{a1}"),
            t,
            json!({"notes": "第二次备注"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        found("keyword=%E6%9B%B4%E6%96%B0%E7%9A%84").await,
        Vec::<String>::new(),
        "old notes leave the index"
    );
    assert_eq!(
        found("keyword=%E7%AC%AC%E4%BA%8C%E6%AC%A1").await,
        vec![a1.clone()]
    );
    for body in [
        json!({"callTags": "意向"}),
        json!({"notes": 5}),
        json!({"duration": 5}),
    ] {
        let (st, b) = s.put(&format!("/api/v1/calls/records/{a1}"), t, body).await;
        assert_error(st, &b, 400, "INVALID_PARAMS");
    }
    for tok in [&o.b.token, &o.boss2.token] {
        let (st, b) = s
            .put(
                &format!("/api/v1/calls/records/{a1}"),
                tok,
                json!({"notes": "x"}),
            )
            .await;
        assert_error(st, &b, 404, "NOT_FOUND");
        let (st, b) = s.delete(&format!("/api/v1/calls/records/{a1}"), tok).await;
        assert_error(st, &b, 404, "NOT_FOUND");
    }

    // delete: its recordings' rows and files go too, also when a file is already gone
    let on_disk = |url: &serde_json::Value| {
        let rel = url.as_str().unwrap().strip_prefix("/recordings/").unwrap();
        s.dir.path().join("recordings").join(rel)
    };
    let kept = upload_ok(s, t, a1, audio::mp3(2)).await;
    let file = on_disk(&kept["filePath"]);
    assert!(file.exists());
    // stored times are in ms: a moment apart, so the second upload is strictly the newest
    crate::common::next_millisecond().await;
    let lost = upload_ok(s, t, a1, audio::mp3(3)).await;
    std::fs::remove_file(on_disk(&lost["filePath"])).unwrap();
    // the phone's detail gives the newest recording as a signed link, the PC list its path
    let rel = lost["filePath"]
        .as_str()
        .unwrap()
        .strip_prefix("/recordings/")
        .unwrap();
    let signed = detail(s, t, a1).await["recordingUrl"].clone();
    assert!(
        signed
            .as_str()
            .unwrap()
            .starts_with(&s.url(&format!("/api/v1/calls/recordings/stream/{rel}?token="))),
        "{signed}"
    );
    let (st, b) = s
        .delete(&format!("/api/v1/calls/records/{a1}"), &o.boss1.token)
        .await;
    assert_eq!(st, 200, "{b}");
    assert!(!file.exists());
    let left: i64 = s
        .db()
        .query_row("SELECT COUNT(*) FROM recordings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    let (st, b) = s.get(&format!("/api/v1/mobile/call/{a1}"), t).await;
    assert_error(st, &b, 404, "NOT_FOUND");
    let (st, b) = s.delete(&format!("/api/v1/calls/records/{a1}"), t).await;
    assert_error(st, &b, 404, "NOT_FOUND");
    assert_eq!(
        found("keyword=%E7%AC%AC%E4%BA%8C%E6%AC%A1").await,
        Vec::<String>::new()
    );
    assert_rollup_consistent(s);
}

/// The customer's `lastContactTime` as the customers list shows it.
async fn last_contact(s: &TestServer, id: &str) -> Value {
    let (_, b) = s
        .get("/api/v1/customers?keyword=13700001111", &s.admin_token)
        .await;
    assert_eq!(b["data"]["records"][0]["id"], json!(id), "{b}");
    b["data"]["records"][0]["lastContactTime"].clone()
}

#[tokio::test]
async fn a_customers_last_contact_follows_the_end_of_their_latest_call() {
    let s = TestServer::start().await;
    let t = &s.admin_token;
    let cust = customer(&s, "周八", "13700001111").await;
    assert_eq!(last_contact(&s, &cust).await, json!(null));
    // an inbound call recorded by hand, ended
    let (st, b) = s
        .post(
            "/api/v1/calls/records",
            t,
            json!({"customerId": cust, "callType": "inbound",
                   "startTime": "2026-03-02T09:00:00Z", "endTime": "2026-03-02T09:05:00Z"}),
        )
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        last_contact(&s, &cust).await,
        json!("2026-03-02T09:05:00.000Z")
    );
    // an older call recorded later does not move it back
    let (st, _) = s
        .post(
            "/api/v1/calls/records",
            t,
            json!({"customerId": cust, "startTime": "2026-02-01T09:00:00Z",
                   "endTime": "2026-02-01T09:01:00Z"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        last_contact(&s, &cust).await,
        json!("2026-03-02T09:05:00.000Z")
    );
    // an open call counts once the PC ends it
    let (st, b) = s
        .post("/api/v1/calls/records", t, json!({"customerId": cust}))
        .await;
    assert_eq!(st, 200, "{b}");
    let open = b["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        last_contact(&s, &cust).await,
        json!("2026-03-02T09:05:00.000Z")
    );
    let (st, b) = s
        .put(&format!("/api/v1/calls/records/{open}/end"), t, json!({}))
        .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(last_contact(&s, &cust).await, b["data"]["endTime"]);
    s.stop().await;
}
