//! What reaches the phone and the PC feed, with the server's own state and hub: a phone is a
//! hub registration here (exactly what the phone socket task does once it is built), the PC feed
//! a hub subscription. DIAL_COMMAND with `phoneNumber` (§13), CANCEL_DIAL and DIAL_CANCEL,
//! CALL_END from §5.9, the phone choice, and a CALL_STATE event for every transition.

use dialbox::auth::{Caller, Role};
use dialbox::calls::dial::{self, DialRequest};
use dialbox::calls::pc::{self, EndRequest};
use dialbox::calls::{PhoneReport, ReportSource, apply_report};
use dialbox::hub::{AdminEvent, ToPhone};
use dialbox::state::State;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

async fn open() -> (tempfile::TempDir, State) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = dialbox::Config::new(dir.path());
    config.timezone = "Asia/Shanghai".parse().unwrap();
    config.public_url = Some("http://192.168.1.20:3000".into());
    config.initial_admin_password = Some("admin-test-pw".into());
    let addr = "127.0.0.1:3000".parse().unwrap();
    let (state, _) = tokio::task::spawn_blocking(move || dialbox::app::open(config, addr))
        .await
        .unwrap()
        .unwrap();
    (dir, state)
}

/// A sales user (written through the users queries) and the Caller a request of theirs gets.
async fn salesperson(state: &State, username: &str) -> Caller {
    let name = username.to_string();
    let user = state
        .db
        .write(move |tx| {
            dialbox::db::users::insert(
                tx,
                &dialbox::db::users::NewUser {
                    id: &dialbox::ids::user_id(),
                    username: &name,
                    password_hash: "unused",
                    real_name: "销售甲",
                    department: "一部",
                    role: Role::SalesStaff,
                },
            )
        })
        .await
        .unwrap();
    Caller {
        user_id: user.id,
        username: user.username,
        real_name: user.real_name,
        department: user.department,
        role: user.role,
        phone_id: None,
    }
}

async fn bind(state: &State, user_id: &str, device: &str, primary: bool, active: i64) -> i64 {
    let (user, device) = (user_id.to_string(), device.to_string());
    state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO work_phones (user_id, device_id, is_primary, token_id, last_active_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0)",
                rusqlite::params![user, device, primary, format!("tok_{device}"), active],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
        .unwrap()
}

fn message(rx: &mut mpsc::UnboundedReceiver<ToPhone>) -> Value {
    match rx.try_recv() {
        Ok(ToPhone::Message(v)) => v,
        other => panic!("expected a message for the phone, got {other:?}"),
    }
}

fn event(rx: &mut broadcast::Receiver<AdminEvent>) -> AdminEvent {
    rx.try_recv().expect("a CALL_STATE event")
}

fn request(phone: &str) -> DialRequest {
    DialRequest {
        customer_phone: Some(phone.into()),
        customer_name: Some("张三".into()),
        order_id: Some("order_001".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn dial_report_and_pc_end_reach_the_phone_and_the_feed() {
    let (_dir, state) = open().await;
    let me = salesperson(&state, "sales_a").await;
    let phone = bind(&state, &me.user_id, "dev_a", true, 0).await;
    let (tx, mut to_phone) = mpsc::unbounded_channel();
    let _link = state.hub.register(phone, &me.user_id, tx);
    let mut feed = state.hub.subscribe();

    let call = dial::dial(&state, &me, request("+86 138-0013-8000"))
        .await
        .unwrap();
    let m = message(&mut to_phone);
    assert_eq!(m["type"], "DIAL_COMMAND");
    assert!(m["messageId"].as_str().unwrap().starts_with("msg_"));
    assert!(m["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(
        m["data"],
        json!({"callId": call.id, "customerPhone": "13800138000", "phoneNumber": "13800138000",
               "customerName": "张三", "customerId": null, "orderId": "order_001"})
    );
    let e = event(&mut feed);
    assert_eq!(
        (e.kind.as_str(), e.data["status"].clone()),
        ("CALL_STATE", json!("calling"))
    );
    assert_eq!(
        (e.owner_id.as_str(), e.owner_department.as_str()),
        (me.user_id.as_str(), "一部")
    );
    assert!(
        e.data.get("customerPhone").is_none(),
        "the feed never carries the number"
    );

    for status in ["ringing", "connected"] {
        let report = PhoneReport::Status {
            call_id: call.id.clone(),
            status: status.into(),
            reason: None,
            at_ms: None,
        };
        apply_report(&state, &me, ReportSource::Socket, report)
            .await
            .unwrap();
        assert_eq!(event(&mut feed).data["status"], status);
    }
    // a repeat changes nothing and publishes nothing
    let again = PhoneReport::Status {
        call_id: call.id.clone(),
        status: "connected".into(),
        reason: None,
        at_ms: None,
    };
    apply_report(&state, &me, ReportSource::Socket, again)
        .await
        .unwrap();
    assert!(feed.try_recv().is_err());

    // the PC ends the live call: the phone is told, the feed sees it ended
    let ended = pc::end(
        &state,
        &me,
        call.id.clone(),
        EndRequest {
            duration: Some(30),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((ended.call_status(), ended.duration), ("connected", 30));
    let m = message(&mut to_phone);
    assert_eq!(
        (m["type"].clone(), m["data"]["callId"].clone()),
        (json!("CALL_END"), json!(call.id))
    );
    let e = event(&mut feed);
    assert_eq!(
        (e.data["status"].clone(), e.data["state"].clone()),
        (json!("connected"), json!("ended"))
    );
    // correcting an ended call from the PC pushes nothing
    pc::end(
        &state,
        &me,
        call.id.clone(),
        EndRequest {
            duration: Some(31),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(to_phone.try_recv().is_err());
}

#[tokio::test]
async fn cancel_sends_both_names_and_the_phone_choice_follows_the_rules() {
    let (_dir, state) = open().await;
    let me = salesperson(&state, "sales_a").await;
    let primary = bind(&state, &me.user_id, "dev_primary", true, 10).await;
    let older = bind(&state, &me.user_id, "dev_older", false, 20).await;
    let recent = bind(&state, &me.user_id, "dev_recent", false, 30).await;
    let (tx_older, mut at_older) = mpsc::unbounded_channel();
    let (tx_recent, mut at_recent) = mpsc::unbounded_channel();
    let _l1 = state.hub.register(older, &me.user_id, tx_older);
    let _l2 = state.hub.register(recent, &me.user_id, tx_recent);
    let mut feed = state.hub.subscribe();

    // primary offline: the most recently active online phone
    let call = dial::dial(&state, &me, request("13800138000"))
        .await
        .unwrap();
    assert_eq!(call.phone_id, Some(recent));
    assert_eq!(message(&mut at_recent)["type"], "DIAL_COMMAND");
    assert!(at_older.try_recv().is_err());
    event(&mut feed);

    pc::cancel(&state, &me, call.id.clone()).await.unwrap();
    let (a, b) = (message(&mut at_recent), message(&mut at_recent));
    assert_eq!(
        (a["type"].clone(), b["type"].clone()),
        (json!("CANCEL_DIAL"), json!("DIAL_CANCEL"))
    );
    assert_eq!(a["data"], b["data"]);
    assert_eq!(a["data"]["callId"], json!(call.id));
    assert_ne!(a["messageId"], b["messageId"]);
    assert_eq!(event(&mut feed).data["status"], "canceled");

    // an asked phone wins; an asked phone that is offline is DEVICE_OFFLINE, no call stored
    let mut asked = request("13800138000");
    asked.phone_id = Some(older);
    assert_eq!(
        dial::dial(&state, &me, asked).await.unwrap().phone_id,
        Some(older)
    );
    let mut offline = request("13800138000");
    offline.phone_id = Some(primary);
    let err = dial::dial(&state, &me, offline).await.unwrap_err();
    assert_eq!(err.code.as_str(), "DEVICE_OFFLINE");
    // the primary, once online, is chosen before any other
    let (tx_primary, mut at_primary) = mpsc::unbounded_channel();
    let _l3 = state.hub.register(primary, &me.user_id, tx_primary);
    assert_eq!(
        dial::dial(&state, &me, request("13800138000"))
            .await
            .unwrap()
            .phone_id,
        Some(primary)
    );
    assert_eq!(message(&mut at_primary)["type"], "DIAL_COMMAND");
    // a number that is a customer's links the call; a customer id alone gives the number
    let cust = dialbox::ids::customer_id();
    let id = cust.clone();
    state
        .db
        .write(move |tx| {
            let fields = dialbox::db::customers::CustomerFields {
                name: "李四".into(),
                phone: "13900001111".into(),
                ..Default::default()
            };
            dialbox::db::customers::insert(tx, &id, &fields)
        })
        .await
        .unwrap();
    let by_number = DialRequest {
        customer_phone: Some("139 0000 1111".into()),
        ..Default::default()
    };
    dial::dial(&state, &me, by_number).await.unwrap();
    let m = message(&mut at_primary);
    assert_eq!(
        (
            m["data"]["customerId"].clone(),
            m["data"]["customerName"].clone()
        ),
        (json!(cust), json!("李四"))
    );
    let by_id = DialRequest {
        customer_id: Some(cust.clone()),
        ..Default::default()
    };
    dial::dial(&state, &me, by_id).await.unwrap();
    let m = message(&mut at_primary);
    assert_eq!(
        (
            m["data"]["phoneNumber"].clone(),
            m["data"]["customerPhone"].clone()
        ),
        (json!("13900001111"), json!("13900001111"))
    );
    assert!(m["data"].get("orderId").is_none());
    let calls: i64 = state
        .db
        .run(|c| Ok(c.query_row("SELECT COUNT(*) FROM call_records", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(calls, 5);
}
