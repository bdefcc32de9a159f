//! Errors that point at the file, and at the line and column where there is one.

use std::fmt;

/// Why a scenario file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The scenario file as it was named to the loader (a relative path stays relative).
    pub file: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A parser's message with Rust's type names in people's words: serde says `expected u32` or
/// `expected f64` where a drill's author needs "a whole number" or "a number".
pub(crate) fn in_words(message: &str) -> String {
    const WORDS: [(&str, &str); 10] = [
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number"),
        ("expected u64", "expected a whole number"),
        ("expected usize", "expected a whole number"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected f32", "expected a number"),
        ("expected f64", "expected a number"),
        ("expected a borrowed string", "expected a string"),
    ];
    let mut out = message.to_owned();
    for (rust, words) in WORDS {
        // Whole words only: `expected u32` must not touch `expected u325…`.
        let mut from = 0;
        while let Some(found) = out[from..].find(rust) {
            let at = from + found;
            let end = at + rust.len();
            if out[end..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
                from = end;
                continue;
            }
            out.replace_range(at..end, words);
            from = at + words.len();
        }
    }
    out
}

/// 1-based (line, column) of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where `key` is set inside the `index`-th `[[table]]` of a TOML file (a best effort used for
/// errors found after parsing; `None` when it cannot be found).
pub(crate) fn locate(
    text: &str,
    table: &str,
    index: usize,
    key: Option<&str>,
) -> Option<(usize, usize)> {
    let header = format!("[[{table}]]");
    let mut seen = 0usize;
    let mut offset = 0usize;
    let mut start = None;
    for line in text.split_inclusive('\n') {
        if line.trim() == header {
            if seen == index {
                start = Some(offset);
            } else if start.is_some() {
                break;
            }
            seen += 1;
        } else if let (Some(_), Some(key)) = (start, key) {
            let trimmed = line.trim_start();
            if trimmed.starts_with("[[") && !trimmed.starts_with(&header) {
                break;
            }
            let rest = trimmed.strip_prefix(key);
            if rest.is_some_and(|r| r.trim_start().starts_with('=') || r.starts_with('.')) {
                let indent = line.len() - trimmed.len();
                return Some(line_column(text, offset + indent));
            }
        }
        offset += line.len();
    }
    start.map(|s| line_column(text, s))
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn rust_type_names_become_words() {
        assert_eq!(
            in_words("invalid type: string \"5\", expected u32"),
            "invalid type: string \"5\", expected a whole number"
        );
        assert_eq!(
            in_words("invalid type: boolean `true`, expected f64"),
            "invalid type: boolean `true`, expected a number"
        );
        assert_eq!(
            in_words("invalid value: integer `-1`, expected u64"),
            "invalid value: integer `-1`, expected a whole number"
        );
        assert_eq!(in_words("expected u325x"), "expected u325x");
    }
}
