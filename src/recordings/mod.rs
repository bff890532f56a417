//! Recordings (§4.3–§4.8, contract §8): uploads streamed to disk and checked by content, files
//! streamed back with byte ranges, signed links for browsers, and retention.
//!
//! - `format`: which audio format a file is, from its first bytes
//! - `storage`: where files live and the path checks every request path passes
//! - `receive`, `upload`: the streamed multipart upload and storing it
//! - `range`, `stream`: the raw streaming route
//! - `sign`, `links`: signed link tokens, URLs and download names
//! - `manage`: list, find, delete and count what a caller may see
//! - `retention`: the age and disk budget sweep
//! - `reconcile`: files without rows and rows without files, after a crash

pub mod base64_body;
pub mod format;
pub mod length;
pub mod links;
pub mod manage;
pub mod range;
pub mod receive;
pub mod reconcile;
pub mod retention;
pub mod sign;
pub mod storage;
pub mod upload;

/// The recordings' share of the server state.
pub struct Recordings {
    /// Signs and checks the links in `fileUrl` and §4.6 `url`.
    pub links: sign::LinkSigner,
    /// Serialises retention's sweeps: the periodic one and those after uploads never run
    /// together.
    pub sweeps: tokio::sync::Mutex<()>,
}

impl Recordings {
    pub fn new(jwt_secret: &[u8]) -> Self {
        Self {
            links: sign::LinkSigner::new(jwt_secret),
            sweeps: tokio::sync::Mutex::new(()),
        }
    }
}
