//! Query-string helpers with Docker's conventions.

use std::collections::HashMap;

use crate::error::{ApiError, ApiResult};

pub type Query = HashMap<String, String>;

/// Docker's boolean form values: `1`, `true`, `True` are true.
pub fn flag(q: &Query, key: &str) -> bool {
    matches!(
        q.get(key).map(|s| s.to_lowercase()).as_deref(),
        Some("1" | "true" | "yes")
    )
}

pub fn int(q: &Query, key: &str) -> ApiResult<Option<i64>> {
    match q.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| ApiError::BadRequest(format!("invalid value for {key}: {v:?}"))),
    }
}

/// A terminal dimension (`h`, `w` of the resize endpoints).
pub fn dimension(q: &Query, key: &str) -> ApiResult<u16> {
    int(q, key)?
        .and_then(|v| u16::try_from(v).ok())
        .ok_or_else(|| ApiError::BadRequest(format!("invalid or missing {key} for resize")))
}

/// The filters parameter as key -> values.
pub fn filters(q: &Query) -> ApiResult<HashMap<String, Vec<String>>> {
    let Some(raw) = q.get("filters").filter(|s| !s.is_empty()) else {
        return Ok(HashMap::new());
    };
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| ApiError::BadRequest(format!("invalid filters: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| ApiError::BadRequest("invalid filters: expected an object".into()))?;
    Ok(obj
        .iter()
        .map(|(k, v)| {
            let values = match v {
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                serde_json::Value::Object(o) => o.keys().cloned().collect(),
                _ => Vec::new(),
            };
            (k.clone(), values)
        })
        .collect())
}
