//! Signed links (§4.4 `fileUrl`, §4.6 `url`): they play without a header and only as issued —
//! expired, altered, foreign or login tokens are refused — and the download link answers an
//! attachment with a Chinese-safe file name.

use crate::common;

use common::audio::{self, recording, rel_of};
use common::{TestServer, assert_error};
use serde_json::Value;

const STREAM: &str = "/api/v1/calls/recordings/stream/";

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    server.client.get(server.url(path)).send().await.unwrap()
}

/// The link token of a URL.
fn token_of(url: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix("token="))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn signed_links_work_without_a_header_and_only_as_issued() {
    let server = TestServer::start().await;
    let user = server.create_user("st_sign", "sales_staff", "").await;
    let bytes = audio::amr(5);
    let rec = recording(&server, &user, bytes.clone()).await;
    let other = recording(&server, &user, audio::mp3(1)).await;
    let rel = rel_of(&rec);
    let path = format!("{STREAM}{rel}");

    // no header, no link
    let resp = get(&server, &path).await;
    let status = resp.status().as_u16();
    assert_error(status, &resp.json().await.unwrap(), 401, "AUTH_FAILED");

    // the list's fileUrl plays without a header, ranges included
    let (_, list) = server
        .get("/api/v1/calls/recordings?pageSize=100", &user.token)
        .await;
    let item = list["data"]["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rec["id"])
        .unwrap()
        .clone();
    let url = item["fileUrl"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}{path}?", server.base)), "{url}");
    let resp = server.client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);
    let resp = server
        .client
        .get(url)
        .header("range", "bytes=0-5")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), b"#!AMR\n".to_vec());

    let token = token_of(url);
    let refuse = |query: String| {
        let url = format!("{}{path}?{query}", server.base);
        let client = server.client.clone();
        async move {
            let resp = client.get(&url).send().await.unwrap();
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap();
            assert_error(status, &body, 401, "AUTH_FAILED");
        }
    };
    // altered: a changed signature, a changed payload
    let mut sig_altered = token.clone().into_bytes();
    let last = sig_altered.len() - 3;
    sig_altered[last] = if sig_altered[last] == b'a' {
        b'b'
    } else {
        b'a'
    };
    refuse(format!("token={}", String::from_utf8(sig_altered).unwrap())).await;
    let parts: Vec<&str> = token.split('.').collect();
    let forged_payload = base64_url(&format!(
        r#"{{"rid":"{}","aud":"recording","exp":9999999999}}"#,
        rec["id"].as_str().unwrap()
    ));
    refuse(format!("token={}.{forged_payload}.{}", parts[0], parts[2])).await;
    // a link to another recording does not open this one
    let other_token = token_of(other["recordingUrl"].as_str().unwrap());
    refuse(format!("token={other_token}")).await;
    // a login token is not a link
    refuse(format!("token={}", user.token)).await;
    // expired: signed with this server's own key, an hour ago
    let secret = std::fs::read(server.dir.path().join("jwt.secret")).unwrap();
    let signer = dialbox::recordings::sign::LinkSigner::new(&secret);
    let past = chrono::Utc::now().timestamp() - 3600;
    refuse(format!(
        "token={}",
        signer.sign(rec["id"].as_str().unwrap(), (&user.id, 0), past)
    ))
    .await;
    // the same signer with a future expiry is accepted: the expiry alone made the difference
    let future = chrono::Utc::now().timestamp() + 3600;
    let fresh = format!(
        "{}{path}?token={}",
        server.base,
        signer.sign(rec["id"].as_str().unwrap(), (&user.id, 0), future)
    );
    assert_eq!(
        server
            .client
            .get(&fresh)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    server.stop().await;
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn download_link_is_an_attachment_with_a_chinese_safe_name() {
    let server = TestServer::start().await;
    let user = server.create_user("st_down", "sales_staff", "").await;
    let rec = recording(&server, &user, audio::mp3(3)).await;
    let id = rec["id"].as_str().unwrap();
    let (status, body) = server
        .get(
            &format!("/api/v1/calls/recordings/{id}/download"),
            &user.token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let filename = body["data"]["filename"].as_str().unwrap();
    assert!(
        filename.starts_with("录音_张三_") && filename.ends_with(".mp3"),
        "{filename}"
    );
    let url = body["data"]["url"].as_str().unwrap();
    assert!(url.contains("download=1"));
    let resp = server.client.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let disposition = header(&resp, "content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"recording_"),
        "{disposition}"
    );
    // 录音_张三_ percent-encoded as UTF-8 (RFC 6266 / 8187)
    assert!(
        disposition.contains("filename*=UTF-8''%E5%BD%95%E9%9F%B3_%E5%BC%A0%E4%B8%89_"),
        "{disposition}"
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), audio::mp3(3));
    // someone else's recording: 404
    let other = server.create_user("st_down2", "sales_staff", "").await;
    let (status, body) = server
        .get(
            &format!("/api/v1/calls/recordings/{id}/download"),
            &other.token,
        )
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = server
        .get("/api/v1/calls/recordings/rec_missing/download", &user.token)
        .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    server.stop().await;
}
