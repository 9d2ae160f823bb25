//! Reading and editing a raw mail's header block as bytes (no parser: the inputs are broken on
//! purpose), and the encoders for encoded words.

use crate::rng::Rng;

/// The header block's end: the offset of the blank line (or the input's end).
pub fn header_end(raw: &[u8]) -> usize {
    let mut line_start = 0;
    while line_start < raw.len() {
        let line_end = raw[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| line_start + p + 1);
        let line = &raw[line_start..line_end];
        if line == b"\n" || line == b"\r\n" {
            return line_start;
        }
        line_start = line_end;
    }
    raw.len()
}

/// (start, end) of each physical line in the header block, line end included.
pub fn header_lines(raw: &[u8]) -> Vec<(usize, usize)> {
    let end = header_end(raw);
    let mut lines = Vec::new();
    let mut start = 0;
    while start < end {
        let stop = raw[start..end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(end, |p| start + p + 1);
        lines.push((start, stop));
        start = stop;
    }
    lines
}

pub fn splice_in(raw: &[u8], start: usize, end: usize, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + bytes.len());
    out.extend_from_slice(&raw[..start]);
    out.extend_from_slice(bytes);
    out.extend_from_slice(&raw[end..]);
    out
}

/// Replaces every `name:` field (with its continuation lines) by one new line, at the top or
/// where the first one was.
pub fn set_header(rng: &mut Rng, raw: Vec<u8>, name: &str, value: &[u8]) -> Vec<u8> {
    let lines = header_lines(&raw);
    let is_named = |&(s, e): &(usize, usize)| {
        let line = &raw[s..e];
        line.len() > name.len()
            && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && line[name.len()] == b':'
    };
    let mut keep = Vec::with_capacity(raw.len() + value.len());
    let mut dropping = false;
    let mut insert_at = None;
    for (s, e) in &lines {
        let continuation = matches!(raw[*s], b' ' | b'\t');
        if is_named(&(*s, *e)) {
            dropping = true;
            insert_at.get_or_insert(keep.len());
            continue;
        }
        if dropping && continuation {
            continue;
        }
        dropping = false;
        keep.extend_from_slice(&raw[*s..*e]);
    }
    let body_start = lines.last().map_or(0, |&(_, e)| e);
    let at = match insert_at {
        Some(at) if rng.percent(70) => at,
        _ => 0,
    };
    let mut field = format!("{name}: ").into_bytes();
    field.extend_from_slice(value);
    field.extend_from_slice(b"\r\n");
    keep.splice(at..at, field);
    if body_start == 0 && !raw.is_empty() {
        // a headerless input: keep the fragment as the body
        keep.extend_from_slice(b"\r\n");
    }
    keep.extend_from_slice(&raw[body_start..]);
    keep
}

pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn q_encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            }
        })
        .collect()
}
