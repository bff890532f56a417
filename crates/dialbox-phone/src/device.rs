//! The state file: what a bound phone keeps between runs (server, socket address and token,
//! login token, device id, dialect). Written atomically: a temporary file renamed over the old.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Dialect;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The API base the user typed, e.g. `http://192.168.1.20:3000`.
    pub server: String,
    /// The socket address from the bind answer.
    pub ws_url: String,
    pub ws_token: String,
    /// The login token (the shipped app uses it for its HTTP calls).
    pub login_token: String,
    pub device_id: String,
    pub dialect: Dialect,
    #[serde(default)]
    pub phone_id: serde_json::Value,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub phone_number: String,
}

impl Device {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "cannot read the state file {} ({e}): run `dialbox-phone bind` first",
                path.display()
            )
        })?;
        serde_json::from_str(&text)
            .map_err(|e| format!("the state file {} is not valid: {e}", path.display()))
    }

    /// Writes the file under a temporary name in the same folder, then renames it into place.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|e| format!("cannot write the state file {}: {e}", path.display()))
    }

    /// Forgets the binding (after DEVICE_UNBIND or a revoked token).
    pub fn clear(path: &Path) -> Result<(), String> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
        }
    }

    /// The token for this phone's HTTP calls: the document's app uses its device token, the
    /// shipped app its login token (contract §13).
    pub fn http_token(&self) -> &str {
        match self.dialect {
            Dialect::Document => &self.ws_token,
            Dialect::ShippedApp | Dialect::ShippedApp24 => &self.login_token,
        }
    }
}
