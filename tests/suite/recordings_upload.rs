//! §4.3 upload: each of the seven formats by content, refusals (415, 413 with and without
//! Content-Length, 400, 404, 401), a connection cut mid-upload, stale temporary files, and what
//! a stored upload leaves in the folder and the database.

use crate::common;

use std::path::{Path, PathBuf};

use common::audio::{self, upload};
use common::calls::call_now;
use common::{TestServer, assert_error, eventually};
use reqwest::multipart::{Form, Part};
use serde_json::json;
use tokio::io::AsyncWriteExt;

fn recordings_dir(server: &TestServer) -> PathBuf {
    server.dir.path().join("recordings")
}

/// Every stored recording file (temporary files excluded).
fn stored_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name() == ".tmp" {
            continue;
        }
        if path.is_dir() {
            out.extend(stored_files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn temp_files(server: &TestServer) -> usize {
    std::fs::read_dir(recordings_dir(server).join(".tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn recording_rows(server: &TestServer) -> i64 {
    server
        .db()
        .query_row("SELECT COUNT(*) FROM recordings", [], |r| r.get(0))
        .unwrap()
}

#[tokio::test]
async fn each_of_the_seven_formats_is_stored_by_its_content() {
    let server = TestServer::start().await;
    let user = server.create_user("rec_fmt", "sales_staff", "一部").await;
    for (format, ext, bytes) in audio::all_formats() {
        let call = call_now(&server, &user.token).await;
        // the name says nothing: the content decides
        let (status, body) = upload(
            &server,
            &user.token,
            Some(&call),
            Some("17"),
            "upload.bin",
            bytes.clone(),
        )
        .await;
        assert_eq!(status, 200, "{format}: {body}");
        let data = &body["data"];
        assert_eq!(data["fileSize"], json!(bytes.len()), "{format}");
        assert_eq!(data["format"], json!(format));
        // WAV and AMR say their own length (these samples: 0.1 s and 0.2 s); the others keep
        // what the phone sent
        let own = matches!(format, "wav" | "amr");
        assert_eq!(
            data["duration"],
            json!(if own { 0 } else { 17 }),
            "{format}"
        );
        let file_path = data["filePath"].as_str().unwrap();
        let rel = file_path.strip_prefix("/recordings/").unwrap();
        assert!(rel.ends_with(&format!(".{ext}")), "{rel}");
        let on_disk = std::fs::read(recordings_dir(&server).join(rel)).unwrap();
        assert_eq!(on_disk, bytes, "{format} stored byte for byte");
        let url = data["recordingUrl"].as_str().unwrap();
        assert!(url.starts_with(&server.base), "{url}");
        let (has, rows): (bool, i64) = server
            .db()
            .query_row(
                "SELECT c.has_recording, (SELECT COUNT(*) FROM recordings WHERE call_id = c.id)
                   FROM call_records c WHERE c.id = ?1",
                [&call],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(has, "{format}: the call is marked hasRecording");
        assert_eq!(rows, 1);
    }
    // frame sync without an ID3 tag is mp3 too
    let call = call_now(&server, &user.token).await;
    let data = audio::upload_ok(&server, &user.token, &call, audio::mp3_untagged(3)).await;
    assert_eq!(data["format"], json!("mp3"));
    assert_eq!(temp_files(&server), 0);
    server.stop().await;
}

#[tokio::test]
async fn duration_defaults_to_the_call_and_a_second_upload_is_a_second_recording() {
    let server = TestServer::start().await;
    let user = server.create_user("rec_dur", "sales_staff", "").await;
    let call = call_now(&server, &user.token).await; // 42 seconds
    let first = audio::upload_ok(&server, &user.token, &call, audio::mp3(2)).await;
    assert_eq!(first["duration"], json!(42));
    let second = audio::upload_ok(&server, &user.token, &call, audio::wav(100)).await;
    assert_ne!(first["id"], second["id"]);
    assert_ne!(first["filePath"], second["filePath"]);
    let n: i64 = server
        .db()
        .query_row(
            "SELECT COUNT(*) FROM recordings WHERE call_id = ?1",
            [&call],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
    // a fraction is rounded; junk is refused
    let (status, body) = upload(
        &server,
        &user.token,
        Some(&call),
        Some("12.6"),
        "a.mp3",
        audio::mp3(1),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["duration"], json!(13));
    for bad in ["abc", "-1", "NaN"] {
        let (status, body) = upload(
            &server,
            &user.token,
            Some(&call),
            Some(bad),
            "a.mp3",
            audio::mp3(1),
        )
        .await;
        assert_error(status, &body, 400, "INVALID_PARAMS");
    }
    assert_eq!(recording_rows(&server), 3);
    server.stop().await;
}

#[tokio::test]
async fn refusals_leave_nothing_behind() {
    let server = TestServer::start().await;
    let owner = server.create_user("rec_own", "sales_staff", "一部").await;
    let other = server.create_user("rec_oth", "sales_staff", "一部").await;
    let call = call_now(&server, &owner.token).await;

    // a text file named .mp3
    let (status, body) = upload(
        &server,
        &owner.token,
        Some(&call),
        None,
        "fake.mp3",
        b"this is not audio at all, just text".to_vec(),
    )
    .await;
    assert_error(status, &body, 415, "UNSUPPORTED_MEDIA_TYPE");
    // a file too short to be anything
    let (status, body) = upload(
        &server,
        &owner.token,
        Some(&call),
        None,
        "x.mp3",
        b"hi".to_vec(),
    )
    .await;
    assert_error(status, &body, 415, "UNSUPPORTED_MEDIA_TYPE");
    // empty file
    let (status, body) = upload(
        &server,
        &owner.token,
        Some(&call),
        None,
        "x.mp3",
        Vec::new(),
    )
    .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    // no callId, empty callId, no file
    let (status, body) = upload(&server, &owner.token, None, None, "a.mp3", audio::mp3(2)).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let (status, body) = upload(
        &server,
        &owner.token,
        Some(" "),
        None,
        "a.mp3",
        audio::mp3(2),
    )
    .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    let form = Form::new().text("callId", call.clone());
    let (status, body) = audio::send_form(&server, &owner.token, form).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    // another user's call, an unknown call: 404 (never 403)
    let (status, body) = upload(
        &server,
        &other.token,
        Some(&call),
        None,
        "a.mp3",
        audio::mp3(2),
    )
    .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    let (status, body) = upload(
        &server,
        &owner.token,
        Some("call_20250101_nope"),
        None,
        "a.mp3",
        audio::mp3(2),
    )
    .await;
    assert_error(status, &body, 404, "NOT_FOUND");
    // the file before the callId: still refused for another user's call
    let form = Form::new()
        .part("file", Part::bytes(audio::mp3(2)).file_name("a.mp3"))
        .text("callId", call.clone());
    let (status, body) = audio::send_form(&server, &other.token, form).await;
    assert_error(status, &body, 404, "NOT_FOUND");
    // two files in one form
    let form = Form::new()
        .text("callId", call.clone())
        .part("file", Part::bytes(audio::mp3(2)).file_name("a.mp3"))
        .part("file", Part::bytes(audio::mp3(2)).file_name("b.mp3"));
    let (status, body) = audio::send_form(&server, &owner.token, form).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    // a form of many parts is not an upload
    let mut form = Form::new().text("callId", call.clone());
    for i in 0..20 {
        form = form.text(format!("extra{i}"), "x");
    }
    let form = form.part("file", Part::bytes(audio::mp3(2)).file_name("a.mp3"));
    let (status, body) = audio::send_form(&server, &owner.token, form).await;
    assert_error(status, &body, 400, "INVALID_PARAMS");
    // no token, a bad token
    let resp = server
        .client
        .post(server.url("/api/v1/mobile/recording/upload"))
        .multipart(Form::new().text("callId", call.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let (status, body) = upload(
        &server,
        "not-a-token",
        Some(&call),
        None,
        "a.mp3",
        audio::mp3(2),
    )
    .await;
    assert_error(status, &body, 401, "AUTH_FAILED");
    // not multipart at all
    let (status, body) = server
        .post(
            "/api/v1/mobile/recording/upload",
            &owner.token,
            json!({"callId": call}),
        )
        .await;
    assert_error(status, &body, 400, "INVALID_PARAMS");

    assert_eq!(recording_rows(&server), 0);
    assert!(stored_files(&recordings_dir(&server)).is_empty());
    assert_eq!(temp_files(&server), 0);
    let has: bool = server
        .db()
        .query_row(
            "SELECT has_recording FROM call_records WHERE id = ?1",
            [&call],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!has);
    server.stop().await;
}

const SMALL_LIMIT: u64 = 64 * 1024;

#[tokio::test]
async fn over_the_limit_is_413_with_or_without_content_length() {
    let server = TestServer::start_with(|c| c.max_upload_bytes = SMALL_LIMIT).await;
    let user = server.create_user("rec_big", "sales_staff", "").await;
    let call = call_now(&server, &user.token).await;
    // exactly at the limit is fine
    let mut at_limit = audio::mp3(1);
    at_limit.resize(SMALL_LIMIT as usize, 0);
    audio::upload_ok(&server, &user.token, &call, at_limit).await;
    // one byte over, declared in Content-Length (within the form's overhead allowance, so it is
    // the streamed count that refuses it)
    let mut over = audio::mp3(1);
    over.resize(SMALL_LIMIT as usize + 1, 0);
    let (status, body) = upload(&server, &user.token, Some(&call), None, "a.mp3", over).await;
    assert_error(status, &body, 413, "PAYLOAD_TOO_LARGE");
    // far over: refused from Content-Length before reading
    let mut far = audio::mp3(1);
    far.resize(SMALL_LIMIT as usize * 3, 0);
    let (status, body) = upload(
        &server,
        &user.token,
        Some(&call),
        None,
        "a.mp3",
        far.clone(),
    )
    .await;
    assert_error(status, &body, 413, "PAYLOAD_TOO_LARGE");
    // chunked, no Content-Length: counted while streaming
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        far.chunks(8 * 1024).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let form = Form::new()
        .text("callId", call.clone())
        .part("file", Part::stream(body).file_name("a.mp3"));
    let (status, body) = audio::send_form(&server, &user.token, form).await;
    assert_error(status, &body, 413, "PAYLOAD_TOO_LARGE");

    assert_eq!(recording_rows(&server), 1, "only the upload at the limit");
    assert_eq!(stored_files(&recordings_dir(&server)).len(), 1);
    assert_eq!(temp_files(&server), 0);
    server.stop().await;
}

#[tokio::test]
async fn a_connection_cut_mid_upload_leaves_no_file_and_no_row() {
    let server = TestServer::start().await;
    let user = server.create_user("rec_cut", "sales_staff", "").await;
    let call = call_now(&server, &user.token).await;
    let boundary = "dialboxcutboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"callId\"\r\n\r\n{call}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\
         Content-Type: audio/mpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&audio::mp3(250)); // ~100 KB of a promised 1 MB
    let head = format!(
        "POST /api/v1/mobile/recording/upload HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 1000000\r\n\r\n",
        server.addr, user.token
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    stream.flush().await.unwrap();
    // the upload is under way: its temporary file exists
    assert!(
        eventually(|| temp_files(&server) == 1).await,
        "upload started"
    );
    drop(stream);
    assert!(
        eventually(|| temp_files(&server) == 0).await,
        "temporary file removed"
    );
    assert_eq!(recording_rows(&server), 0);
    assert!(stored_files(&recordings_dir(&server)).is_empty());
    // the server still works
    audio::upload_ok(&server, &user.token, &call, audio::mp3(2)).await;
    server.stop().await;
}

#[tokio::test]
async fn temporary_files_of_a_killed_run_are_swept_at_start() {
    let data = tempfile::tempdir().unwrap();
    let tmp = data.path().join("recordings").join(".tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("stale1.part"), b"half an upload").unwrap();
    std::fs::write(tmp.join("stale2.part"), b"another").unwrap();
    let dir = data.path().to_path_buf();
    let server = TestServer::start_with(move |c| c.data_dir = dir).await;
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    server.stop().await;
}

#[tokio::test]
async fn a_recording_uploaded_before_the_end_takes_the_calls_length_later() {
    let server = TestServer::start().await;
    let user = server.create_user("rec_early", "sales_staff", "").await;
    // an open call (no end yet, so no length): the shipped app may upload while it is open
    let (s, b) = server
        .post(
            "/api/v1/calls/records",
            &user.token,
            json!({"customerPhone": "13800138000"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let call = b["data"]["id"].as_str().unwrap().to_string();
    let up = audio::upload_ok(&server, &user.token, &call, audio::mp3(2)).await;
    assert_eq!(up["duration"], json!(0));
    let (s, b) = server
        .put(
            &format!("/api/v1/calls/records/{call}/end"),
            &user.token,
            json!({"duration": 75}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, list) = server
        .get(
            &format!("/api/v1/calls/recordings?callId={call}"),
            &user.token,
        )
        .await;
    assert_eq!(
        list["data"]["recordings"][0]["duration"],
        json!(75),
        "{list}"
    );
    server.stop().await;
}

/// Issue 14 (8): the stored duration is the file's own where the format tells it, whatever the
/// phone sent (the shipped app sends the call's length).
#[tokio::test]
async fn wav_and_amr_recordings_keep_their_own_length() {
    let server = TestServer::start().await;
    let user = server.create_user("rec_len", "sales_staff", "一部").await;
    for (name, bytes, seconds) in [
        ("a.wav", audio::wav_seconds(3), 3),
        ("a.amr", audio::amr(250), 5),
        ("a.mp3", audio::mp3(4), 17),
    ] {
        let call = call_now(&server, &user.token).await;
        let (status, body) =
            upload(&server, &user.token, Some(&call), Some("17"), name, bytes).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["data"]["duration"], json!(seconds), "{name}");
        let (_, listed) = server
            .get(
                &format!("/api/v1/calls/recordings?callId={call}"),
                &user.token,
            )
            .await;
        assert_eq!(
            listed["data"]["recordings"][0]["duration"],
            json!(seconds),
            "{listed}"
        );
    }
}
