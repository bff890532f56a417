//! An .xlsx's parts, checked before calamine opens it (issue 27). Each part is inflated and
//! counted (a zip's declared sizes may lie); the worksheets and the shared strings are also read
//! once with calamine's own XML parser and settings, and refused when one XML event (a text, a
//! tag, a comment) is longer than `MAX_EVENT`, since a reader holds a whole event in memory;
//! and the shared strings' `uniqueCount` (calamine reserves that many strings when it opens the
//! workbook) and their real number are held to `MAX_SHARED_STRINGS`.

use std::cell::Cell;
use std::io::{BufReader, Cursor, Read};
use std::rc::Rc;

use super::rows::MAX_CELLS;
use super::unreadable;
use crate::error::{ApiError, ApiResult};

/// Most bytes all parts of an .xlsx may unpack to.
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;
/// Most bytes any part other than a worksheet or the shared strings may unpack to.
const MAX_OTHER_PART: u64 = 8 * 1024 * 1024;
/// Most strings the shared strings may declare or hold (calamine keeps them all).
const MAX_SHARED_STRINGS: u64 = MAX_CELLS as u64 / 2;
/// Longest XML event a worksheet or the shared strings may hold: a cell holds 32,767 characters.
const MAX_EVENT: u64 = 1024 * 1024;

fn too_big() -> ApiError {
    ApiError::invalid(format!(
        "文件解压后过大（超过 {} MB），无法导入",
        MAX_UNPACKED / 1024 / 1024
    ))
}

/// The parts read as XML (by calamine, as a stream): worksheets and shared strings.
fn is_streamed_xml(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with("sharedstrings.xml") || (name.contains("worksheets/") && name.ends_with(".xml"))
}

/// Inflates every part once, counting, and refuses the file when a part or the whole is larger
/// than its limit, an XML event too long, or the shared strings more than we keep.
pub fn check_parts(bytes: &[u8]) -> ApiResult<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| unreadable())?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > MAX_UNPACKED {
        return Err(too_big());
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| unreadable())?;
        let name = entry.name().map_err(|_| unreadable())?.into_owned();
        let (streamed, limit) = match is_streamed_xml(&name) {
            true => (true, MAX_UNPACKED - total),
            false => (false, MAX_OTHER_PART.min(MAX_UNPACKED - total)),
        };
        let bytes = Rc::new(Cell::new(0u64));
        let mut part = Counted {
            inner: entry.take(limit + 1),
            bytes: bytes.clone(),
            since_event: Rc::new(Cell::new(0)),
        };
        if streamed {
            check_events(
                &mut part,
                name.to_ascii_lowercase().ends_with("sharedstrings.xml"),
            )?;
        }
        std::io::copy(&mut part, &mut std::io::sink()).map_err(|_| unreadable())?;
        if bytes.get() > limit {
            return Err(ApiError::invalid(format!(
                "文件中的 {name} 解压后过大，无法导入"
            )));
        }
        total += bytes.get();
        if total > MAX_UNPACKED {
            return Err(too_big());
        }
    }
    Ok(())
}

/// A part being inflated: the bytes read, and those read since the last XML event ended, which
/// may not pass `MAX_EVENT` (the reader stops with an error there, so this check holds no
/// more of an event than that either).
struct Counted<R> {
    inner: R,
    bytes: Rc<Cell<u64>>,
    since_event: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.since_event.get() > MAX_EVENT {
            return Err(std::io::Error::other("an XML event past the limit"));
        }
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        self.since_event.set(self.since_event.get() + n as u64);
        Ok(n)
    }
}

/// Reads the part's XML events as calamine does; `strings` also checks the shared strings'
/// declared and real count.
fn check_events<R: Read>(part: &mut Counted<R>, strings: bool) -> ApiResult<()> {
    use quick_xml::events::Event;
    let since_event = part.since_event.clone();
    let too_long =
        || ApiError::invalid("文件中有过长的内容（单个单元格或标记超过 1 MB），无法导入");
    let too_many = || {
        ApiError::invalid(format!(
            "文件中的文字条目过多（超过 {MAX_SHARED_STRINGS} 条），无法导入"
        ))
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut count = 0u64;
    loop {
        buf.clear();
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) if since_event.get() > MAX_EVENT => return Err(too_long()),
            Err(_) => return Err(unreadable()),
        };
        match event {
            Event::Start(e) if strings => match e.local_name().as_ref() {
                "sst" => {
                    for attr in e.attributes().with_checks(false) {
                        let attr = attr.map_err(|_| unreadable())?;
                        if attr.key.as_ref() != "uniqueCount" {
                            continue;
                        }
                        let n = attr.value.trim().parse::<u64>().map_err(|_| too_many())?;
                        if n > MAX_SHARED_STRINGS {
                            return Err(too_many());
                        }
                    }
                }
                "si" => {
                    count += 1;
                    if count > MAX_SHARED_STRINGS {
                        return Err(too_many());
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
        // an event ended: what the BufReader holds already belongs to the next one
        since_event.set(xml.get_ref().buffer().len() as u64);
    }
}
