//! upload and range: a large recording (default 200 MB) sent through §4.3 and read back through
//! §4.5 with a Range header. Upload: server RSS growth (sampled from /proc during the upload)
//! and throughput against `cp` of the same file on the same disk. Range: throughput against
//! nginx serving the same file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use super::report::{mb, percentile, r3, table};
use super::{BenchArgs, Running, Target, USER_PASSWORD, kib_text, opt, provision};
use crate::scenario::Outcome;

/// A server with one ended, connected call of a user, and a big file to upload for it.
struct Prepared {
    target: Target,
    token: String,
    call_id: String,
    file: PathBuf,
    size: u64,
    dir: tempfile::TempDir,
}

async fn prepare(args: &BenchArgs) -> Result<Prepared, String> {
    let limit = (args.size_mb + 16).to_string();
    let target = Target::open(args, &["--max-upload-mb".into(), limit]).await?;
    let (users, devices) = provision(&target, 1, 1, "file").await?;
    let token = target
        .api
        .login(&users[0].username, USER_PASSWORD, None)
        .await?;
    let mut phones = Running::start(devices, &super::behaviour(Outcome::Connected));
    if phones.wait_online(1, Duration::from_secs(30)).await < 1 {
        return Err("the bench phone did not come online".into());
    }
    let call_id = target.api.dial(&token, "13800000000", "录音客户").await?;
    // the phone answers, talks for no time and reports the end: wait for the record to show it
    let mut ended = false;
    for _ in 0..100 {
        let call = target
            .api
            .get(&format!("/api/v1/mobile/call/{call_id}"), &token)
            .await?;
        if call["callStatus"] == "connected" && !call["endTime"].is_null() {
            ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    phones.stop().await;
    if !ended {
        return Err(format!("call {call_id} did not end as connected"));
    }
    let dir = tempfile::Builder::new()
        .prefix("dialbox-bench-file-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let size = args.size_mb * 1024 * 1024;
    let file = dir.path().join("big.wav");
    write_wav(&file, size).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(Prepared {
        target,
        token,
        call_id,
        file,
        size,
        dir,
    })
}

/// A WAV file of `size` bytes in all: the header, then noise (not compressible, not zeros).
fn write_wav(path: &Path, size: u64) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header = crate::audio::wav_header((size - 44) as u32);
    out.write_all(&header)?;
    let block: Vec<u8> = (0..1 << 20).map(|_| rand::random::<u8>()).collect();
    let mut left = size - header.len() as u64;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    out.get_ref().sync_all()
}

/// §4.3 with the file streamed from disk; returns the answer's data.
async fn upload_file(p: &Prepared) -> Result<Value, String> {
    let file = tokio::fs::File::open(&p.file)
        .await
        .map_err(|e| format!("cannot open {}: {e}", p.file.display()))?;
    // read into uninitialised capacity: zeroing a fresh buffer per chunk would cost the
    // client (which shares the cores with the server) a pass over the whole file
    let chunks = futures_util::stream::unfold(file, |mut f| async move {
        let mut buf = bytes::BytesMut::with_capacity(256 * 1024);
        match f.read_buf(&mut buf).await {
            Ok(0) => None,
            Ok(_) => Some((Ok::<_, std::io::Error>(buf.freeze()), f)),
            Err(e) => Some((Err(e), f)),
        }
    });
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), p.size)
            .file_name("big.wav")
            .mime_str("audio/wav")
            .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new()
        .text("callId", p.call_id.clone())
        .part("file", part);
    let path = "/api/v1/mobile/recording/upload";
    let resp = p
        .target
        .api
        .client()
        .post(p.target.api.url(path))
        .bearer_auth(&p.token)
        .timeout(Duration::from_secs(600))
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("POST {path}: {e}"))?;
    crate::api::envelope(&format!("POST {path}"), resp).await
}

/// Upload rounds, each against a fresh `cp` of the same file: the disk and the page cache of a
/// shared machine vary from one second to the next, so one run of each says little.
const UPLOAD_ROUNDS: usize = 5;

/// `cp` of the file to the same disk: (seconds for cp, seconds for cp + the fsync the server
/// also does before it keeps a recording).
fn cp_once(p: &Prepared) -> Result<(f64, f64), String> {
    let copy = p.dir.path().join("copy.wav");
    let t = Instant::now();
    let status = std::process::Command::new("cp")
        .arg(&p.file)
        .arg(&copy)
        .status()
        .map_err(|e| format!("cannot run cp: {e}"))?;
    let cp_secs = t.elapsed().as_secs_f64();
    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync the copy: {e}"))?;
    let cp_sync_secs = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&copy);
    if !status.success() {
        return Err("cp failed".into());
    }
    Ok((cp_secs, cp_sync_secs))
}

pub async fn upload(args: &BenchArgs) -> Result<Value, String> {
    let p = prepare(args).await?;
    let before = p.target.rss_kib();
    let peak = Arc::new(AtomicU64::new(before.unwrap_or(0)));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = p.target.pid.map(|pid| {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = super::server::rss_kib(pid) {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    });
    let (mut cp_rates, mut cp_sync_rates, mut up_rates) = (Vec::new(), Vec::new(), Vec::new());
    let mut answer = Ok(Value::Null);
    let size_mb = mb(p.size);
    for _ in 0..UPLOAD_ROUNDS {
        let (cp_secs, cp_sync_secs) = cp_once(&p)?;
        cp_rates.push(size_mb / cp_secs);
        cp_sync_rates.push(size_mb / cp_sync_secs);
        let t = Instant::now();
        answer = upload_file(&p).await;
        if answer.is_err() {
            break;
        }
        up_rates.push(size_mb / t.elapsed().as_secs_f64());
    }
    done.store(true, Ordering::Relaxed);
    if let Some(s) = sampler {
        let _ = s.await;
    }
    let answer = answer?;
    let (up, cp, cp_sync) = (
        percentile(&up_rates, 50.0),
        percentile(&cp_rates, 50.0),
        percentile(&cp_sync_rates, 50.0),
    );
    let (up_min, up_max) = (percentile(&up_rates, 0.0), percentile(&up_rates, 100.0));
    let peak = before.map(|_| peak.load(Ordering::Relaxed));
    let growth = before.zip(peak).map(|(b, p)| p.saturating_sub(b));
    table(
        &format!("upload: {size_mb:.0} MB recording through §4.3 (median of {UPLOAD_ROUNDS})"),
        &[
            (
                "stored as",
                // without the signed link's token
                answer["recordingUrl"]
                    .as_str()
                    .and_then(|u| u.split('?').next())
                    .unwrap_or("-")
                    .to_string(),
            ),
            (
                "upload",
                format!("{up:.0} MB/s (rounds {up_min:.0}–{up_max:.0})"),
            ),
            ("cp (same disk)", format!("{cp:.0} MB/s")),
            ("cp + fsync", format!("{cp_sync:.0} MB/s")),
            (
                "upload vs cp / cp+fsync",
                format!("{:.0}% / {:.0}%", 100.0 * up / cp, 100.0 * up / cp_sync),
            ),
            ("server RSS before", kib_text(before)),
            ("server RSS peak", kib_text(peak)),
            ("growth", kib_text(growth)),
        ],
    );
    Ok(json!({
        "bench": "upload",
        "size_mb": args.size_mb,
        "rounds": UPLOAD_ROUNDS,
        "upload_mb_s": r3(up),
        "upload_min_mb_s": r3(up_min),
        "upload_max_mb_s": r3(up_max),
        "cp_mb_s": r3(cp),
        "cp_fsync_mb_s": r3(cp_sync),
        "vs_cp_percent": r3(100.0 * up / cp),
        "vs_cp_fsync_percent": r3(100.0 * up / cp_sync),
        "rss_before_kib": opt(before),
        "rss_peak_kib": opt(peak),
        "rss_growth_kib": opt(growth),
    }))
}

pub async fn range(args: &BenchArgs) -> Result<Value, String> {
    let p = prepare(args).await?;
    upload_file(&p).await?;
    let list = p
        .target
        .api
        .get(
            &format!("/api/v1/calls/recordings?callId={}", p.call_id),
            &p.token,
        )
        .await?;
    let file_path = list["recordings"][0]["filePath"]
        .as_str()
        .ok_or("the recordings list has no filePath")?
        .to_string();
    let inside = file_path.trim_start_matches("/recordings/");
    let ours_url = p
        .target
        .api
        .url(&format!("/api/v1/calls/recordings/stream/{inside}"));
    let ours = throughput(&p, &ours_url, Some(&p.token)).await?;
    let mut rows = vec![("DialBox §4.5", format!("{ours:.0} MB/s"))];
    let mut nginx_mb_s = None;
    match super::nginx::find() {
        None => rows.push(("nginx", "nginx not installed".to_string())),
        Some(bin) => {
            // the very file DialBox stored when it is ours; the uploaded original otherwise
            let (root, rel) = match &p.target.data_dir {
                Some(data) => (data.clone(), file_path.trim_start_matches('/').to_string()),
                None => (p.dir.path().to_path_buf(), "big.wav".to_string()),
            };
            let nginx = super::nginx::Nginx::start(&bin, &root)?;
            let url = format!("http://127.0.0.1:{}/{rel}", nginx.port);
            let theirs = throughput(&p, &url, None).await?;
            rows.push(("nginx (same file)", format!("{theirs:.0} MB/s")));
            rows.push(("DialBox vs nginx", format!("{:.0}%", 100.0 * ours / theirs)));
            nginx_mb_s = Some(theirs);
        }
    }
    table(
        &format!(
            "range: {:.0} MB streamed with Range: bytes=0- (median of 5)",
            mb(p.size)
        ),
        &rows,
    );
    Ok(json!({
        "bench": "range",
        "size_mb": args.size_mb,
        "dialbox_mb_s": r3(ours),
        "nginx_mb_s": nginx_mb_s.map(r3),
        "vs_nginx_percent": nginx_mb_s.map(|n| r3(100.0 * ours / n)),
    }))
}

/// Reads the whole file with `Range: bytes=0-` five times; the median MB/s.
async fn throughput(p: &Prepared, url: &str, token: Option<&str>) -> Result<f64, String> {
    let mut rates = Vec::new();
    for _ in 0..5 {
        let mut req = p
            .target
            .api
            .client()
            .get(url)
            .header("Range", "bytes=0-")
            .timeout(Duration::from_secs(600));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let t = Instant::now();
        let resp = req.send().await.map_err(|e| format!("GET {url}: {e}"))?;
        if resp.status().as_u16() != 206 {
            return Err(format!("GET {url}: HTTP {} instead of 206", resp.status()));
        }
        let mut body = resp.bytes_stream();
        let mut got = 0u64;
        while let Some(chunk) = body.next().await {
            got += chunk.map_err(|e| format!("GET {url}: {e}"))?.len() as u64;
        }
        if got != p.size {
            return Err(format!("GET {url}: {got} bytes instead of {}", p.size));
        }
        rates.push(mb(got) / t.elapsed().as_secs_f64());
    }
    Ok(percentile(&rates, 50.0))
}
