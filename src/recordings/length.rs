//! How long a recording is, from the file itself, for the formats whose length is plain to read
//! (issue 14: the list showed the phone's figure, which for the shipped app is the call's, not
//! the recording's). WAV says it in its header; AMR is a run of 20 ms frames whose sizes the
//! frame headers give. Other formats (MP3, AAC, M4A, 3GP, Ogg) would need a demuxer: for them
//! the phone's `duration` stands, and the call's when it sent none.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use super::format::Format;

/// Seconds (rounded), or `None` when the format does not tell or the file does not parse.
pub fn seconds(path: &Path, format: Format) -> Option<i64> {
    let file = File::open(path).ok()?;
    let ms = match format {
        Format::Wav => wav_ms(BufReader::new(file))?,
        Format::Amr => amr_ms(BufReader::new(file))?,
        _ => return None,
    };
    Some((ms + 500) / 1000)
}

fn read_u32(r: &mut impl Read) -> Option<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).ok()?;
    Some(u32::from_le_bytes(b))
}

/// RIFF/WAVE: the `fmt ` chunk's byte rate and the `data` chunk's size.
fn wav_ms(mut r: impl Read + Seek) -> Option<i64> {
    let mut head = [0u8; 12];
    r.read_exact(&mut head).ok()?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return None;
    }
    let mut byte_rate = None;
    // a bounded walk: a real file has a handful of chunks before `data`
    for _ in 0..64 {
        let mut id = [0u8; 4];
        r.read_exact(&mut id).ok()?;
        let size = read_u32(&mut r)?;
        match &id {
            b"fmt " => {
                let mut fmt = [0u8; 12];
                r.read_exact(&mut fmt).ok()?;
                byte_rate = Some(u32::from_le_bytes([fmt[8], fmt[9], fmt[10], fmt[11]]));
                r.seek_relative(i64::from(size) - 12 + i64::from(size % 2))
                    .ok()?;
            }
            b"data" => {
                let rate = i64::from(byte_rate.filter(|&b| b > 0)?);
                // a recorder that never went back to write the size leaves it 0 or all ones:
                // the data then runs to the end of the file
                let data = if size == 0 || size == u32::MAX {
                    let here = r.stream_position().ok()?;
                    let end = r.seek(std::io::SeekFrom::End(0)).ok()?;
                    end.saturating_sub(here) as i64
                } else {
                    i64::from(size)
                };
                return Some(data * 1000 / rate);
            }
            _ => r
                .seek_relative(i64::from(size) + i64::from(size % 2))
                .ok()?,
        }
    }
    None
}

/// Frame sizes in bytes, header included, by frame type: AMR-NB and AMR-WB (RFC 4867 §5.3).
/// 0 marks a type that cannot occur; NO_DATA frames are one byte.
const NB_SIZES: [u8; 16] = [13, 14, 16, 18, 20, 21, 27, 32, 6, 0, 0, 0, 0, 0, 0, 1];
const WB_SIZES: [u8; 16] = [18, 24, 33, 37, 41, 47, 51, 59, 61, 6, 0, 0, 0, 0, 1, 1];

/// AMR storage format: the magic, then frames of 20 ms each.
fn amr_ms(mut r: impl Read + Seek) -> Option<i64> {
    let mut magic = [0u8; 9];
    r.read_exact(&mut magic[..6]).ok()?;
    let sizes = if &magic[..6] == b"#!AMR\n" {
        &NB_SIZES
    } else if &magic[..6] == b"#!AMR-" {
        r.read_exact(&mut magic[6..9]).ok()?;
        if &magic[..] != b"#!AMR-WB\n" {
            return None;
        }
        &WB_SIZES
    } else {
        return None;
    };
    let mut frames = 0i64;
    let mut header = [0u8; 1];
    while r.read(&mut header).ok()? == 1 {
        let size = sizes[usize::from((header[0] >> 3) & 0x0F)];
        if size == 0 {
            // not an AMR frame: what came so far is all we can vouch for
            break;
        }
        r.seek_relative(i64::from(size) - 1).ok()?;
        frames += 1;
    }
    Some(frames * 20)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn wav(data_len: u32, byte_rate: u32, extra_chunk: bool) -> Vec<u8> {
        let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
        if extra_chunk {
            out.extend_from_slice(b"LIST");
            out.extend_from_slice(&3u32.to_le_bytes());
            out.extend_from_slice(b"abc\0"); // odd size: one pad byte
        }
        out.extend_from_slice(b"fmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&[1, 0, 1, 0]);
        out.extend_from_slice(&8000u32.to_le_bytes());
        out.extend_from_slice(&byte_rate.to_le_bytes());
        out.extend_from_slice(&[2, 0, 16, 0]);
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        out.extend(std::iter::repeat_n(0u8, 32_000));
        out
    }

    #[test]
    fn a_wav_says_its_length() {
        assert_eq!(wav_ms(Cursor::new(wav(32_000, 16_000, false))), Some(2000));
        assert_eq!(wav_ms(Cursor::new(wav(32_000, 16_000, true))), Some(2000));
        // size never written: to the end of the file
        assert_eq!(
            wav_ms(Cursor::new(wav(u32::MAX, 16_000, false))),
            Some(2000)
        );
        assert_eq!(wav_ms(Cursor::new(wav(32_000, 0, false))), None);
        assert_eq!(wav_ms(Cursor::new(b"RIFF\0\0\0\0WAVE".to_vec())), None);
    }

    #[test]
    fn amr_frames_are_counted() {
        let mut nb = b"#!AMR\n".to_vec();
        for _ in 0..150 {
            nb.push(0x3C); // 12.2 kbit/s
            nb.extend(std::iter::repeat_n(0x55u8, 31));
        }
        nb.push(0x7C); // NO_DATA
        assert_eq!(amr_ms(Cursor::new(nb.clone())), Some(151 * 20));
        nb.push(0x4C); // type 9: not NB speech, stop there
        nb.extend(std::iter::repeat_n(0u8, 40));
        assert_eq!(amr_ms(Cursor::new(nb)), Some(151 * 20));
        let mut wb = b"#!AMR-WB\n".to_vec();
        for _ in 0..50 {
            wb.push(0x44); // 23.85 kbit/s, 61 bytes
            wb.extend(std::iter::repeat_n(0u8, 60));
        }
        assert_eq!(amr_ms(Cursor::new(wb)), Some(1000));
        assert_eq!(amr_ms(Cursor::new(b"#!AMX\n".to_vec())), None);
    }
}
