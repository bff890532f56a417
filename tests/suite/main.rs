//! DialBox's integration tests, one crate (one binary to link after an edit, not 28): a real
//! server on 127.0.0.1:0 with a temporary data folder, spoken to over real HTTP and WebSockets,
//! through a real SQLite file. `common/` is the harness; one module per area of the product.
//!
//! Browser tests (`browser_*`) are `#[ignore = "needs chromium"]`: `cargo test` reports them as
//! ignored, `cargo test -- --include-ignored` (what `.ci/run` runs) runs them and fails without
//! Chromium. The simulator's tests need its binary (`cargo build -p dialbox-phone`) and the
//! bench tests `--features simulator`, as the README's test command does: without them they fail
//! saying so.

mod common;

mod audit_log;
mod audit_words;
mod auth_http;
mod backfill;
mod bad_input;
mod bench_data;
mod browser_account;
mod browser_blink;
mod browser_calls;
mod browser_campaigns;
mod browser_follow_ups;
mod browser_incoming;
mod browser_lists;
mod browser_narrow;
mod browser_office_data;
mod browser_overview;
mod browser_pages;
mod browser_recordings;
mod browser_settings;
mod calls_dial;
mod calls_dial_for;
mod calls_e2e;
mod calls_e2e_pc;
mod calls_follow_ups;
mod calls_phone_link;
mod calls_records;
mod calls_records_edit;
mod calls_reports;
mod campaigns_api;
mod campaigns_dialer;
mod campaigns_inbound;
mod campaigns_pacing;
mod cli;
mod connections;
mod crash_safety;
mod customers_api;
mod customers_bulk;
mod customers_excel;
mod customers_import_undo;
mod customers_lists;
mod customers_numbers;
mod customers_search;
mod db_health;
mod disk;
mod exports;
mod exports_formulas;
mod exports_links;
mod follow_ups_close;
mod hostile_sheets;
mod http_details;
mod http_frame;
mod inbound_reports;
mod incoming_calls;
mod install_script;
mod layers;
mod missed_calls_view;
mod openapi;
mod own_password;
mod page_routes;
mod page_words;
mod phone_sim;
mod phone_sim_incoming;
mod phone_sim_shipped;
mod phones_bind;
mod phones_health;
mod phones_manage;
mod recordings_base64;
mod recordings_links;
mod recordings_manage;
mod recordings_reconcile;
mod recordings_stream;
mod recordings_upload;
mod search_capped;
mod settings_api;
mod shipped_app;
mod socketless;
mod stats_api;
mod users_api;
mod ws_admin;
mod ws_mobile;
