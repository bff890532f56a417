//! Query strings of the list and statistics routes (contract §10): paging, office-local dates,
//! enumerations. Every bad value is INVALID_PARAMS naming the parameter.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use warp::Filter;

use crate::error::{ApiError, ApiResult};
use crate::times;

/// The query string as name → value (a repeated name keeps its last value).
#[derive(Debug, Clone, Default)]
pub struct Query(pub HashMap<String, String>);

/// Extracts the query string; no query string is an empty one.
pub fn query() -> impl Filter<Extract = (Query,), Error = warp::Rejection> + Clone {
    warp::query::<HashMap<String, String>>().map(Query)
}

/// `page` and `pageSize` as SQL `LIMIT` / `OFFSET`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub page: i64,
    pub page_size: i64,
}

impl Page {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.page_size
    }
}

impl Query {
    /// An import's `?sheet=` (the workbook's sheet to read; none: the first).
    pub fn sheet(&self) -> ApiResult<Option<String>> {
        let sheet = self.text("sheet");
        crate::limits::name("sheet", sheet.as_deref().unwrap_or_default())?;
        Ok(sheet)
    }

    /// A trimmed, non-empty value.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// A value that must be one of `allowed`.
    pub fn one_of(&self, name: &str, allowed: &[&str]) -> ApiResult<Option<String>> {
        match self.text(name) {
            Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::invalid(format!(
                "{name} 无效: {v}（可选 {}）",
                allowed.join("/")
            ))),
            other => Ok(other),
        }
    }

    /// `one_of` for a parameter whose empty value is a mistake rather than "not given"
    /// (`period=`): absent is `None`, present must be one of `allowed`.
    pub fn chosen_one_of(&self, name: &str, allowed: &[&str]) -> ApiResult<Option<String>> {
        match self.0.get(name) {
            Some(v) if v.trim().is_empty() => Err(ApiError::invalid(format!(
                "{name} 为空（可选 {}）",
                allowed.join("/")
            ))),
            _ => self.one_of(name, allowed),
        }
    }

    fn int(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> ApiResult<i64> {
        let Some(text) = self.text(name) else {
            return Ok(default);
        };
        text.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "{name} 须为 {} 到 {} 的整数",
                    range.start(),
                    range.end()
                ))
            })
    }

    /// `page` ≥ 1 (default 1), `pageSize` 1–100 (default 20).
    pub fn page(&self) -> ApiResult<Page> {
        Ok(Page {
            page: self.int("page", 1, 1..=1_000_000)?,
            page_size: self.int("pageSize", 20, 1..=100)?,
        })
    }

    /// `startDate` / `endDate` as `[from, to)` epoch ms: `YYYY-MM-DD` inclusive in the office
    /// zone, or a full ISO time.
    pub fn time_range(&self, tz: Tz) -> ApiResult<(Option<i64>, Option<i64>)> {
        let bound = |name: &str, end: bool| -> ApiResult<Option<i64>> {
            match self.text(name) {
                None => Ok(None),
                Some(v) => times::parse_date_bound(&v, tz, end)
                    .map(Some)
                    .ok_or_else(|| bad_date(name, &v)),
            }
        };
        let (from, to) = (bound("startDate", false)?, bound("endDate", true)?);
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(ApiError::invalid_field(
                "endDate",
                "开始日期不能晚于结束日期",
            ));
        }
        Ok((from, to))
    }

    /// `(first, last)` office days of `startDate`/`endDate` when both are absent or bare
    /// `YYYY-MM-DD` dates (an open end is the earliest or latest day there can be).
    pub fn whole_days(&self) -> Option<(String, String)> {
        let day = |name: &str, open: &str| match self.text(name) {
            None => Some(open.to_string()),
            Some(v) => NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .ok()
                .map(|d| d.format("%Y-%m-%d").to_string()),
        };
        Some((
            day("startDate", "0000-00-00")?,
            day("endDate", "9999-99-99")?,
        ))
    }

    /// An office-local day: `YYYY-MM-DD`, or the local day of an ISO time.
    pub fn day(&self, name: &str, tz: Tz) -> ApiResult<Option<NaiveDate>> {
        let Some(v) = self.text(name) else {
            return Ok(None);
        };
        if let Ok(day) = NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            return Ok(Some(day));
        }
        times::parse_time(&v, tz)
            .map(|ms| Some(times::local_day(ms, tz)))
            .ok_or_else(|| bad_date(name, &v))
    }
}

fn bad_date(name: &str, value: &str) -> ApiError {
    let words = crate::limits::label(name);
    ApiError::invalid_field(name, format!("{words}格式错误: {value}（应为 YYYY-MM-DD）"))
}

/// The paged list answer of contract §10 (serialized as it is, without a `Value` copy).
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T> {
    records: Vec<T>,
    total: i64,
    /// A keyword search stopped counting at `db::KEYWORD_COUNT_CAP` (contract §10).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    total_capped: bool,
    page: i64,
    page_size: i64,
}

pub fn paged<T: serde::Serialize>(records: Vec<T>, total: i64, page: Page) -> Paged<T> {
    Paged {
        records,
        total,
        total_capped: false,
        page: page.page,
        page_size: page.page_size,
    }
}

impl<T> Paged<T> {
    /// For a keyword search: a count past the cap is answered as the cap, and said so.
    pub fn searched(mut self, keyword: bool) -> Self {
        (self.total, self.total_capped) = crate::db::capped_total(self.total, keyword);
        self
    }
}
