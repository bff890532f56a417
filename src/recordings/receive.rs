//! Receiving an uploaded file: streamed into a temporary file in `recordings/.tmp/`, never held
//! in memory. The size limit is counted on the bytes as they arrive (a body without
//! Content-Length cannot pass it), the format is decided from the first bytes (415 before the
//! rest is read), and the file is synced before anyone may rename it into place. Until then a
//! guard removes it when the upload fails or the request is dropped (a cut connection).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Buf;
use futures_util::{Stream, StreamExt};
use tokio::task::JoinHandle;

use super::format::{self, Format, SNIFF_LEN};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Bytes gathered before one write: large writes keep the syscalls few, and two buffers let the
/// network fill one while the disk takes the other.
const WRITE_BUF: usize = 512 * 1024;

/// A temporary file that is removed when dropped, unless `into_path` took it over.
pub struct TempFile {
    path: Option<PathBuf>,
}

impl TempFile {
    pub fn path(&self) -> &Path {
        self.path.as_deref().expect("path present until into_path")
    }

    /// Hands the file over to whoever renames it; the guard no longer removes it.
    pub fn into_path(mut self) -> PathBuf {
        self.path.take().expect("path present until into_path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take()
            && let Err(e) = std::fs::remove_file(&path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove a temporary upload");
        }
    }
}

/// A completely received, synced upload.
pub struct Received {
    pub temp: TempFile,
    pub size: u64,
    pub format: Format,
}

/// Written bytes after which the disk is asked to start writing them out (see `PipelinedWriter`).
const SYNC_EVERY: u64 = 32 * 1024 * 1024;

/// Writes on a blocking thread while the caller keeps reading: one write in flight at a time,
/// its buffer handed back for reuse when the next write starts. Every `SYNC_EVERY` bytes a
/// background `sync_data` on a second handle sends what was written so far to the disk, so the
/// final sync only waits for the tail instead of the whole file.
struct PipelinedWriter {
    idle: Option<FileAndBuffer>,
    running: Option<JoinHandle<io::Result<FileAndBuffer>>>,
    syncing: Option<JoinHandle<io::Result<()>>>,
    unsynced: u64,
}

/// The file and the buffer of the last write, handed back when the write is done.
type FileAndBuffer = (std::fs::File, Vec<u8>);

impl PipelinedWriter {
    fn new(file: std::fs::File) -> Self {
        Self {
            idle: Some((file, Vec::with_capacity(WRITE_BUF))),
            running: None,
            syncing: None,
            unsynced: 0,
        }
    }

    /// Starts a background sync when enough was written and the last one is done. A sync's
    /// error is returned here or by `finish`: the second handle shares the file's error state,
    /// so the final sync would not report a write-back failure that this one already saw.
    async fn sync_in_background(&mut self, file: &std::fs::File) -> io::Result<()> {
        if self.unsynced < SYNC_EVERY || self.syncing.as_ref().is_some_and(|j| !j.is_finished()) {
            return Ok(());
        }
        self.await_sync().await?;
        let handle = file.try_clone()?;
        self.unsynced = 0;
        self.syncing = Some(tokio::task::spawn_blocking(move || handle.sync_data()));
        Ok(())
    }

    async fn await_sync(&mut self) -> io::Result<()> {
        match self.syncing.take() {
            Some(job) => job.await.map_err(io::Error::other)?,
            None => Ok(()),
        }
    }

    async fn settle(&mut self) -> io::Result<FileAndBuffer> {
        if let Some(job) = self.running.take() {
            return job.await.map_err(io::Error::other)?;
        }
        self.idle
            .take()
            .ok_or_else(|| io::Error::other("writer already failed"))
    }

    /// Starts writing `full`; returns an empty buffer to fill meanwhile.
    async fn write(&mut self, full: Vec<u8>) -> io::Result<Vec<u8>> {
        let (mut file, mut spare) = self.settle().await?;
        spare.clear();
        self.unsynced += full.len() as u64;
        self.sync_in_background(&file).await?;
        self.running = Some(tokio::task::spawn_blocking(move || {
            file.write_all(&full)?;
            Ok((file, full))
        }));
        Ok(spare)
    }

    /// Writes the rest and syncs the file to disk.
    async fn finish(mut self, rest: Vec<u8>) -> io::Result<()> {
        let (mut file, _) = self.settle().await?;
        self.await_sync().await?;
        tokio::task::spawn_blocking(move || {
            file.write_all(&rest)?;
            file.sync_all()
        })
        .await
        .map_err(io::Error::other)?
    }
}

/// Streams one file part into `tmp_dir`, at most `limit` bytes, and checks its format.
pub async fn receive<S, B, E>(tmp_dir: &Path, mut part: S, limit: u64) -> ApiResult<Received>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: Buf,
{
    let path = tmp_dir.join(format!("{}.part", crate::ids::secret_hex(12)));
    let file = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::from_io(&e))?
    };
    let temp = TempFile { path: Some(path) };
    let mut writer = PipelinedWriter::new(file);
    let mut buf = Vec::with_capacity(WRITE_BUF);
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
    let mut format = None;
    let mut size: u64 = 0;
    while let Some(chunk) = part.next().await {
        let mut chunk = chunk.map_err(|_| ApiError::invalid("上传中断或格式错误"))?;
        size += chunk.remaining() as u64;
        if size > limit {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge));
        }
        while chunk.has_remaining() {
            let bytes = chunk.chunk();
            if head.len() < SNIFF_LEN {
                let take = (SNIFF_LEN - head.len()).min(bytes.len());
                head.extend_from_slice(&bytes[..take]);
            }
            buf.extend_from_slice(bytes);
            let n = bytes.len();
            chunk.advance(n);
        }
        if format.is_none() && head.len() >= SNIFF_LEN {
            format = Some(sniff(&head)?);
        }
        if buf.len() >= WRITE_BUF {
            buf = writer.write(buf).await.map_err(|e| ApiError::from_io(&e))?;
        }
    }
    if size == 0 {
        return Err(ApiError::invalid("录音文件为空"));
    }
    let format = match format {
        Some(f) => f,
        None => sniff(&head)?,
    };
    writer
        .finish(buf)
        .await
        .map_err(|e| ApiError::from_io(&e))?;
    Ok(Received { temp, size, format })
}

fn sniff(head: &[u8]) -> ApiResult<Format> {
    format::detect(head).ok_or_else(|| {
        ApiError::with_message(
            ErrorCode::UnsupportedMediaType,
            "不支持的录音格式（支持 mp3、wav、m4a、3gp、amr、aac、ogg）",
        )
    })
}
