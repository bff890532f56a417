//! §4.5 stream: byte ranges, content types, traversal attempts sent byte for byte over a raw
//! socket, symlinks out of the folder, visibility by role, methods and preflight. Signed links
//! and downloads: `recordings_links.rs`.

use crate::common;

use common::audio::{self, recording, rel_of};
use common::raw_http;
use common::{TestServer, assert_error};
use serde_json::{Value, json};

const STREAM: &str = "/api/v1/calls/recordings/stream/";

async fn get(
    server: &TestServer,
    path: &str,
    token: Option<&str>,
    range: Option<&str>,
) -> reqwest::Response {
    let mut req = server.client.get(server.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(range) = range {
        req = req.header("range", range);
    }
    req.send().await.unwrap()
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn byte_ranges() {
    let server = TestServer::start().await;
    let user = server.create_user("st_range", "sales_staff", "").await;
    let bytes = audio::wav(1000);
    let len = bytes.len();
    let rec = recording(&server, &user, bytes.clone()).await;
    let path = format!("{STREAM}{}", rel_of(&rec));
    let token = Some(user.token.as_str());

    let resp = get(&server, &path, token, None).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(header(&resp, "accept-ranges"), "bytes");
    assert_eq!(header(&resp, "content-type"), "audio/wav");
    assert_eq!(header(&resp, "content-length"), len.to_string());
    assert!(header(&resp, "content-disposition").starts_with("inline"));
    assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);

    let cases: [(&str, usize, usize); 5] = [
        ("bytes=0-99", 0, 99),            // first bytes
        ("bytes=100-", 100, len - 1),     // open end
        ("bytes=-50", len - 50, len - 1), // suffix
        ("bytes=10-10", 10, 10),
        ("bytes=1900-999999", 1900, len - 1), // end clamped to the file
    ];
    for (range, start, end) in cases {
        let resp = get(&server, &path, token, Some(range)).await;
        assert_eq!(resp.status().as_u16(), 206, "{range}");
        assert_eq!(
            header(&resp, "content-range"),
            format!("bytes {start}-{end}/{len}"),
            "{range}"
        );
        assert_eq!(
            header(&resp, "content-length"),
            (end - start + 1).to_string()
        );
        assert_eq!(
            resp.bytes().await.unwrap().to_vec(),
            bytes[start..=end].to_vec(),
            "{range}"
        );
    }

    // past the end: 416 with the contract's JSON error and the length
    for range in [
        format!("bytes={len}-"),
        format!("bytes={}-{}", len + 10, len + 20),
        "bytes=-0".to_string(),
    ] {
        let resp = get(&server, &path, token, Some(&range)).await;
        assert_eq!(
            header(&resp, "content-range"),
            format!("bytes */{len}"),
            "{range}"
        );
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        assert_error(status, &body, 416, "RANGE_NOT_SATISFIABLE");
    }

    // malformed or several ranges: ignored, the whole file (RFC 9110 §14.2)
    for range in [
        "bytes=abc",
        "bytes=5-2",
        "bytes=0-1,5-9",
        "items=0-10",
        "bytes=--5",
    ] {
        let resp = get(&server, &path, token, Some(range)).await;
        assert_eq!(resp.status().as_u16(), 200, "{range}");
        assert_eq!(resp.bytes().await.unwrap().len(), len, "{range}");
    }

    // HEAD: the headers only
    let resp = raw_http::request(
        &server,
        "HEAD",
        &path,
        &[
            ("Authorization", &format!("Bearer {}", user.token)),
            ("Range", "bytes=0-9"),
        ],
    )
    .await;
    assert_eq!(resp.status, 206);
    assert_eq!(
        resp.header("content-range"),
        Some(format!("bytes 0-9/{len}").as_str())
    );
    assert!(resp.body.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn content_type_follows_the_format() {
    let server = TestServer::start().await;
    let user = server.create_user("st_mime", "sales_staff", "").await;
    let want = [
        ("mp3", "audio/mpeg"),
        ("wav", "audio/wav"),
        ("m4a", "audio/mp4"),
        ("3gp", "audio/3gpp"),
        ("amr", "audio/amr"),
        ("aac", "audio/aac"),
        ("ogg", "audio/ogg"),
    ];
    for ((format, _, bytes), (name, mime)) in audio::all_formats().into_iter().zip(want) {
        assert_eq!(format, name);
        let rec = recording(&server, &user, bytes.clone()).await;
        let resp = get(
            &server,
            &format!("{STREAM}{}", rel_of(&rec)),
            Some(&user.token),
            None,
        )
        .await;
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(header(&resp, "content-type"), mime, "{format}");
        assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);
    }
    server.stop().await;
}

#[tokio::test]
async fn traversal_attempts_are_404_over_a_raw_socket() {
    let server = TestServer::start().await;
    let rec = recording(
        &server,
        &server.create_user("st_trav", "sales_staff", "").await,
        audio::mp3(2),
    )
    .await;
    let rel = rel_of(&rec);
    let (day, name) = rel.rsplit_once('/').unwrap();
    let auth = format!("Bearer {}", server.admin_token);
    let headers = [("Authorization", auth.as_str())];

    // the stream route, and the document's recordingUrl form of the same file (§5.2 `/recordings/…`)
    for prefix in [STREAM, "/recordings/"] {
        // the control: the real path over the same raw socket is served
        let ok = raw_http::request(&server, "GET", &format!("{prefix}{rel}"), &headers).await;
        assert_eq!(ok.status, 200);
        assert_eq!(ok.body, audio::mp3(2));

        // jwt.secret and dialbox.db sit beside recordings/ in the data folder
        let attempts = [
            format!("{prefix}../jwt.secret"),
            format!("{prefix}../../../../../../etc/passwd"),
            format!("{prefix}{day}/../../../../jwt.secret"),
            format!("{prefix}{day}/../../../../dialbox.db"),
            format!("{prefix}%2e%2e/jwt.secret"),
            format!("{prefix}%2e%2e%2fjwt.secret"),
            format!("{prefix}..%2fjwt.secret"),
            format!("{prefix}{day}/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fjwt.secret"),
            format!("{prefix}%252e%252e%252fjwt.secret"),
            format!(
                "{prefix}{day}/%252e%252e%252f%252e%252e%252f%252e%252e%252f%252e%252e%252fjwt.secret"
            ),
            format!("{prefix}/etc/passwd"),
            format!("{prefix}%2fetc%2fpasswd"),
            format!("{prefix}..%5c..%5cjwt.secret"),
            format!("{prefix}{day}\\..\\..\\..\\..\\jwt.secret"),
            format!("{prefix}..\\jwt.secret"),
            format!("{prefix}{day}/..%5c..%5c..%5c..%5cjwt.secret"),
            format!("{prefix}{}", rel.replacen('/', "//", 1)),
            format!("{prefix}{day}//{name}"),
            format!("{prefix}{}", rel.replace('/', "%2f")),
            format!("{prefix}{rel}%00.txt"),
            format!("{prefix}{day}/.{name}"),
            format!("{prefix}.tmp/x/y/z"),
            format!("{prefix}{day}/jwt.secret"),
            format!("{prefix}{rel}/"),
            format!("{prefix}./{rel}"),
        ];
        for target in &attempts {
            let resp = raw_http::request(&server, "GET", target, &headers).await;
            assert_eq!(
                resp.status,
                404,
                "{target}: {:?}",
                String::from_utf8_lossy(&resp.body)
            );
            assert_eq!(resp.json()["code"], json!("NOT_FOUND"), "{target}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_symlink_out_of_the_folder_is_not_followed() {
    let server = TestServer::start().await;
    let user = server.create_user("st_link", "sales_staff", "").await;
    let rec = recording(&server, &user, audio::mp3(2)).await;
    let rel = rel_of(&rec);
    let file = server.dir.path().join("recordings").join(&rel);
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(server.dir.path().join("jwt.secret"), &file).unwrap();
    let resp = get(
        &server,
        &format!("{STREAM}{rel}"),
        Some(&server.admin_token),
        None,
    )
    .await;
    let status = resp.status().as_u16();
    assert_error(status, &resp.json().await.unwrap(), 404, "NOT_FOUND");
    server.stop().await;
}

#[tokio::test]
async fn visibility_by_role_methods_and_preflight() {
    let server = TestServer::start().await;
    let owner = server.create_user("st_vis", "sales_staff", "一部").await;
    let peer = server.create_user("st_peer", "sales_staff", "一部").await;
    let manager = server.create_user("st_mgr", "manager", "一部").await;
    let outsider = server.create_user("st_mgr2", "manager", "二部").await;
    let rec = recording(&server, &owner, audio::mp3(2)).await;
    let path = format!("{STREAM}{}", rel_of(&rec));
    for (token, want) in [
        (&owner.token, 200),
        (&manager.token, 200),
        (&server.admin_token, 200),
        (&peer.token, 404),
        (&outsider.token, 404),
    ] {
        let resp = get(&server, &path, Some(token), None).await;
        assert_eq!(resp.status().as_u16(), want);
    }
    let resp = get(&server, &path, Some("garbage"), None).await;
    assert_eq!(resp.status().as_u16(), 401);

    let auth = format!("Bearer {}", owner.token);
    let resp = raw_http::request(
        &server,
        "POST",
        &path,
        &[("Authorization", &auth), ("Content-Length", "0")],
    )
    .await;
    assert_eq!(resp.status, 405);
    assert_eq!(resp.json()["code"], json!("METHOD_NOT_ALLOWED"));
    let resp = raw_http::request(
        &server,
        "OPTIONS",
        &path,
        &[
            ("Origin", "http://example.test"),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization, range"),
        ],
    )
    .await;
    assert_eq!(resp.status, 204);
    assert_eq!(resp.header("access-control-allow-origin"), Some("*"));
    server.stop().await;
}
