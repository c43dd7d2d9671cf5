//! Evaluation over JSON values, with Go's printing and truth rules, and
//! missing map keys as errors (what `docker inspect -f` does).

use serde_json::Value;

use super::TemplateError;
use super::funcs;
use super::parse::{Command, Node, Operand, Pipeline};

pub struct Exec<'a> {
    root: &'a Value,
    vars: Vec<(String, Value)>,
    out: String,
}

impl<'a> Exec<'a> {
    pub fn new(root: &'a Value) -> Self {
        Exec {
            root,
            vars: vec![("$".to_string(), root.clone())],
            out: String::new(),
        }
    }

    pub fn run(mut self, nodes: &[Node]) -> Result<String, TemplateError> {
        let dot = self.root.clone();
        self.list(nodes, &dot)?;
        Ok(self.out)
    }

    fn list(&mut self, nodes: &[Node], dot: &Value) -> Result<(), TemplateError> {
        for node in nodes {
            self.node(node, dot)?;
        }
        Ok(())
    }

    fn scoped<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, TemplateError>,
    ) -> Result<T, TemplateError> {
        let depth = self.vars.len();
        let result = f(self);
        self.vars.truncate(depth);
        result
    }

    fn node(&mut self, node: &Node, dot: &Value) -> Result<(), TemplateError> {
        match node {
            Node::Text(text) => self.out.push_str(text),
            Node::Action(pipe) => {
                let value = self.pipeline(pipe, dot)?;
                if pipe.declare.is_empty() {
                    self.out.push_str(&print(&value));
                }
            }
            Node::If {
                cond,
                then,
                otherwise,
            } => self.scoped(|s| {
                let value = s.pipeline(cond, dot)?;
                if truth(&value) {
                    s.list(then, dot)
                } else {
                    s.list(otherwise, dot)
                }
            })?,
            Node::With {
                value,
                body,
                otherwise,
            } => self.scoped(|s| {
                let value = s.pipeline(value, dot)?;
                if truth(&value) {
                    s.list(body, &value)
                } else {
                    s.list(otherwise, dot)
                }
            })?,
            Node::Range {
                over,
                body,
                otherwise,
            } => self.scoped(|s| {
                let mut declare = over.clone();
                let names = std::mem::take(&mut declare.declare);
                let collection = s.pipeline(&declare, dot)?;
                let items: Vec<(Value, Value)> = match &collection {
                    Value::Array(a) => a
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (Value::from(i), v.clone()))
                        .collect(),
                    Value::Object(m) => {
                        // Go ranges over maps in key order
                        let mut keys: Vec<&String> = m.keys().collect();
                        keys.sort();
                        keys.into_iter()
                            .map(|k| (Value::from(k.as_str()), m[k].clone()))
                            .collect()
                    }
                    Value::Null => Vec::new(),
                    Value::Number(n) if n.as_u64().is_some() => (0..n.as_u64().unwrap_or(0))
                        .map(|i| (Value::from(i), Value::from(i)))
                        .collect(),
                    other => {
                        return Err(TemplateError::Exec(format!(
                            "range can't iterate over {}",
                            print(other)
                        )));
                    }
                };
                if items.is_empty() {
                    return s.list(otherwise, dot);
                }
                for (key, item) in items {
                    let depth = s.vars.len();
                    match names.as_slice() {
                        [] => {}
                        [element] => s.vars.push((element.clone(), item.clone())),
                        [index, element, ..] => {
                            s.vars.push((index.clone(), key));
                            s.vars.push((element.clone(), item.clone()));
                        }
                    }
                    s.list(body, &item)?;
                    s.vars.truncate(depth);
                }
                Ok(())
            })?,
        }
        Ok(())
    }

    fn pipeline(&mut self, pipe: &Pipeline, dot: &Value) -> Result<Value, TemplateError> {
        let mut value: Option<Value> = None;
        for command in &pipe.commands {
            value = Some(self.command(command, dot, value)?);
        }
        let value = value.unwrap_or(Value::Null);
        for name in &pipe.declare {
            self.vars.push((name.clone(), value.clone()));
        }
        Ok(value)
    }

    fn command(
        &mut self,
        command: &Command,
        dot: &Value,
        piped: Option<Value>,
    ) -> Result<Value, TemplateError> {
        let (first, rest) = command
            .operands
            .split_first()
            .ok_or_else(|| TemplateError::Exec("empty command".into()))?;
        if let Operand::Function(name) = first {
            let mut args = Vec::with_capacity(rest.len() + 1);
            for operand in rest {
                args.push(self.operand(operand, dot)?);
            }
            if let Some(p) = piped {
                args.push(p);
            }
            return funcs::call(name, &args);
        }
        if !rest.is_empty() || piped.is_some() {
            return Err(TemplateError::Exec(format!(
                "can't give argument to non-function {}",
                describe(first)
            )));
        }
        self.operand(first, dot)
    }

    fn operand(&mut self, operand: &Operand, dot: &Value) -> Result<Value, TemplateError> {
        match operand {
            Operand::Field(fields, pos) => {
                fields_of(dot, fields).map_err(|e| e.at(*pos, &format!(".{}", fields.join("."))))
            }
            Operand::Variable(name, fields, pos) => {
                let value = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| TemplateError::Parse(format!("undefined variable: {name}")))?;
                let node = std::iter::once(name.clone())
                    .chain(fields.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(".");
                fields_of(&value, fields).map_err(|e| e.at(*pos, &node))
            }
            Operand::Sub(pipe, fields) => {
                let value = self.scoped(|s| s.pipeline(pipe, dot))?;
                fields_of(&value, fields)
            }
            Operand::Function(name) => funcs::call(name, &[]),
            Operand::Str(s) => Ok(Value::from(s.as_str())),
            Operand::Number(n) => Ok(number(*n)),
            Operand::Bool(b) => Ok(Value::Bool(*b)),
            Operand::Nil => Ok(Value::Null),
        }
    }
}

fn describe(operand: &Operand) -> String {
    match operand {
        Operand::Field(f, _) => format!(".{}", f.join(".")),
        Operand::Variable(n, _, _) => n.clone(),
        Operand::Str(s) => format!("{s:?}"),
        Operand::Number(n) => n.to_string(),
        _ => "value".into(),
    }
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn fields_of(value: &Value, fields: &[String]) -> Result<Value, TemplateError> {
    let mut current = value.clone();
    for field in fields {
        current = match current {
            Value::Object(mut map) => map.remove(field).ok_or_else(|| {
                TemplateError::Exec(format!("map has no entry for key \"{field}\""))
            })?,
            Value::Null => {
                return Err(TemplateError::Exec(format!(
                    "nil pointer evaluating interface {{}}.{field}"
                )));
            }
            // decoded JSON is interface{} to Go, whatever it holds
            _ => {
                return Err(TemplateError::Exec(format!(
                    "can't evaluate field {field} in type interface {{}}"
                )));
            }
        };
    }
    Ok(current)
}

pub fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "interface {}",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

pub fn truth(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// Go's `%v` of a value decoded from JSON.
pub fn print(value: &Value) -> String {
    match value {
        Value::Null => "<no value>".to_string(),
        other => print_nested(other),
    }
}

fn print_nested(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (_, Some(u)) => u.to_string(),
            _ => go_float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(print_nested).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", print_nested(&m[*k])))
                .collect();
            format!("map[{}]", items.join(" "))
        }
    }
}

/// Go's `%v` for float64: shortest representation, exponent form from 1e21.
fn go_float(f: f64) -> String {
    if f.abs() >= 1e21 || (f != 0.0 && f.abs() < 1e-4) {
        let s = format!("{f:e}");
        // Rust writes `1e21`; Go writes `1e+21`
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => {
                format!("{m}e+{:02}", e.parse::<i32>().unwrap_or(0))
            }
            Some((m, e)) => format!(
                "{m}e-{:02}",
                e.trim_start_matches('-').parse::<i32>().unwrap_or(0)
            ),
            None => s,
        }
    } else {
        f.to_string()
    }
}
