//! Lexer and parser for the Go text/template subset docker users write:
//! `{{.A.B}}`, pipelines with `|`, function calls, parenthesised
//! pipelines, variables (`$`, `$x := ...`), `if`/`else if`/`else`,
//! `range` (with `$i, $e :=`), `with`, and `{{-`/`-}}` trimming.

use super::TemplateError;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Action(Pipeline),
    If {
        cond: Pipeline,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Range {
        over: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    With {
        value: Pipeline,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    /// Variables declared with `:=` (one, or two for `range $i, $e :=`).
    pub declare: Vec<String>,
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub operands: Vec<Operand>,
}

/// Where an operand starts: line (from 1) and byte column (from 0), as Go
/// reports them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// `.A.B` (empty for `.`)
    Field(Vec<String>, Pos),
    /// `$x.A.B` (`$` alone is the top-level data)
    Variable(String, Vec<String>, Pos),
    /// `(pipeline).A.B`
    Sub(Box<Pipeline>, Vec<String>),
    Function(String),
    Str(String),
    Number(f64),
    Bool(bool),
    Nil,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Dot(Vec<String>, usize),
    Var(String, Vec<String>, usize),
    Ident(String),
    Str(String),
    Number(f64),
    Pipe,
    Open,
    Close(Vec<String>),
    Declare,
    Assign,
    Comma,
}

/// Splits the template into text and action bodies, applying trim markers.
/// Each part: (is an action, text, byte offset of the text in `src`).
fn split_actions(src: &str) -> Result<Vec<(bool, String, usize)>, TemplateError> {
    let mut parts: Vec<(bool, String, usize)> = Vec::new();
    let mut rest = src;
    let mut trim_next_text = false;
    while let Some(start) = rest.find("{{") {
        let mut text = rest[..start].to_string();
        if trim_next_text {
            text = text.trim_start().to_string();
        }
        let after = &rest[start + 2..];
        let trim_before = after.starts_with("- ") || after.starts_with("-\t") || after == "-";
        if trim_before {
            text = text.trim_end().to_string();
        }
        parts.push((false, text, 0));
        let body_start = if trim_before { 1 } else { 0 };
        let end = find_action_end(after).ok_or_else(|| {
            TemplateError::Parse(format!("unclosed action in {:?}", ellipsis(after, 20)))
        })?;
        let mut body = &after[body_start..end];
        trim_next_text = body.ends_with(" -") || body.ends_with("\t-");
        if trim_next_text {
            body = &body[..body.len() - 1];
        }
        parts.push((
            true,
            body.to_string(),
            body.as_ptr() as usize - src.as_ptr() as usize,
        ));
        rest = &after[end + 2..];
    }
    let mut text = rest.to_string();
    if trim_next_text {
        text = text.trim_start().to_string();
    }
    parts.push((false, text, 0));
    Ok(parts)
}

/// The `}}` that ends an action, skipping quoted strings.
fn find_action_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += 1;
                }
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn ellipsis(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `.A.B` continuation after a dot-led token; returns the field names.
fn lex_fields(chars: &[char], i: &mut usize) -> Result<Vec<String>, TemplateError> {
    let mut fields = Vec::new();
    while *i < chars.len() && chars[*i] == '.' {
        *i += 1;
        let start = *i;
        while *i < chars.len() && is_ident_char(chars[*i]) {
            *i += 1;
        }
        if start == *i {
            if fields.is_empty() {
                // a lone `.`
                return Ok(fields);
            }
            return Err(TemplateError::Parse("unexpected . after term".into()));
        }
        fields.push(chars[start..*i].iter().collect());
    }
    Ok(fields)
}

/// `base`: the byte offset of `body` in the whole template.
fn lex(body: &str, base: usize) -> Result<Vec<Token>, TemplateError> {
    let chars: Vec<char> = body.chars().collect();
    let offsets: Vec<usize> = body.char_indices().map(|(o, _)| base + o).collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '|' => {
                tokens.push(Token::Pipe);
                i += 1
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1
            }
            ')' => {
                i += 1;
                tokens.push(Token::Close(lex_fields(&chars, &mut i)?));
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                tokens.push(Token::Declare);
                i += 2
            }
            '=' => {
                tokens.push(Token::Assign);
                i += 1
            }
            '.' if chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()) => {
                tokens.push(Token::Number(lex_number(&chars, &mut i)?))
            }
            '.' => {
                let at = offsets[i];
                tokens.push(Token::Dot(lex_fields(&chars, &mut i)?, at))
            }
            '$' => {
                let at = offsets[i];
                i += 1;
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                tokens.push(Token::Var(
                    format!("${name}"),
                    lex_fields(&chars, &mut i)?,
                    at,
                ));
            }
            '"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(TemplateError::Parse("unterminated quoted string".into()));
                        }
                        Some('"') => break,
                        Some('\\') => {
                            i += 1;
                            s.push(match chars.get(i) {
                                Some('n') => '\n',
                                Some('t') => '\t',
                                Some('\\') => '\\',
                                Some('"') => '"',
                                Some(other) => *other,
                                None => {
                                    return Err(TemplateError::Parse(
                                        "unterminated quoted string".into(),
                                    ));
                                }
                            });
                        }
                        Some(c) => s.push(*c),
                    }
                    i += 1;
                }
                i += 1;
                tokens.push(Token::Str(s));
            }
            '`' => {
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != '`' {
                    i += 1;
                }
                if i == chars.len() {
                    return Err(TemplateError::Parse(
                        "unterminated raw quoted string".into(),
                    ));
                }
                tokens.push(Token::Str(chars[start..i].iter().collect()));
                i += 1;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                tokens.push(Token::Number(lex_number(&chars, &mut i)?))
            }
            c if is_ident_char(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => {
                return Err(TemplateError::Parse(format!(
                    "unexpected {other:?} in command"
                )));
            }
        }
    }
    Ok(tokens)
}

fn lex_number(chars: &[char], i: &mut usize) -> Result<f64, TemplateError> {
    let start = *i;
    *i += 1;
    while *i < chars.len() && (chars[*i].is_ascii_alphanumeric() || chars[*i] == '.') {
        *i += 1;
    }
    let text: String = chars[start..*i].iter().collect();
    text.parse()
        .map_err(|_| TemplateError::Parse(format!("bad number syntax: {text:?}")))
}

struct Tokens {
    tokens: Vec<Token>,
    pos: usize,
    /// Byte offsets where the template's lines start.
    line_starts: std::rc::Rc<Vec<usize>>,
}

impl Tokens {
    fn pos_of(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        Pos {
            line: line.max(1),
            col: offset - start,
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }
}

fn parse_pipeline(t: &mut Tokens, in_parens: bool) -> Result<Pipeline, TemplateError> {
    let mut declare = Vec::new();
    // `$x :=` or `$i, $e :=`
    let save = t.pos;
    let mut vars = Vec::new();
    while let Some(Token::Var(name, fields, _)) = t.peek().cloned() {
        if !fields.is_empty() {
            break;
        }
        t.next();
        vars.push(name);
        match t.peek() {
            Some(Token::Comma) => {
                t.next();
            }
            Some(Token::Declare) | Some(Token::Assign) => {
                t.next();
                declare = vars.clone();
                break;
            }
            _ => break,
        }
    }
    if declare.is_empty() {
        t.pos = save;
    }
    let mut commands = Vec::new();
    let mut operands = Vec::new();
    loop {
        match t.next() {
            None => {
                if in_parens {
                    return Err(TemplateError::Parse("unclosed left paren".into()));
                }
                break;
            }
            Some(Token::Close(fields)) => {
                if !in_parens {
                    return Err(TemplateError::Parse("unexpected right paren".into()));
                }
                // `(...).Field` applies to the whole sub-pipeline: hand the
                // fields back to the caller through a marker.
                t.pos -= 1;
                t.tokens[t.pos] = Token::Close(fields);
                break;
            }
            Some(Token::Pipe) => {
                if operands.is_empty() {
                    return Err(TemplateError::Parse("missing command before |".into()));
                }
                commands.push(Command {
                    operands: std::mem::take(&mut operands),
                });
            }
            Some(Token::Open) => {
                let sub = parse_pipeline(t, true)?;
                let Some(Token::Close(fields)) = t.next() else {
                    return Err(TemplateError::Parse("unclosed left paren".into()));
                };
                operands.push(Operand::Sub(Box::new(sub), fields));
            }
            // Go places a chain (`.A.B`, `$x.A`) at its second element
            Some(Token::Dot(fields, at)) => {
                let second = if fields.len() > 1 {
                    at + 1 + fields[0].len()
                } else {
                    at
                };
                operands.push(Operand::Field(fields, t.pos_of(second)))
            }
            Some(Token::Var(name, fields, at)) => {
                let second = if fields.is_empty() {
                    at
                } else {
                    at + name.len()
                };
                let pos = t.pos_of(second);
                operands.push(Operand::Variable(name, fields, pos))
            }
            Some(Token::Str(s)) => operands.push(Operand::Str(s)),
            Some(Token::Number(n)) => operands.push(Operand::Number(n)),
            Some(Token::Ident(name)) => operands.push(match name.as_str() {
                "true" => Operand::Bool(true),
                "false" => Operand::Bool(false),
                "nil" => Operand::Nil,
                _ => Operand::Function(name),
            }),
            Some(other) => {
                return Err(TemplateError::Parse(format!(
                    "unexpected {other:?} in command"
                )));
            }
        }
    }
    if operands.is_empty() {
        return Err(TemplateError::Parse("missing value for command".into()));
    }
    commands.push(Command { operands });
    Ok(Pipeline { declare, commands })
}

fn pipeline_of(
    body: &str,
    base: usize,
    line_starts: &std::rc::Rc<Vec<usize>>,
) -> Result<Pipeline, TemplateError> {
    let mut tokens = Tokens {
        tokens: lex(body, base)?,
        pos: 0,
        line_starts: line_starts.clone(),
    };
    parse_pipeline(&mut tokens, false)
}

/// What closed a list: `end`, `else`, `else if ...`, or the end of input.
enum Terminator {
    End,
    Else,
    ElseIf(Pipeline),
    Eof,
}

struct Parser {
    parts: Vec<(bool, String, usize)>,
    pos: usize,
    line_starts: std::rc::Rc<Vec<usize>>,
}

impl Parser {
    fn list(&mut self) -> Result<(Vec<Node>, Terminator), TemplateError> {
        let mut nodes = Vec::new();
        while self.pos < self.parts.len() {
            let (is_action, body, base) = self.parts[self.pos].clone();
            self.pos += 1;
            if !is_action {
                if !body.is_empty() {
                    nodes.push(Node::Text(body));
                }
                continue;
            }
            let trimmed = body.trim();
            // where a piece of this action starts in the template
            let at = |piece: &str| base + (piece.as_ptr() as usize - body.as_ptr() as usize);
            let lines = self.line_starts.clone();
            if trimmed.starts_with("/*") {
                continue;
            }
            let (keyword, rest) = match trimmed.split_once(char::is_whitespace) {
                Some((k, r)) => (k, r.trim()),
                None => (trimmed, ""),
            };
            match keyword {
                "end" => return Ok((nodes, Terminator::End)),
                "else" if rest.is_empty() => return Ok((nodes, Terminator::Else)),
                "else" => {
                    let Some(cond) = rest.strip_prefix("if ") else {
                        return Err(TemplateError::Parse(format!(
                            "unexpected {rest:?} after else"
                        )));
                    };
                    return Ok((
                        nodes,
                        Terminator::ElseIf(pipeline_of(cond, at(cond), &lines)?),
                    ));
                }
                "if" | "range" | "with" => {
                    let pipe = pipeline_of(rest, at(rest), &lines)?;
                    let (body, otherwise) = self.branches(keyword)?;
                    nodes.push(match keyword {
                        "if" => Node::If {
                            cond: pipe,
                            then: body,
                            otherwise,
                        },
                        "range" => Node::Range {
                            over: pipe,
                            body,
                            otherwise,
                        },
                        _ => Node::With {
                            value: pipe,
                            body,
                            otherwise,
                        },
                    });
                }
                _ => nodes.push(Node::Action(pipeline_of(trimmed, at(trimmed), &lines)?)),
            }
        }
        Ok((nodes, Terminator::Eof))
    }

    /// The body and the else-branch of an `if`/`range`/`with`.
    fn branches(&mut self, keyword: &str) -> Result<(Vec<Node>, Vec<Node>), TemplateError> {
        let (body, term) = self.list()?;
        let otherwise = match term {
            Terminator::End => Vec::new(),
            Terminator::Eof => {
                return Err(TemplateError::Parse(format!("unexpected EOF in {keyword}")));
            }
            Terminator::Else => match self.list()? {
                (nodes, Terminator::End) => nodes,
                _ => {
                    return Err(TemplateError::Parse(format!(
                        "expected end after else in {keyword}"
                    )));
                }
            },
            Terminator::ElseIf(cond) => {
                // `else if` nests an `if` that shares this `end`
                let (then, otherwise) = self.branches("if")?;
                vec![Node::If {
                    cond,
                    then,
                    otherwise,
                }]
            }
        };
        Ok((body, otherwise))
    }
}

pub fn parse(src: &str) -> Result<Vec<Node>, TemplateError> {
    let line_starts = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut parser = Parser {
        parts: split_actions(src)?,
        pos: 0,
        line_starts: std::rc::Rc::new(line_starts),
    };
    match parser.list()? {
        (nodes, Terminator::Eof) => Ok(nodes),
        (_, Terminator::End) => Err(TemplateError::Parse("unexpected {{end}}".into())),
        _ => Err(TemplateError::Parse("unexpected {{else}}".into())),
    }
}
