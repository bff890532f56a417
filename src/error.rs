//! The one catalogue of API error codes (contract §1): code, HTTP status and Chinese message.

use std::borrow::Cow;
use std::fmt;

/// Every error code the API answers with. The wire name is `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    AuthFailed,
    Forbidden,
    InvalidParams,
    NotFound,
    BindExpired,
    PhoneAlreadyBound,
    DeviceNotBound,
    DeviceBindLimit,
    DeviceOffline,
    CallStateConflict,
    PayloadTooLarge,
    UriTooLong,
    UnsupportedMediaType,
    RangeNotSatisfiable,
    RateLimited,
    PacingLimited,
    DoNotCall,
    MethodNotAllowed,
    StorageFull,
    StorageReadOnly,
    InternalError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthFailed => "AUTH_FAILED",
            Self::Forbidden => "FORBIDDEN",
            Self::InvalidParams => "INVALID_PARAMS",
            Self::NotFound => "NOT_FOUND",
            Self::BindExpired => "BIND_EXPIRED",
            Self::PhoneAlreadyBound => "PHONE_ALREADY_BOUND",
            Self::DeviceNotBound => "DEVICE_NOT_BOUND",
            Self::DeviceBindLimit => "DEVICE_BINDLIMIT",
            Self::DeviceOffline => "DEVICE_OFFLINE",
            Self::CallStateConflict => "CALL_STATE_CONFLICT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UriTooLong => "URI_TOO_LONG",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::RangeNotSatisfiable => "RANGE_NOT_SATISFIABLE",
            Self::RateLimited => "RATE_LIMITED",
            Self::PacingLimited => "PACING_LIMITED",
            Self::DoNotCall => "DO_NOT_CALL",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::StorageFull => "STORAGE_FULL",
            Self::StorageReadOnly => "STORAGE_READ_ONLY",
            Self::InternalError => "INTERNAL_ERROR",
        }
    }

    /// The HTTP status the code is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::AuthFailed => 401,
            Self::Forbidden => 403,
            Self::InvalidParams
            | Self::BindExpired
            | Self::PhoneAlreadyBound
            | Self::DeviceNotBound
            | Self::DeviceBindLimit => 400,
            Self::NotFound => 404,
            Self::DeviceOffline | Self::CallStateConflict | Self::DoNotCall => 409,
            Self::PayloadTooLarge => 413,
            Self::UriTooLong => 414,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::RateLimited | Self::PacingLimited => 429,
            Self::MethodNotAllowed => 405,
            Self::StorageFull => 507,
            Self::StorageReadOnly => 503,
            Self::InternalError => 500,
        }
    }

    /// The message a user sees when the handler has nothing more specific to say.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::AuthFailed => "认证失败，Token无效或过期",
            Self::Forbidden => "没有权限执行此操作",
            Self::InvalidParams => "参数错误",
            Self::NotFound => "资源不存在",
            Self::BindExpired => "绑定请求已过期",
            Self::PhoneAlreadyBound => "该手机号已绑定",
            Self::DeviceNotBound => "设备未绑定",
            Self::DeviceBindLimit => "设备绑定数量超限",
            Self::DeviceOffline => "工作手机不在线",
            Self::CallStateConflict => "当前通话状态不允许此操作",
            Self::PayloadTooLarge => "请求内容过大",
            Self::UriTooLong => "请求地址过长",
            Self::UnsupportedMediaType => "不支持的文件格式",
            Self::RangeNotSatisfiable => "请求的范围无效",
            Self::RateLimited => "登录失败次数过多，请稍后再试",
            Self::PacingLimited => "该工作手机暂不能拨号（外呼频率限制）",
            Self::DoNotCall => "该号码在黑名单中，不能拨打",
            Self::MethodNotAllowed => "不支持的请求方法",
            Self::StorageFull => "存储空间不足，请清理磁盘后重试",
            Self::StorageReadOnly => "数据目录只读，无法保存",
            Self::InternalError => "服务器内部错误",
        }
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

/// An error answered to a client: one code of the catalogue and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// Seconds to wait before trying again (`Retry-After`, on RATE_LIMITED).
    pub retry_after_secs: Option<u64>,
    /// The input field the message is about (its key in the request), so a form can put the
    /// message next to that field (issue 14); answered as `field` when set.
    pub field: Option<Cow<'static, str>>,
    /// Which dialing rule refused (PACING_LIMITED: `min_gap`, `on_call`, `hourly_cap`,
    /// `daily_cap`, `quiet_hours`), answered as `rule`.
    pub rule: Option<&'static str>,
    /// When the refused action is allowed again (epoch ms), answered as `retryAt` (ISO).
    pub retry_at_ms: Option<i64>,
    /// The refusal may be overridden by asking again with a confirmation (a click in quiet
    /// hours: `confirmQuietHours`), answered as `confirm: true`.
    pub confirm: bool,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: Cow::Borrowed(code.default_message()),
            retry_after_secs: None,
            field: None,
            rule: None,
            retry_at_ms: None,
            confirm: false,
        }
    }

    pub fn with_message(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
            field: None,
            rule: None,
            retry_at_ms: None,
            confirm: false,
        }
    }

    /// 400 INVALID_PARAMS with a message that names what is wrong.
    pub fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_message(ErrorCode::InvalidParams, message)
    }

    /// 400 INVALID_PARAMS about one input field (its request key): the message should name it
    /// in words (`limits::label`).
    pub fn invalid_field(field: &str, message: impl Into<Cow<'static, str>>) -> Self {
        // the body's own key (`customerPhone`), never the words a person reads: those are in
        // the message (`limits::label`)
        debug_assert!(field.is_ascii(), "a field is a JSON key: {field}");
        let mut err = Self::invalid(message);
        err.field = Some(Cow::Owned(field.to_string()));
        err
    }

    /// 429: too many failed logins; try again after `wait` (rounded up to whole seconds).
    pub fn rate_limited(wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            retry_after_secs: Some(secs.max(1)),
            ..Self::with_message(
                ErrorCode::RateLimited,
                format!("登录失败次数过多，请{}秒后再试", secs.max(1)),
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    pub fn auth_failed() -> Self {
        Self::new(ErrorCode::AuthFailed)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden)
    }

    /// A failed write of the data folder: a full disk is STORAGE_FULL and a read-only folder
    /// STORAGE_READ_ONLY (each logged saying so, once per failure), anything else internal.
    pub fn from_io(err: &std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                tracing::error!(error = %err, "the disk of the data folder is full");
                Self::new(ErrorCode::StorageFull)
            }
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied => {
                tracing::error!(error = %err, "the data folder cannot be written");
                Self::new(ErrorCode::StorageReadOnly)
            }
            _ => Self::internal(err),
        }
    }

    /// An unexpected failure: logged in full here (inside the request's span, so with its
    /// request id), answered with the generic message so nothing internal leaks.
    pub fn internal(detail: impl fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(ErrorCode::InternalError)
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<crate::db::DbError> for ApiError {
    fn from(err: crate::db::DbError) -> Self {
        use rusqlite::ErrorCode as Sqlite;
        match err {
            crate::db::DbError::NotFound => Self::not_found(),
            crate::db::DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == Sqlite::DiskFull =>
            {
                tracing::error!(error = %e, "the database's disk is full");
                Self::new(ErrorCode::StorageFull)
            }
            crate::db::DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == Sqlite::ReadOnly =>
            {
                tracing::error!(error = %e, "the database cannot be written");
                Self::new(ErrorCode::StorageReadOnly)
            }
            crate::db::DbError::Sqlite(e) if crate::db::health::is_damage(&e) => {
                crate::db::health::found_damage(&e.to_string());
                Self::internal(e)
            }
            other => Self::internal(other),
        }
    }
}

/// So a domain rule's transaction can `?` a statement directly.
impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        crate::db::DbError::from(err).into()
    }
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;
