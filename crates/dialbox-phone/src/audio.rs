//! Tiny but valid recordings in each format Android call recorders write (contract §8): a
//! server detecting formats by content must accept every one of them.

/// The seven formats a server takes (contract §8), by the names it stores them under. The
/// simulator's own list: it shares no code with the server, and the tests that upload each
/// format through it hold the two to one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mp3,
    Wav,
    M4a,
    ThreeGp,
    Amr,
    Aac,
    Ogg,
}

impl Format {
    const ALL: [Format; 7] = [
        Format::Mp3,
        Format::Wav,
        Format::M4a,
        Format::ThreeGp,
        Format::Amr,
        Format::Aac,
        Format::Ogg,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Mp3 => "mp3",
            Format::Wav => "wav",
            Format::M4a => "m4a",
            Format::ThreeGp => "3gp",
            Format::Amr => "amr",
            Format::Aac => "aac",
            Format::Ogg => "ogg",
        }
    }

    /// The type the upload's part declares (the server goes by the content, not this).
    pub fn mime(self) -> &'static str {
        match self {
            Format::Mp3 => "audio/mpeg",
            Format::Wav => "audio/wav",
            Format::M4a => "audio/mp4",
            Format::ThreeGp => "audio/3gpp",
            Format::Amr => "audio/amr",
            Format::Aac => "audio/aac",
            Format::Ogg => "audio/ogg",
        }
    }
}

/// The seven formats, for `--format` (by their stored names: mp3, wav, m4a, 3gp, amr, aac, ogg).
pub fn parse_format(name: &str) -> Result<Format, String> {
    Format::ALL
        .into_iter()
        .find(|f| f.as_str() == name)
        .ok_or_else(|| format!("unknown format {name} (mp3, wav, m4a, 3gp, amr, aac, ogg)"))
}

/// A short file of silence in `format`.
pub fn generate(format: Format) -> Vec<u8> {
    match format {
        Format::Mp3 => mp3(),
        Format::Wav => wav_header(1600).into_iter().chain([0u8; 1600]).collect(),
        Format::M4a => iso_bmff(b"M4A ", &[b"M4A ", b"mp42", b"isom"]),
        Format::ThreeGp => iso_bmff(b"3gp4", &[b"3gp4", b"3gp5", b"isom"]),
        Format::Amr => amr(),
        Format::Aac => aac(),
        Format::Ogg => ogg(),
    }
}

/// MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz, mono: 417 bytes each, behind an ID3v2 tag.
fn mp3() -> Vec<u8> {
    let mut out = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    for _ in 0..10 {
        out.extend_from_slice(&[0xFF, 0xFB, 0x90, 0xC4]);
        out.extend(std::iter::repeat_n(0u8, 417 - 4));
    }
    out
}

/// A RIFF/WAVE header for `data_len` bytes of 8 kHz 16-bit mono PCM.
pub fn wav_header(data_len: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&8000u32.to_le_bytes());
    h.extend_from_slice(&16000u32.to_le_bytes()); // byte rate
    h.extend_from_slice(&2u16.to_le_bytes()); // block align
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((8 + body.len()) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// ISO base media (M4A, 3GP): `ftyp` with the brands, then an empty `mdat`.
fn iso_bmff(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let mut ftyp = major.to_vec();
    ftyp.extend_from_slice(&0u32.to_be_bytes());
    for brand in compatible {
        ftyp.extend_from_slice(*brand);
    }
    let mut out = boxed(b"ftyp", &ftyp);
    out.extend(boxed(b"free", &[]));
    out.extend(boxed(b"mdat", &[0u8; 64]));
    out
}

/// AMR-NB: the magic line, then 12.2 kbit/s frames (header 0x3C, 31 bytes of payload).
fn amr() -> Vec<u8> {
    let mut out = b"#!AMR\n".to_vec();
    for _ in 0..50 {
        out.push(0x3C);
        out.extend_from_slice(&[0u8; 31]);
    }
    out
}

/// AAC in ADTS frames: LC profile, 16 kHz, mono, no CRC.
fn aac() -> Vec<u8> {
    let payload = [0x21u8, 0x10, 0x04, 0x60, 0x8C, 0x1C];
    let frame_len = 7 + payload.len();
    let mut out = Vec::new();
    for _ in 0..20 {
        let (profile, freq_index, channels) = (1u8, 8u8, 1u8);
        out.extend_from_slice(&[
            0xFF,
            0xF1,
            (profile << 6) | (freq_index << 2) | (channels >> 2),
            ((channels & 3) << 6) | ((frame_len >> 11) as u8 & 0x03),
            ((frame_len >> 3) & 0xFF) as u8,
            (((frame_len & 7) << 5) as u8) | 0x1F,
            0xFC,
        ]);
        out.extend_from_slice(&payload);
    }
    out
}

/// Ogg Opus: a first page with `OpusHead`, a second with `OpusTags`, each with its CRC.
fn ogg() -> Vec<u8> {
    let mut head = b"OpusHead".to_vec();
    head.extend_from_slice(&[1, 1]); // version, channels
    head.extend_from_slice(&312u16.to_le_bytes()); // pre-skip
    head.extend_from_slice(&16000u32.to_le_bytes());
    head.extend_from_slice(&[0, 0, 0]); // gain, mapping family
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&9u32.to_le_bytes());
    tags.extend_from_slice(b"dialbox-s");
    tags.extend_from_slice(&0u32.to_le_bytes());
    let mut out = ogg_page(0x02, 0, &head);
    out.extend(ogg_page(0x00, 1, &tags));
    out
}

fn ogg_page(flags: u8, sequence: u32, packet: &[u8]) -> Vec<u8> {
    let mut page = b"OggS".to_vec();
    page.push(0); // version
    page.push(flags);
    page.extend_from_slice(&0u64.to_le_bytes()); // granule position
    page.extend_from_slice(&0x5349_4D31u32.to_le_bytes()); // stream serial
    page.extend_from_slice(&sequence.to_le_bytes());
    page.extend_from_slice(&0u32.to_le_bytes()); // CRC, filled below
    let mut lacing = vec![255u8; packet.len() / 255];
    lacing.push((packet.len() % 255) as u8);
    page.push(lacing.len() as u8);
    page.extend_from_slice(&lacing);
    page.extend_from_slice(packet);
    let crc = ogg_crc(&page);
    page[22..26].copy_from_slice(&crc.to_le_bytes());
    page
}

/// Ogg's CRC-32: polynomial 0x04C11DB7, no reflection, initial 0.
fn ogg_crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &byte in data {
        crc ^= (byte as u32) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_starts_with_its_signature() {
        let starts = |f: Format, at: usize, sig: &[u8]| {
            let bytes = generate(f);
            assert_eq!(&bytes[at..at + sig.len()], sig, "{f:?}");
        };
        starts(Format::Mp3, 0, b"ID3");
        starts(Format::Wav, 8, b"WAVE");
        starts(Format::M4a, 4, b"ftypM4A ");
        starts(Format::ThreeGp, 4, b"ftyp3gp4");
        starts(Format::Amr, 0, b"#!AMR\n");
        starts(Format::Aac, 0, &[0xFF, 0xF1]);
        starts(Format::Ogg, 0, b"OggS");
        // the CRC of the Ogg spec's check value for "123456789" under this polynomial
        assert_eq!(ogg_crc(b"123456789"), 0x89A1_897F);
    }
}
