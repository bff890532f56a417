//! What calamine will allocate for an .xls, worked out from the BIFF records before it reads them.
//!
//! calamine reads every sheet of an .xls when it opens it, into dense ranges sized by the cells'
//! positions, reserves what a `DIMENSIONS` record says, copies the shared string a `LABELSST`
//! names into every cell that names it, and prints each formula. Each of those is a number the
//! file chooses, so this module walks the records the way calamine does (globals from the start,
//! each sheet from the offset its `BOUNDSHEET` gives) and adds up the bytes; `sanitize` first
//! empties what we never use (formula tokens, `DIMENSIONS`), so the walk counts what calamine
//! will see. Any record calamine would choke on is refused here instead.

/// Bytes calamine may spend on one .xls before we refuse it (the sheets, their strings and
/// formulas; an .xls holds at most 65,536 rows, a long list fits in a few MB).
pub const BUDGET: u64 = 48 * 1024 * 1024;

pub(super) const BOF: u16 = 0x0809;
pub(super) const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
pub(super) const BOUNDSHEET: u16 = 0x0085;
pub(super) const SST: u16 = 0x00FC;
const DIMENSIONS: u16 = 0x0200;
const FORMULA: u16 = 0x0006;
pub(super) const LABELSST: u16 = 0x00FD;
const MULRK: u16 = 0x00BD;
/// Records that put one cell at the (row, col) of their first four bytes: NUMBER, LABEL, RSTRING,
/// BOOLERR, RK.
const CELLS: [u16; 5] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E];
/// STRING, a formula's text value, which calamine stores as a cell of its own.
const STRING: u16 = 0x0207;

/// What calamine's values cost. A `Cell<Data>` is 40 bytes, in a vector that grows by
/// doubling (80). A sheet's dense range holds a 32-byte `Data` per position, and
/// `worksheet_range` hands out a copy of it (64); its formula range a 24-byte `String`.
/// A cell's text is held three times: in calamine's cell, in the copy, and in our row.
const CELL: u64 = 80;
const DENSE_DATA: u64 = 64;
const DENSE_TEXT: u64 = 24;
const TEXT_COPIES: u64 = 3;
/// A printed formula after `sanitize` ("Unrecognised formula for cell (r, c): …").
const FORMULA_TEXT: u64 = 160;

/// The file is not one we read (malformed, or built to exhaust us).
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Malformed,
    TooBig(u64),
}

type Scan<T> = Result<T, Refusal>;

/// One record as calamine's iterator gives it: its type, its bytes, where they start, and the
/// CONTINUE records after it.
struct Record<'a> {
    typ: u16,
    at: usize,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// Records from `stream[from..]`, CONTINUE records folded into the one before them.
fn records(stream: &[u8], from: usize) -> impl Iterator<Item = Scan<Record<'_>>> {
    let mut at = from;
    std::iter::from_fn(move || {
        let rest = stream.get(at..)?;
        if rest.is_empty() {
            return None;
        }
        let Some(header) = rest.get(..4) else {
            return Some(Err(Refusal::Malformed));
        };
        let typ = u16::from_le_bytes([header[0], header[1]]);
        let len = u16::from_le_bytes([header[2], header[3]]) as usize;
        let Some(data) = rest.get(4..4 + len) else {
            return Some(Err(Refusal::Malformed));
        };
        let record_at = at + 4;
        at += 4 + len;
        let mut cont = Vec::new();
        while stream.len() > at + 4 && u16_at(stream, at) == Some(CONTINUE) {
            let len = u16_at(stream, at + 2).unwrap_or(0) as usize;
            let Some(more) = stream.get(at + 4..at + 4 + len) else {
                return Some(Err(Refusal::Malformed));
            };
            cont.push(more);
            at += 4 + len;
        }
        Some(Ok(Record {
            typ,
            at: record_at,
            data,
            cont,
        }))
    })
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    bytes
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// What the globals give the sheets: where each sheet starts and each shared string's length.
struct Globals {
    sheets: Vec<usize>,
    strings: Vec<u64>,
}

fn globals(stream: &[u8]) -> Scan<Globals> {
    let mut found = Globals {
        sheets: Vec::new(),
        strings: Vec::new(),
    };
    for record in records(stream, 0) {
        let record = record?;
        match record.typ {
            BOUNDSHEET => {
                let pos = u32_at(record.data, 0).ok_or(Refusal::Malformed)? as usize;
                if pos >= stream.len() || record.data.len() < 6 {
                    return Err(Refusal::Malformed);
                }
                found.sheets.push(pos);
            }
            SST => found.strings = shared_string_lengths(&record)?,
            EOF => break,
            _ => {}
        }
    }
    Ok(found)
}

/// Each shared string's character count, read the way calamine reads the SST (a string's
/// characters may go on in the next CONTINUE record, which starts with its own width flag).
fn shared_string_lengths(sst: &Record<'_>) -> Scan<Vec<u64>> {
    let mut data = sst.data.get(8..).ok_or(Refusal::Malformed)?;
    let mut conts = sst.cont.iter();
    let mut lengths = Vec::new();
    loop {
        if data.is_empty() {
            match conts.next() {
                Some(next) => data = next,
                None => return Ok(lengths),
            }
            if data.is_empty() {
                lengths.push(0);
                continue;
            }
        }
        let cch = u16_at(data, 0).ok_or(Refusal::Malformed)? as usize;
        let flags = *data.get(2).ok_or(Refusal::Malformed)?;
        data = &data[3..];
        let mut skip = 0usize;
        if flags & 0x8 != 0 {
            skip += 4 * u16_at(data, 0).ok_or(Refusal::Malformed)? as usize;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            let ext = u32_at(data, 0).ok_or(Refusal::Malformed)? as i32;
            skip = skip.saturating_add(usize::try_from(ext).map_err(|_| Refusal::Malformed)?);
            data = &data[4..];
        }
        let (mut left, mut wide) = (cch, flags & 0x1 != 0);
        while left > 0 {
            let width = if wide { 2 } else { 1 };
            let taken = (data.len() / width).min(left);
            data = &data[taken * width..];
            left -= taken;
            if left > 0 {
                data = conts.next().ok_or(Refusal::Malformed)?;
                wide = *data.first().ok_or(Refusal::Malformed)? & 0x1 != 0;
                data = &data[1..];
            }
        }
        while skip > 0 {
            if data.is_empty() {
                data = conts.next().ok_or(Refusal::Malformed)?;
            }
            let step = skip.min(data.len());
            data = &data[step..];
            skip -= step;
        }
        lengths.push(cch as u64);
    }
}

/// A box around positions: the dense range calamine builds over them.
#[derive(Default)]
struct Area {
    bounds: Option<(u32, u32, u32, u32)>,
}

impl Area {
    fn add(&mut self, row: u32, col: u32) {
        let b = self.bounds.get_or_insert((row, row, col, col));
        *b = (b.0.min(row), b.1.max(row), b.2.min(col), b.3.max(col));
    }

    fn cells(&self) -> u64 {
        self.bounds.map_or(0, |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1)
        })
    }
}

/// The records calamine reads for the sheet at `from`: its own, not those of a chart or other
/// substream nested in it, up to its EOF.
fn sheet_records(stream: &[u8], from: usize) -> impl Iterator<Item = Scan<Record<'_>>> {
    let mut all = records(stream, from);
    let (mut depth, mut seen_bof, mut done) = (0usize, false, false);
    std::iter::from_fn(move || {
        while !done {
            let r = match all.next()? {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            match (r.typ, depth) {
                (BOF, _) if depth > 0 || seen_bof => depth += 1,
                (BOF, _) => seen_bof = true,
                (EOF, 0) => done = true,
                (EOF, _) => depth -= 1,
                (_, 0) => return Some(Ok(r)),
                _ => {}
            }
        }
        None
    })
}

/// The bytes calamine spends on the sheet that starts at `from`.
fn sheet_cost(stream: &[u8], from: usize, strings: &[u64]) -> Scan<u64> {
    let (mut cells, mut formulas) = (Area::default(), Area::default());
    let mut bytes = 0u64;
    // a STRING record is the text of the formula before it, stored at that formula's cell
    let mut formula_at = (0, 0);
    for record in sheet_records(stream, from) {
        let r = record?;
        let pos = || -> Scan<(u32, u32)> {
            let row = u16_at(r.data, 0).ok_or(Refusal::Malformed)?;
            let col = u16_at(r.data, 2).ok_or(Refusal::Malformed)?;
            Ok((u32::from(row), u32::from(col)))
        };
        match r.typ {
            // sanitize emptied it: calamine reserves one cell
            DIMENSIONS if r.data.iter().any(|b| *b != 0) => return Err(Refusal::Malformed),
            t if CELLS.contains(&t) => {
                let (row, col) = pos()?;
                cells.add(row, col);
                bytes += CELL + TEXT_COPIES * 3 * r.data.len() as u64;
            }
            LABELSST => {
                let (row, col) = pos()?;
                let index = u32_at(r.data, 6).ok_or(Refusal::Malformed)? as usize;
                cells.add(row, col);
                bytes += CELL + TEXT_COPIES * (24 + 6 * strings.get(index).copied().unwrap_or(0));
            }
            MULRK => {
                let (row, first) = pos()?;
                let last =
                    u16_at(r.data, r.data.len().saturating_sub(2)).ok_or(Refusal::Malformed)?;
                let count = (u32::from(last) + 1)
                    .checked_sub(first)
                    .filter(|n| *n > 0 && r.data.len() == 6 + 6 * *n as usize)
                    .ok_or(Refusal::Malformed)?;
                cells.add(row, first);
                cells.add(row, first + count - 1);
                bytes += CELL * u64::from(count);
            }
            FORMULA => {
                if r.data.len() < 22 || u16_at(r.data, 20) != Some(0) {
                    return Err(Refusal::Malformed);
                }
                let (row, col) = pos()?;
                formula_at = (row, col);
                cells.add(row, col);
                formulas.add(row, col);
                bytes += 2 * CELL + FORMULA_TEXT;
            }
            STRING => {
                cells.add(formula_at.0, formula_at.1);
                bytes += CELL + TEXT_COPIES * 3 * r.data.len() as u64;
            }
            _ => {}
        }
    }
    Ok(bytes + cells.cells() * DENSE_DATA + formulas.cells() * DENSE_TEXT)
}

/// Empties what calamine would size or print from the file and we never use: every formula's
/// tokens (its saved value stays) and every `DIMENSIONS` record, in every sheet's walk. Lengths
/// do not change, so the sheets' offsets stay true.
pub fn sanitize(stream: &mut [u8]) -> Scan<()> {
    let starts = globals(stream)?.sheets;
    let mut blanks = Vec::new();
    for from in starts {
        for record in sheet_records(stream, from) {
            let r = record?;
            match r.typ {
                DIMENSIONS => blanks.push(r.at..r.at + r.data.len()),
                FORMULA if r.data.len() >= 22 => blanks.push(r.at + 20..r.at + 22),
                FORMULA => return Err(Refusal::Malformed),
                _ => {}
            }
        }
    }
    for range in blanks {
        stream[range].fill(0);
    }
    Ok(())
}

/// What calamine will spend reading `stream` (sanitized), refused past `BUDGET`.
pub fn check(stream: &[u8]) -> Scan<u64> {
    let globals = globals(stream)?;
    // names, formats, sheet names and the like are bounded by the stream they come from
    let mut total: u64 = 2 * stream.len() as u64;
    total += globals.strings.iter().map(|n| 24 + 6 * n).sum::<u64>();
    for from in &globals.sheets {
        total = total.saturating_add(sheet_cost(stream, *from, &globals.strings)?);
        if total > BUDGET {
            return Err(Refusal::TooBig(total));
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hostile_sheets::biff::*;

    #[test]
    fn a_small_sheet_costs_little_and_reads_its_strings() {
        let stream = workbook(
            &["姓名", "13800138000"],
            &[label_sst(0, 0, 0), label_sst(1, 0, 1)],
        );
        let globals = globals(&stream).unwrap();
        assert_eq!(globals.strings, [2, 11]);
        assert_eq!(globals.sheets.len(), 1);
        assert!(check(&stream).unwrap() < 64 * 1024);
    }

    #[test]
    fn a_far_cell_is_costed_by_the_range_it_makes() {
        let stream = workbook(&["x"], &[label_sst(0, 0, 0), label_sst(65_535, 255, 0)]);
        assert!(matches!(check(&stream), Err(Refusal::TooBig(n)) if n > 65_536 * 256 * 32));
    }

    #[test]
    fn one_long_string_named_by_many_cells_is_costed_per_copy() {
        let long = "a".repeat(30_000);
        let cells: Vec<_> = (0..2_000).map(|r| label_sst(r, 0, 0)).collect();
        let stream = workbook(&[&long], &cells);
        assert!(matches!(check(&stream), Err(Refusal::TooBig(_))));
        let short: Vec<_> = (0..2_000).map(|r| label_sst(r, 0, 0)).collect();
        assert!(check(&workbook(&["a"], &short)).is_ok());
    }

    #[test]
    fn dimensions_and_formula_tokens_are_emptied_before_they_are_read() {
        let dims = record(DIMENSIONS, &[0xFF; 14]);
        let mut formula = at(0, 1);
        formula.extend([0u8; 14]);
        formula.extend([3, 0, 0x1E, 1, 0]);
        let mut stream = workbook(&["x"], &[dims, record(FORMULA, &formula)]);
        assert_eq!(check(&stream), Err(Refusal::Malformed), "unsanitized");
        sanitize(&mut stream).unwrap();
        assert!(check(&stream).is_ok());
        assert!(!stream.windows(14).any(|w| w == [0xFF; 14]));
    }

    #[test]
    fn records_cut_short_are_malformed_not_a_panic() {
        let stream = workbook(&["x"], &[label_sst(0, 0, 0)]);
        for cut in 0..stream.len() {
            let _ = check(&stream[..cut]);
            let mut copy = stream[..cut].to_vec();
            let _ = sanitize(&mut copy);
        }
        let bad_mulrk = record(
            MULRK,
            &[at(0, 9), vec![0; 6], 3u16.to_le_bytes().to_vec()].concat(),
        );
        assert_eq!(check(&workbook(&[], &[bad_mulrk])), Err(Refusal::Malformed));
    }
}
