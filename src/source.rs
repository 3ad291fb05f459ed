//! The only place that turns `syn`/`proc_macro2` spans into positions.
//!
//! Spans are thread-local and only meaningful while the file's tokens are alive, so the
//! summary builder converts every span it keeps into a [`Span`] right away, on the parsing
//! thread. Summaries, findings and reporters only ever see [`Span`].

use bincode::{Decode, Encode};
use serde::Serialize;

/// A source range: 1-based line and column (columns count characters), plus byte offsets
/// for reporters that label source text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default, Encode, Decode,
)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    #[serde(skip)]
    pub start_byte: u32,
    #[serde(skip)]
    pub end_byte: u32,
}

impl Span {
    /// Byte length of the range (at least 1, so an empty span still shows a caret).
    pub fn byte_len(&self) -> usize {
        (self.end_byte.saturating_sub(self.start_byte) as usize).max(1)
    }
}

/// Maps line/column pairs from `proc_macro2` to byte offsets in one file's text, in time
/// logarithmic in the text (a file may be one line of megabytes, with a span per token).
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// Every character longer than one byte: its byte offset, and the extra bytes (length
    /// minus one) of all such characters up to and including it. Between two of them a
    /// column is a byte.
    wide: Vec<(usize, usize)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut extra = 0;
        let wide = text
            .char_indices()
            .filter(|(_, c)| c.len_utf8() > 1)
            .map(|(i, c)| {
                extra += c.len_utf8() - 1;
                (i, extra)
            })
            .collect();
        LineIndex {
            text,
            line_starts,
            wide,
        }
    }

    /// Extra bytes of the wide characters that start before `byte`.
    fn extra_before(&self, byte: usize) -> usize {
        match self.wide.partition_point(|&(at, _)| at < byte) {
            0 => 0,
            n => self.wide[n - 1].1,
        }
    }

    /// Converts a `proc_macro2` span (1-based line, 0-based char column) to a [`Span`].
    pub fn span(&self, span: proc_macro2::Span) -> Span {
        let (start, end) = (span.start(), span.end());
        let start_byte = self.byte_offset(start.line, start.column);
        let end_byte = self.byte_offset(end.line, end.column).max(start_byte);
        Span {
            line: start.line as u32,
            column: start.column as u32 + 1,
            end_line: end.line as u32,
            end_column: end.column as u32 + 1,
            start_byte: start_byte as u32,
            end_byte: end_byte as u32,
        }
    }

    /// Span covering two spans (from the start of `a` to the end of `b`).
    pub fn join(&self, a: proc_macro2::Span, b: proc_macro2::Span) -> Span {
        let (a, b) = (self.span(a), self.span(b));
        Span {
            end_line: b.end_line,
            end_column: b.end_column,
            end_byte: b.end_byte.max(a.start_byte),
            ..a
        }
    }

    /// Converts a byte range of the text (found by scanning it, not by a parser) to a [`Span`].
    pub fn span_of_bytes(&self, start: usize, end: usize) -> Span {
        let position = |byte: usize| {
            let line = self.line_starts.partition_point(|&s| s <= byte);
            let line_start = self.line_starts[line - 1];
            let column =
                byte - line_start - (self.extra_before(byte) - self.extra_before(line_start));
            (line as u32, column as u32 + 1)
        };
        let (line, column) = position(start);
        let (end_line, end_column) = position(end.max(start));
        Span {
            line,
            column,
            end_line,
            end_column,
            start_byte: start as u32,
            end_byte: end.max(start) as u32,
        }
    }

    /// The text from the start of `first`'s line to the end of `last`, with its span, when
    /// only spaces and tabs precede `first` there and both are on that one line: what an
    /// edit that puts a line above an item replaces (its indentation is the text's own).
    pub fn line_through(
        &self,
        first: proc_macro2::Span,
        last: proc_macro2::Span,
    ) -> Option<(Span, &'a str)> {
        let (first, last) = (self.span(first), self.span(last));
        if first.line != last.end_line || last.end_byte < first.start_byte {
            return None;
        }
        let start = *self.line_starts.get(first.line.checked_sub(1)? as usize)?;
        let indent = self.text.get(start..first.start_byte as usize)?;
        if !indent.bytes().all(|b| b == b' ' || b == b'\t') {
            return None;
        }
        let text = self.text.get(start..last.end_byte as usize)?;
        Some((self.span_of_bytes(start, last.end_byte as usize), text))
    }

    /// Whether line `line` (1-based) ends with `\r\n`.
    pub fn ends_with_crlf(&self, line: u32) -> bool {
        self.line_starts
            .get(line as usize)
            .is_some_and(|&next| self.text.as_bytes().get(next.wrapping_sub(2)) == Some(&b'\r'))
    }

    /// The byte of character `column` of `line`; past the line's end, the line's end.
    fn byte_offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        let base = self.extra_before(start);
        // The wide characters of the line that sit before the column.
        let first = self.wide.partition_point(|&(at, _)| at < start);
        let in_line = &self.wide[first..self.wide.partition_point(|&(at, _)| at < end)];
        let before = in_line.partition_point(|&(at, _)| {
            let previous = self.extra_before(at) - base;
            at - start - previous < column
        });
        let extra = match before {
            0 => 0,
            n => in_line[n - 1].1 - base,
        };
        (start + column + extra).min(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_multibyte_columns_to_byte_offsets() {
        let text = "fn a() {}\nlet é = x;\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.byte_offset(2, 0), 10);
        assert_eq!(idx.byte_offset(2, 5), 10 + "let é".len());
        assert_eq!(idx.byte_offset(9, 0), text.len());
        let s = idx.span_of_bytes(10 + "let é".len(), text.len() - 1);
        assert_eq!((s.line, s.column, s.end_line, s.end_column), (2, 6, 2, 11));
    }

    #[test]
    fn every_column_maps_like_counting_characters() {
        let text = "é€x\n\nab😀c\n😀😀\nlast é";
        let idx = LineIndex::new(text);
        for (n, line) in text.split('\n').enumerate() {
            let start = idx.line_starts[n];
            for (column, (at, _)) in line.char_indices().enumerate() {
                assert_eq!(idx.byte_offset(n + 1, column), start + at, "{n}:{column}");
                let s = idx.span_of_bytes(start + at, start + at);
                assert_eq!((s.line, s.column), (n as u32 + 1, column as u32 + 1));
            }
            let past = line.chars().count();
            assert_eq!(idx.byte_offset(n + 1, past), start + line.len(), "line end");
        }
    }
}
