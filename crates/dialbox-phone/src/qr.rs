//! What a phone camera does: decode a QR PNG (a file or the server's data URL) into its text,
//! and read that text as one of the two bind QR contents (§3.1 or §3.1.1).

use base64::Engine;
use serde_json::Value;

/// What a scanned QR asks the phone to bind with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// §3.1 (PC page): `{type: work_phone_bind, connectionId, userId, serverUrl, expiresAt}`.
    Connection {
        connection_id: String,
        server_url: Option<String>,
    },
    /// §3.1.1 (mobile): `{action: bind_device, token, serverUrl, wsUrl, userId, expiresAt}`.
    Token {
        token: String,
        server_url: Option<String>,
    },
}

impl Target {
    pub fn server_url(&self) -> Option<&str> {
        match self {
            Target::Connection { server_url, .. } | Target::Token { server_url, .. } => {
                server_url.as_deref()
            }
        }
    }

    /// The credential string (`bindToken` in the shipped app's form takes either).
    pub fn credential(&self) -> &str {
        match self {
            Target::Connection { connection_id, .. } => connection_id,
            Target::Token { token, .. } => token,
        }
    }
}

/// Reads a QR content: the JSON a camera gives, or a whole §3.1.1 answer's `qrCodeData`.
pub fn parse(content: &str) -> Result<Target, String> {
    let value: Value =
        serde_json::from_str(content).map_err(|e| format!("the QR content is not JSON: {e}"))?;
    let value = match value.get("qrCodeData") {
        Some(inner) => inner.clone(),
        None => value,
    };
    let server_url = value["serverUrl"].as_str().map(str::to_string);
    if value["type"] == "work_phone_bind" {
        let connection_id = value["connectionId"]
            .as_str()
            .ok_or("the work_phone_bind QR has no connectionId")?;
        return Ok(Target::Connection {
            connection_id: connection_id.into(),
            server_url,
        });
    }
    if value["action"] == "bind_device" {
        let token = value["token"]
            .as_str()
            .ok_or("the bind_device QR has no token")?;
        return Ok(Target::Token {
            token: token.into(),
            server_url,
        });
    }
    Err(format!(
        "not a DialBox bind QR (neither type work_phone_bind nor action bind_device): {value}"
    ))
}

/// Decodes a `data:image/png;base64,...` URL (what §3.1 and §3.1.1 return) to its QR text.
pub fn decode_data_url(url: &str) -> Result<String, String> {
    let b64 = url
        .strip_prefix("data:image/png;base64,")
        .ok_or("the QR image is not a PNG data URL")?;
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("the QR data URL is not base64: {e}"))?;
    decode_png(&png)
}

/// Decodes a PNG holding one QR code to its text, as a phone camera would.
pub fn decode_png(png_bytes: &[u8]) -> Result<String, String> {
    let (width, height, luma) = grey_pixels(png_bytes)?;
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("no QR code found in the image")?;
    let (_, content) = grid
        .decode()
        .map_err(|e| format!("the QR code cannot be read: {e}"))?;
    Ok(content)
}

/// The image as 8-bit grey levels, whatever the PNG's colour type and depth.
fn grey_pixels(png_bytes: &[u8]) -> Result<(usize, usize, Vec<u8>), String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("not a PNG image: {e}"))?;
    let size = reader
        .output_buffer_size()
        .ok_or("the PNG image is too large")?;
    let mut buf = vec![0; size];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| format!("the PNG image cannot be decoded: {e}"))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let luma = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|px| match channels {
            1 | 2 => px[0],
            // ITU-R 601 luma from RGB (alpha ignored)
            _ => ((px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000) as u8,
        })
        .collect::<Vec<u8>>();
    if luma.len() < w * h {
        return Err("the PNG image is shorter than its size".into());
    }
    Ok((w, h, luma))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_qr_contents() {
        let pc = r#"{"type":"work_phone_bind","connectionId":"bind_u_1_x","userId":"u","serverUrl":"http://a:1","expiresAt":1}"#;
        assert_eq!(
            parse(pc).unwrap(),
            Target::Connection {
                connection_id: "bind_u_1_x".into(),
                server_url: Some("http://a:1".into())
            }
        );
        let mobile =
            r#"{"qrCodeData":{"action":"bind_device","token":"t1","serverUrl":"http://b:2"}}"#;
        assert_eq!(parse(mobile).unwrap().credential(), "t1");
        assert!(parse(r#"{"type":"other"}"#).is_err());
        assert!(parse("not json").is_err());
    }
}
