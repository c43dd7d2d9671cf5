//! Go's template builtins and docker's added functions (json, join, split,
//! upper, lower, title, pad, truncate).

use serde_json::Value;

use super::TemplateError;
use super::exec::{print, truth};

fn arity(name: &str, args: &[Value], n: usize) -> Result<(), TemplateError> {
    if args.len() == n {
        Ok(())
    } else {
        Err(TemplateError::Exec(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        )))
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => print(other),
    }
}

fn int(name: &str, v: &Value) -> Result<i64, TemplateError> {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f as i64))
        .ok_or_else(|| {
            TemplateError::Exec(format!("{name}: expected an integer, got {}", print(v)))
        })
}

pub fn call(name: &str, args: &[Value]) -> Result<Value, TemplateError> {
    Ok(match name {
        "json" => {
            arity(name, args, 1)?;
            Value::from(
                serde_json::to_string(&go_json_order(&args[0]))
                    .map_err(|e| TemplateError::Exec(e.to_string()))?,
            )
        }
        "join" => {
            arity(name, args, 2)?;
            let items: Vec<String> = match &args[0] {
                Value::Array(a) => a.iter().map(text).collect(),
                Value::Null => Vec::new(),
                other => vec![text(other)],
            };
            Value::from(items.join(&text(&args[1])))
        }
        "split" => {
            arity(name, args, 2)?;
            let sep = text(&args[1]);
            let s = text(&args[0]);
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::from(c.to_string())).collect()
            } else {
                s.split(sep.as_str()).map(Value::from).collect()
            };
            Value::Array(parts)
        }
        "upper" => {
            arity(name, args, 1)?;
            Value::from(text(&args[0]).to_uppercase())
        }
        "lower" => {
            arity(name, args, 1)?;
            Value::from(text(&args[0]).to_lowercase())
        }
        "title" => {
            arity(name, args, 1)?;
            Value::from(title(&text(&args[0])))
        }
        "pad" => {
            arity(name, args, 3)?;
            let left = int(name, &args[1])?.max(0) as usize;
            let right = int(name, &args[2])?.max(0) as usize;
            Value::from(format!(
                "{}{}{}",
                " ".repeat(left),
                text(&args[0]),
                " ".repeat(right)
            ))
        }
        "truncate" => {
            arity(name, args, 2)?;
            let n = int(name, &args[1])?.max(0) as usize;
            Value::from(text(&args[0]).chars().take(n).collect::<String>())
        }
        "len" => {
            arity(name, args, 1)?;
            Value::from(match &args[0] {
                Value::String(s) => s.len(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::Null => 0,
                other => {
                    return Err(TemplateError::Exec(format!(
                        "len of type {}",
                        super::exec::go_type(other)
                    )));
                }
            })
        }
        "index" => {
            let (first, keys) = args.split_first().ok_or_else(|| {
                TemplateError::Exec("wrong number of args for index: want at least 1 got 0".into())
            })?;
            let mut current = first.clone();
            for key in keys {
                current = match (&current, key) {
                    // docker's maps are typed (map[string]string): a missing
                    // key gives the zero value, an empty string
                    (Value::Object(m), k) => {
                        m.get(&text(k)).cloned().unwrap_or_else(|| Value::from(""))
                    }
                    (Value::Array(a), k) => {
                        let i = int("index", k)?;
                        a.get(i as usize).cloned().ok_or_else(|| {
                            TemplateError::Exec(format!(
                                "error calling index: index out of range: {i}"
                            ))
                        })?
                    }
                    (Value::Null, _) => Value::from(""),
                    (other, _) => {
                        return Err(TemplateError::Exec(format!(
                            "error calling index: can't index item of type {}",
                            super::exec::go_type(other)
                        )));
                    }
                };
            }
            current
        }
        "print" => Value::from(go_print(args)),
        "println" => Value::from(format!(
            "{}\n",
            args.iter().map(text).collect::<Vec<_>>().join(" ")
        )),
        "printf" => {
            let (format, rest) = args.split_first().ok_or_else(|| {
                TemplateError::Exec("wrong number of args for printf: want at least 1 got 0".into())
            })?;
            Value::from(printf(&text(format), rest))
        }
        "not" => {
            arity(name, args, 1)?;
            Value::Bool(!truth(&args[0]))
        }
        "and" => args
            .iter()
            .find(|a| !truth(a))
            .or(args.last())
            .cloned()
            .unwrap_or(Value::Null),
        "or" => args
            .iter()
            .find(|a| truth(a))
            .or(args.last())
            .cloned()
            .unwrap_or(Value::Null),
        "eq" => {
            let (first, others) = args
                .split_first()
                .ok_or_else(|| TemplateError::Exec("missing argument for comparison".into()))?;
            if others.is_empty() {
                return Err(TemplateError::Exec(
                    "missing argument for comparison".into(),
                ));
            }
            Value::Bool(others.iter().any(|o| equal(first, o)))
        }
        "ne" => {
            arity(name, args, 2)?;
            Value::Bool(!equal(&args[0], &args[1]))
        }
        "lt" | "le" | "gt" | "ge" => {
            arity(name, args, 2)?;
            let ord = compare(&args[0], &args[1])
                .ok_or_else(|| TemplateError::Exec("incompatible types for comparison".into()))?;
            Value::Bool(match name {
                "lt" => ord.is_lt(),
                "le" => ord.is_le(),
                "gt" => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        _ => {
            return Err(TemplateError::Parse(format!(
                "function \"{name}\" not defined"
            )));
        }
    })
}

/// Go marshals structs in field order and maps with sorted keys. JSON does
/// not say which was which: Engine API structs have capitalised field
/// names, so an object with any other key is taken for a map.
fn go_json_order(value: &Value) -> Value {
    match value {
        Value::Array(a) => Value::Array(a.iter().map(go_json_order).collect()),
        Value::Object(m) => {
            let is_map = m
                .keys()
                .any(|k| !k.starts_with(|c: char| c.is_ascii_uppercase()));
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            if is_map {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), go_json_order(v)))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Go's fmt.Sprint: spaces only between operands that are not strings.
fn go_print(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !a.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&text(a));
    }
    out
}

/// The common part of Go's fmt verbs: %v %s %d %q %f %t %x %%, with flags
/// `-` and `0`, width and precision.
fn printf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next_arg = args.iter();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut left, mut zero) = (false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' | ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = next_arg.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        let body = match verb {
            'd' => match arg.as_i64().or_else(|| arg.as_f64().map(|f| f as i64)) {
                Some(i) => i.to_string(),
                None => format!("%!d({})", text(arg)),
            },
            'f' => match arg.as_f64() {
                Some(f) => format!("{f:.*}", precision.unwrap_or(6)),
                None => format!("%!f({})", text(arg)),
            },
            'q' => format!("{:?}", text(arg)),
            'x' => match arg.as_i64() {
                Some(i) => format!("{i:x}"),
                None => text(arg).bytes().map(|b| format!("{b:02x}")).collect(),
            },
            _ => {
                let s = text(arg);
                match precision {
                    Some(p) if verb == 's' || verb == 'v' => s.chars().take(p).collect(),
                    _ => s,
                }
            }
        };
        let width: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len >= width {
            out.push_str(&body);
        } else if left {
            out.push_str(&body);
            out.push_str(&" ".repeat(width - len));
        } else {
            let fill = if zero && verb != 's' { "0" } else { " " };
            out.push_str(&fill.repeat(width - len));
            out.push_str(&body);
        }
    }
    for extra in next_arg {
        out.push_str(&format!("%!(EXTRA {})", text(extra)));
    }
    out
}
