//! 2.4.0's recording fallback `POST /api/v1/mobile/recording/upload-base64` (contract §14; issue
//! 29's table: 404 for a day of retries) and recordings that find their call by number.

use crate::common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::audio;
use common::calls::detail;
use common::dialing::dialed_call;
use common::phone::TestPhone;
use common::{TestServer, assert_error};
use serde_json::json;

const PATH: &str = "/api/v1/mobile/recording/upload-base64";

fn recordings_on_disk(server: &TestServer) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM recordings", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn a_base64_recording_lands_like_a_multipart_one() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let call_id = dialed_call(&server, &user, &mut phone).await;
    let mp3 = audio::mp3(40);
    let body = json!({"callId": call_id, "fileName": "Call_13800138000_20261207.mp3",
                      "base64": format!("data:audio/mpeg;base64,{}", STANDARD.encode(&mp3)),
                      "phoneNumber": "13800138000"});
    let (s, b) = server.post(PATH, &phone.ws_token, body).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callId"], json!(call_id));
    assert_eq!(b["data"]["fileSize"], mp3.len());
    assert_eq!(b["data"]["format"], "mp3");
    // the file is what was sent
    let resp = server
        .client
        .get(b["data"]["recordingUrl"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.bytes().await.unwrap().to_vec(), mp3);
    assert_eq!(
        detail(&server, &user.token, &call_id).await["hasRecording"],
        true
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_base64_bodies_are_refused_and_store_nothing() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let other = server.create_user("sales_b", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let call_id = dialed_call(&server, &user, &mut phone).await;
    let mp3 = STANDARD.encode(audio::mp3(5));
    for (body, status, code) in [
        (json!({"base64": mp3}), 400, "INVALID_PARAMS"),
        (json!({"callId": call_id}), 400, "INVALID_PARAMS"),
        (
            json!({"callId": call_id, "base64": ""}),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({"callId": call_id, "base64": "这不是base64"}),
            400,
            "INVALID_PARAMS",
        ),
        (
            json!({"callId": call_id, "base64": "data:audio/mpeg;base64,"}),
            400,
            "INVALID_PARAMS",
        ),
        (json!({"callId": 5, "base64": mp3}), 400, "INVALID_PARAMS"),
        (
            json!({"callId": call_id, "base64": STANDARD.encode(b"plain text, no audio")}),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            json!({"callId": "call_20990101_0001", "base64": mp3}),
            404,
            "NOT_FOUND",
        ),
        (json!([call_id, mp3]), 400, "INVALID_PARAMS"),
    ] {
        let (s, b) = server.post(PATH, &phone.ws_token, body.clone()).await;
        assert_error(s, &b, status, code);
    }
    // another user's call is not theirs to record
    let other_phone = TestPhone::bind_shipped(&server, &other).await;
    let (s, b) = server
        .post(
            PATH,
            &other_phone.ws_token,
            json!({"callId": call_id, "base64": mp3}),
        )
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
    // malformed JSON
    let resp = server
        .client
        .post(server.url(PATH))
        .bearer_auth(&phone.ws_token)
        .header("content-type", "application/json")
        .body("{\"callId\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    // more than 20 MiB of audio: 413, before or while decoding
    let big = STANDARD.encode(vec![0xFFu8; 21 * 1024 * 1024]);
    let (s, b) = server
        .post(
            PATH,
            &phone.ws_token,
            json!({"callId": call_id, "base64": big}),
        )
        .await;
    assert_error(s, &b, 413, "PAYLOAD_TOO_LARGE");
    assert_eq!(recordings_on_disk(&server), 0);
    let tmp = std::fs::read_dir(server.dir.path().join("recordings/.tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(tmp, 0, "no temporary file left");
    server.stop().await;
}

#[tokio::test]
async fn a_recording_under_an_unknown_id_finds_the_call_by_its_number() {
    let server = TestServer::start().await;
    let user = server.create_user("sales_a", "sales_staff", "一部").await;
    let mut phone = TestPhone::bind_shipped(&server, &user).await;
    phone.connect_online().await;
    let call_id = dialed_call(&server, &user, &mut phone).await;
    let number = detail(&server, &server.admin_token, &call_id).await["customerPhone"]
        .as_str()
        .unwrap()
        .to_string();
    let mp3 = STANDARD.encode(audio::mp3(5));
    // the app's own id, with the number: the latest call with it that has no recording
    let body = json!({"callId": "IN-local-999", "base64": mp3, "phoneNumber": number});
    let (s, b) = server.post(PATH, &phone.ws_token, body.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["callId"], json!(call_id));
    // that call has its recording now: the next one finds nothing
    let (s, b) = server.post(PATH, &phone.ws_token, body).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    // multipart with phoneNumber after the callId, as 2.4.0 sends it, two hours later: too late
    let second = dialed_call(&server, &user, &mut phone).await;
    server
        .clock
        .advance(std::time::Duration::from_secs(2 * 3600 + 60));
    let form = reqwest::multipart::Form::new()
        .text("callId", "IN-local-1000")
        .text("phoneNumber", number.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(audio::mp3(5)).file_name("a.mp3"),
        );
    let (s, b) = audio::send_form(&server, &phone.ws_token, form).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    assert_eq!(
        detail(&server, &user.token, &second).await["hasRecording"],
        false
    );
    server.stop().await;
}
