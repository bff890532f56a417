//! QR images for binding (§3.1, §3.1.1): the JSON text as a QR code, drawn as an 8-bit greyscale
//! PNG and handed out as a `data:image/png;base64,…` URL the PC page puts in an `<img>`.

use base64::Engine;
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per QR module: ~60 modules × 6 px ≈ 400 px, easy for a phone camera on a PC screen.
const SCALE: usize = 6;
/// The white border the QR standard asks for, in modules.
const QUIET_ZONE: usize = 4;

/// Encodes `text` as a QR PNG data URL.
pub fn png_data_url(text: &str) -> Result<String, String> {
    let png = png_bytes(text)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// The QR code of `text` as PNG bytes (medium error correction: survives a glare or a smudge).
pub fn png_bytes(text: &str) -> Result<Vec<u8>, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| format!("QR encoding failed: {e}"))?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn makes_a_png_data_url() {
        let url = super::png_data_url(r#"{"type":"work_phone_bind"}"#).unwrap();
        assert!(
            url.starts_with("data:image/png;base64,iVBORw0KGgo"),
            "{url}"
        );
    }
}
