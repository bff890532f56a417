//! Audio formats by content, never by name (contract §8): the first bytes of an upload decide.
//! Android call recorders write all seven of these; anything else is 415.

/// How many leading bytes `detect` needs to decide (fewer is fine at the end of a short file).
pub const SNIFF_LEN: usize = 16;

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
    /// The name stored in `recordings.format` and shown as §4.4 `format`; also the extension.
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

    pub fn parse(name: &str) -> Option<Format> {
        [
            Format::Mp3,
            Format::Wav,
            Format::M4a,
            Format::ThreeGp,
            Format::Amr,
            Format::Aac,
            Format::Ogg,
        ]
        .into_iter()
        .find(|f| f.as_str() == name)
    }

    /// The Content-Type the stream answers with.
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

/// The format of a file that starts with `head` (at least `SNIFF_LEN` bytes unless the file is
/// shorter), or `None` when it is none of the accepted audio formats.
pub fn detect(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"ID3") {
        return Some(Format::Mp3);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Some(Format::Wav);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        // ISO base media: the major brand tells a 3GPP file (`3gp4`, `3gp5`, `3g2a`…) from an
        // MPEG-4 audio file (`M4A `, `isom`, `mp42`…)
        return Some(if head[8..10] == *b"3g" {
            Format::ThreeGp
        } else {
            Format::M4a
        });
    }
    if head.starts_with(b"#!AMR") {
        return Some(Format::Amr);
    }
    if head.starts_with(b"OggS") {
        return Some(Format::Ogg);
    }
    frame_sync(head)
}

/// MPEG audio frames: both MP3 and ADTS AAC start with a run of set sync bits; the layer field
/// is `00` for ADTS and never `00` for MPEG layers I–III.
fn frame_sync(head: &[u8]) -> Option<Format> {
    let [b0, b1, b2, ..] = *head else {
        return None;
    };
    if b0 != 0xFF {
        return None;
    }
    if b1 & 0xF6 == 0xF0 {
        // ADTS: 12 sync bits, layer 00; sampling index 13–15 is reserved
        let sampling = (b2 >> 2) & 0x0F;
        return (sampling < 13).then_some(Format::Aac);
    }
    let version = (b1 >> 3) & 0x03;
    let layer = (b1 >> 1) & 0x03;
    let bitrate = b2 >> 4;
    let rate = (b2 >> 2) & 0x03;
    let valid = b1 & 0xE0 == 0xE0 && version != 0b01 && layer != 0 && bitrate != 0x0F && rate != 3;
    valid.then_some(Format::Mp3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_by_its_magic() {
        assert_eq!(detect(b"ID3\x04\0\0\0\0\0\0"), Some(Format::Mp3));
        assert_eq!(detect(&[0xFF, 0xFB, 0x90, 0x64]), Some(Format::Mp3));
        assert_eq!(detect(b"RIFF\x24\0\0\0WAVEfmt "), Some(Format::Wav));
        assert_eq!(detect(b"\0\0\0\x18ftypM4A \0\0\0\0"), Some(Format::M4a));
        assert_eq!(detect(b"\0\0\0\x18ftypisom\0\0\0\0"), Some(Format::M4a));
        assert_eq!(detect(b"\0\0\0\x18ftyp3gp4\0\0\0\0"), Some(Format::ThreeGp));
        assert_eq!(detect(b"#!AMR\n\x3c"), Some(Format::Amr));
        assert_eq!(detect(b"#!AMR-WB\n"), Some(Format::Amr));
        assert_eq!(detect(&[0xFF, 0xF1, 0x50, 0x80]), Some(Format::Aac));
        assert_eq!(detect(b"OggS\0\x02"), Some(Format::Ogg));
    }

    #[test]
    fn refuses_what_is_not_audio() {
        assert_eq!(detect(b"hello, this is text"), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"RIFF\x24\0\0\0AVI LIST"), None);
        assert_eq!(detect(&[0xFF, 0xD8, 0xFF, 0xE0]), None); // JPEG
        assert_eq!(detect(&[0xFF, 0xFF, 0xFF, 0xFF]), None); // bad bitrate
        assert_eq!(detect(b"%PDF-1.4"), None);
    }

    #[test]
    fn names_round_trip() {
        for f in ["mp3", "wav", "m4a", "3gp", "amr", "aac", "ogg"] {
            assert_eq!(Format::parse(f).map(Format::as_str), Some(f));
        }
        assert_eq!(Format::parse("exe"), None);
    }
}
