//! A bounded fuzz run of the spreadsheet readers (issue 27), part of every `cargo test`: workbooks
//! generated from a seed — cells anywhere up to row 2³¹ and column XFD, `<dimension>`s and
//! string counts that lie, rows out of order, long strings copied into many cells, DIMENSIONS,
//! MULRK and formula records with any numbers, and random bytes flipped in all of them — are read
//! by `customers::sheet::read`, which must answer (rows or a refusal) without panicking, and
//! without allocating more than `PEAK_LIMIT` on the way.
//!
//! A crate of its own because it counts allocations: its global allocator keeps, per thread, the
//! bytes held and the peak since the last reset, which the suite's shared binary could not.
//! `SHEET_FUZZ_CASES` and `SHEET_FUZZ_SEED` make a longer or another run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hostile_sheets::biff as build;
use hostile_sheets::{inline, sheet_xml, xls, xlsx_with};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What one read may hold at its peak: the readers' budgets (48 MB for an .xls, 32 MB of cell
/// text) and what calamine keeps beside them.
const PEAK_LIMIT: usize = 64 * 1024 * 1024;

struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let _ = HELD.try_with(|h| {
                h.set(h.get() + layout.size() as isize);
                let _ = PEAK.try_with(|m| m.set(m.get().max(h.get())));
            });
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = HELD.try_with(|h| h.set(h.get() - layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Reads `bytes` and returns the peak bytes allocated above the level at the start.
fn peak_of_read(bytes: &[u8]) -> (usize, Result<usize, String>) {
    let start = HELD.with(Cell::get);
    PEAK.with(|p| p.set(start));
    let result = dialbox::customers::sheet::records(bytes, None)
        .map(|rows| rows.len())
        .map_err(|e| e.to_string());
    let peak = PEAK.with(Cell::get) - start;
    (peak.max(0) as usize, result)
}

fn column_name(mut col: u32) -> String {
    let mut name = Vec::new();
    col += 1;
    while col > 0 {
        name.push(b'A' + ((col - 1) % 26) as u8);
        col = (col - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

/// A row or column number: mostly small, sometimes at the edges of what a sheet can say.
fn coordinate(rng: &mut StdRng, small: u32, edges: &[u32], edge_chance: f64) -> u32 {
    if !rng.random_bool(edge_chance) {
        rng.random_range(0..small)
    } else {
        edges[rng.random_range(0..edges.len())]
    }
}

/// How often a coordinate is at an edge: never in two files of three, often in the third.
fn edge_chance(rng: &mut StdRng) -> f64 {
    if rng.random_bool(0.67) { 0.0 } else { 0.05 }
}

fn generated_xlsx(rng: &mut StdRng) -> Vec<u8> {
    let edge = edge_chance(rng);
    let rows_edges = [1_048_575, 2_147_483_646, 200_000, 200_001, 65_535];
    let cols_edges = [16_383, 255, 256, 1_000];
    let mut rows = String::new();
    let mut numbers: Vec<u32> = (0..rng.random_range(1..40))
        .map(|_| coordinate(rng, 50, &rows_edges, edge))
        .collect();
    // in order, as a program writes them, unless this file is one that does not
    if rng.random_bool(0.9) {
        numbers.sort_unstable();
    }
    for row in numbers {
        let mut cells = String::new();
        for _ in 0..rng.random_range(1..8) {
            let col = coordinate(rng, 10, &cols_edges, edge);
            let text = "x".repeat(rng.random_range(0..50));
            cells.push_str(&inline(&format!("{}{}", column_name(col), row + 1), &text));
        }
        rows.push_str(&format!(r#"<row r="{}">{cells}</row>"#, row + 1));
    }
    let dimension = format!(
        "A1:{}{}",
        column_name(coordinate(rng, 10, &cols_edges, edge)),
        { coordinate(rng, 50, &rows_edges, edge) + 1 }
    );
    let unique: u64 = if rng.random_bool(0.8) {
        rng.random_range(0..10)
    } else {
        rng.random_range(0..u64::MAX / 2)
    };
    let strings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{unique}"><si><t>姓名</t></si></sst>"#
    );
    xlsx_with(&[
        ("xl/worksheets/sheet1.xml", sheet_xml(&dimension, &rows)),
        ("xl/sharedStrings.xml", strings),
    ])
}

fn generated_xls(rng: &mut StdRng) -> Vec<u8> {
    let edge = edge_chance(rng);
    let long = "长".repeat(rng.random_range(1..20_000));
    let strings = ["姓名", "13800138000", long.as_str()];
    let mut cells = Vec::new();
    for _ in 0..rng.random_range(1..600) {
        let row = coordinate(rng, 100, &[65_535, 30_000], edge) as u16;
        let col = coordinate(rng, 8, &[255, 65_535], edge) as u16;
        let cell = match rng.random_range(0..12) {
            0 => build::label_sst(row, col, rng.random_range(0..4)),
            1 if rng.random_bool(0.1) => {
                build::record(0x0200, &(0..14).map(|_| rng.random()).collect::<Vec<u8>>())
            }
            2 => {
                let (first, count) = (
                    col,
                    rng.random_range(1..=4u16) - u16::from(rng.random_bool(0.01)),
                );
                let mut data = build::at(row, first)[..4].to_vec();
                data.extend(std::iter::repeat_n(0u8, 6 * count as usize));
                data.extend(first.wrapping_add(count).wrapping_sub(1).to_le_bytes());
                build::record(0x00BD, &data)
            }
            3 => {
                let mut data = build::at(row, col);
                data.extend([0u8; 14]);
                data.extend([3, 0, 0x1E, 1, 0]);
                build::record(0x0006, &data)
            }
            4 => {
                let mut data = build::at(row, col);
                data.extend(1.5f64.to_le_bytes());
                build::record(0x0203, &data)
            }
            _ => build::label_sst(row % 100, col % 8, rng.random_range(0..2)),
        };
        cells.push(cell);
    }
    let mut stream = build::workbook(&strings, &cells);
    flip(rng, &mut stream);
    xls(&stream)
}

/// Flips a few random bytes, sometimes.
fn flip(rng: &mut StdRng, bytes: &mut [u8]) {
    if bytes.is_empty() || rng.random_bool(0.5) {
        return;
    }
    for _ in 0..rng.random_range(1..6) {
        let at = rng.random_range(0..bytes.len());
        bytes[at] = rng.random();
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn generated_workbooks_are_read_or_refused_within_bounds() {
    let seed = env_number("SHEET_FUZZ_SEED", 27);
    let cases = env_number("SHEET_FUZZ_CASES", 600);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut read, mut refused, mut worst) = (0, 0, 0usize);
    for case in 0..cases {
        let mut bytes = if case % 2 == 0 {
            generated_xlsx(&mut rng)
        } else {
            generated_xls(&mut rng)
        };
        if case % 4 == 0 {
            flip(&mut rng, &mut bytes);
        }
        let (peak, result) = peak_of_read(&bytes);
        worst = worst.max(peak);
        assert!(
            peak <= PEAK_LIMIT,
            "seed {seed} case {case}: {peak} bytes at the peak ({result:?})"
        );
        match result {
            Ok(rows) => {
                assert!(rows <= dialbox::customers::sheet::MAX_ROWS + 1);
                read += 1;
            }
            Err(e) => {
                if std::env::var_os("SHEET_FUZZ_VERBOSE").is_some() {
                    println!("case {case}: {e}");
                }
                refused += 1
            }
        }
    }
    println!(
        "seed {seed}: {cases} workbooks, {read} read, {refused} refused, worst peak {:.1} MiB",
        worst as f64 / 1048576.0
    );
    assert!(read > 0 && refused > 0, "the run covers both outcomes");
}
