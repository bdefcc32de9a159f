//! The expression language shared by ARM templates (`[concat(parameters('a'), 'b')]`) and the
//! Workflow Definition Language (`@concat(parameters('a'), 'b')`, `@{…}`): function calls, string
//! literals with `''` escapes, numbers (`.3` included, as the reference's `sub(10.3, .3)`),
//! `true`/`false`/`null`, array literals (`length([1, 2, 3])`, which the WDL page's operator table
//! shows), member access (`.x`, `?.x`) and indexing (`['x']`, `[0]`, `?['x']`). This module parses
//! and prints; `eval.rs` evaluates.

use std::fmt;

use serde_json::Value;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal string, number, boolean or null.
    Literal(Value),
    /// `name(arg, …)`.
    Call {
        /// The function's name as written.
        name: String,
        /// Its arguments.
        args: Vec<Expr>,
    },
    /// `base.name` or `base?.name`.
    Member {
        /// What is accessed.
        base: Box<Expr>,
        /// The property.
        name: String,
        /// `?.`: null instead of an error when absent.
        optional: bool,
    },
    /// `base[index]` or `base?[index]`.
    Index {
        /// What is indexed.
        base: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
        /// `?[…]`: null instead of an error when absent.
        optional: bool,
    },
    /// `[item, …]`, an array literal.
    Array(Vec<Expr>),
}

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at character {offset} of `{source_text}`")]
pub struct ParseError {
    /// Character offset of the problem.
    pub offset: usize,
    /// What was expected.
    pub message: String,
    /// The expression text.
    pub source_text: String,
}

/// Parses one expression (without the `[ ]` of ARM or the `@` of WDL).
pub fn parse(source: &str) -> Result<Expr, ParseError> {
    let mut parser = Parser {
        chars: source.chars().collect(),
        pos: 0,
        source,
        depth: 0,
    };
    let expr = parser.expr()?;
    parser.skip_ws();
    if parser.pos < parser.chars.len() {
        return Err(parser.error("expected the end of the expression"));
    }
    Ok(expr)
}

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    source: &'a str,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> ParseError {
        ParseError {
            offset: self.pos,
            message: message.to_owned(),
            source_text: self.source.to_owned(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("expression nested too deeply"));
        }
        let mut expr = self.primary()?;
        loop {
            self.skip_ws();
            match (self.peek(), self.chars.get(self.pos + 1).copied()) {
                (Some('.'), _) => {
                    self.pos += 1;
                    let name = self.ident()?;
                    expr = Expr::Member {
                        base: Box::new(expr),
                        name,
                        optional: false,
                    };
                }
                (Some('?'), Some('.')) => {
                    self.pos += 2;
                    let name = self.ident()?;
                    expr = Expr::Member {
                        base: Box::new(expr),
                        name,
                        optional: true,
                    };
                }
                (Some('?'), Some('[')) | (Some('['), _) => {
                    let optional = self.peek() == Some('?');
                    self.pos += if optional { 2 } else { 1 };
                    let index = self.expr()?;
                    if !self.eat(']') {
                        return Err(self.error("expected `]`"));
                    }
                    expr = Expr::Index {
                        base: Box::new(expr),
                        index: Box::new(index),
                        optional,
                    };
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(expr)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some('\'') => self.string(),
            Some('[') => self.array(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => {
                let name = self.ident()?;
                match name.as_str() {
                    "true" => return Ok(Expr::Literal(Value::Bool(true))),
                    "false" => return Ok(Expr::Literal(Value::Bool(false))),
                    "null" => return Ok(Expr::Literal(Value::Null)),
                    _ => {}
                }
                if !self.eat('(') {
                    return Err(self.error(&format!("expected `(` after function name `{name}`")));
                }
                let mut args = Vec::new();
                if !self.eat(')') {
                    loop {
                        args.push(self.expr()?);
                        if self.eat(')') {
                            break;
                        }
                        if !self.eat(',') {
                            return Err(self.error("expected `,` or `)` in an argument list"));
                        }
                    }
                }
                Ok(Expr::Call { name, args })
            }
            Some(_) => {
                Err(self
                    .error("expected a function call, a 'string', a number, true, false or null"))
            }
            None => Err(self.error("expected an expression")),
        }
    }

    /// `[a, b, …]`; the caller saw the `[`.
    fn array(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        if self.eat(']') {
            return Ok(Expr::Array(items));
        }
        loop {
            items.push(self.expr()?);
            if self.eat(']') {
                return Ok(Expr::Array(items));
            }
            if !self.eat(',') {
                return Err(self.error("expected `,` or `]` in an array"));
            }
        }
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        self.skip_ws();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("expected a name"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn string(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string: expected a closing `'`")),
                Some('\'') if self.chars.get(self.pos + 1) == Some(&'\'') => {
                    text.push('\'');
                    self.pos += 2;
                }
                Some('\'') => {
                    self.pos += 1;
                    return Ok(Expr::Literal(Value::String(text)));
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        // `.3` and `-.3` are numbers in the reference's own examples (`sub(10.3, .3)`).
        let text = match text.strip_prefix('-') {
            Some(rest) if rest.starts_with('.') => format!("-0{rest}"),
            _ if text.starts_with('.') => format!("0{text}"),
            _ => text,
        };
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Expr::Literal(Value::from(n)));
        }
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(|n| Expr::Literal(Value::Number(n)))
            .ok_or_else(|| self.error("expected a number"))
    }
}

impl fmt::Display for Expr {
    /// Prints the expression back in canonical form (used to name unresolved parts).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Literal(Value::String(s)) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Literal(v) => write!(f, "{v}"),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
            Expr::Member {
                base,
                name,
                optional,
            } => {
                write!(f, "{base}{}{name}", if *optional { "?." } else { "." })
            }
            Expr::Index {
                base,
                index,
                optional,
            } => write!(f, "{base}{}[{index}]", if *optional { "?" } else { "" }),
            Expr::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}
