//! Tiny but well-formed audio files of the seven formats the shipped app uploads, built in the
//! test (no binary fixtures), and the multipart upload of one.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::calls::call_now;
use super::{TestServer, TestUser};

/// `(format name, extension the app would use, bytes)` for each of the seven formats.
pub fn all_formats() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("mp3", "mp3", mp3(4)),
        ("wav", "wav", wav(800)),
        ("m4a", "m4a", iso_bmff(b"M4A ")),
        ("3gp", "3gp", iso_bmff(b"3gp4")),
        ("amr", "amr", amr(10)),
        ("aac", "aac", adts(5)),
        ("ogg", "ogg", ogg()),
    ]
}

/// MPEG-1 layer III frames, 128 kbit/s, 44.1 kHz (417 bytes each), after an ID3v2 tag.
pub fn mp3(frames: usize) -> Vec<u8> {
    let mut out = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
    for _ in 0..frames {
        out.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        out.extend(std::iter::repeat_n(0u8, 413));
    }
    out
}

/// The same frames without a tag: detected by frame sync alone.
pub fn mp3_untagged(frames: usize) -> Vec<u8> {
    mp3(frames).split_off(10)
}

/// PCM WAV, 8 kHz mono 16-bit, `samples` samples of a ramp.
pub fn wav(samples: u32) -> Vec<u8> {
    let data_len = samples * 2;
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..samples {
        out.extend_from_slice(&((i % 200) as i16 * 100).to_le_bytes());
    }
    out
}

/// PCM WAV of `secs` seconds: long enough for a player to seek within.
pub fn wav_seconds(secs: u32) -> Vec<u8> {
    wav(secs * 8000)
}

/// An ISO base media file: `ftyp` with the major brand, then a small `mdat`.
pub fn iso_bmff(brand: &[u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&24u32.to_be_bytes());
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(brand);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(brand);
    out.extend_from_slice(b"isom");
    out.extend_from_slice(&(8u32 + 200).to_be_bytes());
    out.extend_from_slice(b"mdat");
    out.extend(std::iter::repeat_n(0x21u8, 200));
    out
}

/// AMR-NB: the magic, then 12.2 kbit/s frames (header 0x3C, 31 bytes of speech bits).
pub fn amr(frames: usize) -> Vec<u8> {
    let mut out = b"#!AMR\n".to_vec();
    for _ in 0..frames {
        out.push(0x3C);
        out.extend(std::iter::repeat_n(0x55u8, 31));
    }
    out
}

/// ADTS AAC-LC frames, 44.1 kHz mono, each a 7-byte header and 100 bytes of payload.
pub fn adts(frames: usize) -> Vec<u8> {
    let len: u16 = 7 + 100;
    let mut out = Vec::new();
    for _ in 0..frames {
        out.extend_from_slice(&[
            0xFF,
            0xF1,
            0x50,
            0x80 | ((len >> 11) as u8 & 0x03),
            (len >> 3) as u8,
            ((len & 0x07) as u8) << 5 | 0x1F,
            0xFC,
        ]);
        out.extend(std::iter::repeat_n(0u8, 100));
    }
    out
}

/// One Ogg page with an Opus identification header.
pub fn ogg() -> Vec<u8> {
    let packet = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00";
    let mut out = b"OggS\x00\x02".to_vec();
    out.extend_from_slice(&0u64.to_le_bytes()); // granule
    out.extend_from_slice(&1u32.to_le_bytes()); // serial
    out.extend_from_slice(&0u32.to_le_bytes()); // sequence
    out.extend_from_slice(&0u32.to_le_bytes()); // checksum (not checked by the server)
    out.push(1);
    out.push(packet.len() as u8);
    out.extend_from_slice(packet);
    out
}

/// Uploads `bytes` as the form's `file` for `call_id` (and `duration` when given), as the app
/// does; returns status and JSON.
pub async fn upload(
    server: &TestServer,
    token: &str,
    call_id: Option<&str>,
    duration: Option<&str>,
    file_name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut form = Form::new();
    if let Some(call_id) = call_id {
        form = form.text("callId", call_id.to_string());
    }
    if let Some(duration) = duration {
        form = form.text("duration", duration.to_string());
    }
    form = form.part("file", Part::bytes(bytes).file_name(file_name.to_string()));
    send_form(server, token, form).await
}

pub async fn send_form(server: &TestServer, token: &str, form: Form) -> (u16, Value) {
    let resp = server
        .client
        .post(server.url("/api/v1/mobile/recording/upload"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload sent");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("upload answered non-JSON ({status}): {text:?}"));
    (status, body)
}

/// Uploads a small mp3 for `call_id` and returns the answer's `data` (panics on failure).
pub async fn upload_ok(server: &TestServer, token: &str, call_id: &str, bytes: Vec<u8>) -> Value {
    let (status, body) = upload(server, token, Some(call_id), None, "a.mp3", bytes).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

/// Uploads `bytes` for a new call (§5.7) of `user`; returns the upload's data.
pub async fn recording(server: &TestServer, user: &TestUser, bytes: Vec<u8>) -> Value {
    let call = call_now(server, &user.token).await;
    upload_ok(server, &user.token, &call, bytes).await
}

/// A recording's path below the stream route: its `filePath` without `/recordings/`.
pub fn rel_of(data: &Value) -> String {
    data["filePath"]
        .as_str()
        .unwrap()
        .strip_prefix("/recordings/")
        .unwrap()
        .to_string()
}
