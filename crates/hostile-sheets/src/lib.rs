//! Spreadsheets built the way an attacker would build them, for DialBox's tests, the readers'
//! fuzz run and the simulator's `hostile-imports` bench (issue 27). A crate of its own (issue 28):
//! the server does not carry it, and it shares no code with the reader it attacks — the BIFF
//! record numbers below are the file format's, written down again from its specification.

use std::io::{Cursor, Read, Write};

/// A real workbook (rust_xlsxwriter's) with some of its parts replaced.
pub fn xlsx_with(parts: &[(&str, String)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(0, 1, "电话").unwrap();
    let base = book.save_to_buffer().unwrap();
    let mut from = zip::ZipArchive::new(Cursor::new(base)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..from.len() {
        let mut entry = from.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        if let Some((_, replaced)) = parts.iter().find(|(n, _)| *n == name) {
            body = replaced.clone().into_bytes();
        }
        out.start_file(name, options).unwrap();
        out.write_all(&body).unwrap();
    }
    for (name, body) in parts {
        if from.index_for_name(name).is_none() {
            out.start_file(*name, options).unwrap();
            out.write_all(body.as_bytes()).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

/// A worksheet part holding `rows` (the `<sheetData>` content), with a `<dimension>`.
pub fn sheet_xml(dimension: &str, rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>"#
    )
}

pub fn inline(cell: &str, text: &str) -> String {
    format!(r#"<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The issue's sheet: a header, one customer, and one value far away.
pub fn far_cell(row: u64, cell: &str) -> Vec<u8> {
    let rows = format!(
        r#"<row r="1">{}{}</row><row r="2">{}{}</row><row r="{row}">{}</row>"#,
        inline("A1", "姓名"),
        inline("B1", "电话"),
        inline("A2", "张三"),
        inline("B2", "13800138000"),
        inline(cell, "x"),
    );
    xlsx_with(&[("xl/worksheets/sheet1.xml", sheet_xml("A1:B2", &rows))])
}

/// An .xls holding `stream` as its workbook stream.
pub fn xls(stream: &[u8]) -> Vec<u8> {
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    file.create_stream("/Workbook")
        .unwrap()
        .write_all(stream)
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// The issue's memory bomb: `rows` × `cols` number cells with no references, which compress to
/// almost nothing (200,000 × 80 is under 1 MB).
pub fn numbers(rows: u32, cols: u32) -> Vec<u8> {
    let row = format!("<row>{}</row>", "<c><v>1</v></c>".repeat(cols as usize));
    let body = row.repeat(rows as usize);
    xlsx_with(&[("xl/worksheets/sheet1.xml", sheet_xml("A1:A1", &body))])
}

/// The BIFF8 record types these builders write ([MS-XLS] 2.3).
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const LABELSST: u16 = 0x00FD;

/// BIFF streams built by hand.
pub mod biff {
    use super::{BOF, BOUNDSHEET, EOF, LABELSST, SST};

    /// One record: type, length, data.
    pub fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    /// A cell record's first bytes: row, column, format.
    pub fn at(row: u16, col: u16) -> Vec<u8> {
        [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat()
    }

    /// A workbook stream: globals with `strings` as the SST and one sheet holding `cells`.
    pub fn workbook(strings: &[&str], cells: &[Vec<u8>]) -> Vec<u8> {
        let bof = record(BOF, &[0, 6, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let mut sst = vec![0u8; 8];
        for s in strings {
            let units: Vec<u16> = s.encode_utf16().collect();
            sst.extend((units.len() as u16).to_le_bytes());
            // one byte a character where every one fits, else UTF-16
            if s.is_ascii() {
                sst.push(0);
                sst.extend(s.bytes());
            } else {
                sst.push(1);
                sst.extend(units.iter().flat_map(|u| u.to_le_bytes()));
            }
        }
        let sst = record(SST, &sst);
        let boundsheet_len = 4 + 14;
        let pos = bof.len() + sst.len() + boundsheet_len + 4;
        let mut sheet_meta = (pos as u32).to_le_bytes().to_vec();
        sheet_meta.extend([0, 0, 6, 0]);
        sheet_meta.extend(b"Sheet1");
        let mut out = [bof.clone(), sst, record(BOUNDSHEET, &sheet_meta)].concat();
        out.extend(record(EOF, &[]));
        assert_eq!(out.len(), pos);
        out.extend(bof);
        for cell in cells {
            out.extend(cell);
        }
        out.extend(record(EOF, &[]));
        out
    }

    /// A LABELSST cell naming shared string `index`.
    pub fn label_sst(row: u16, col: u16, index: u32) -> Vec<u8> {
        record(
            LABELSST,
            &[at(row, col), index.to_le_bytes().to_vec()].concat(),
        )
    }
}
