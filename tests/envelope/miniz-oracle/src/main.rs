//! Dev-only oracle: raw DEFLATE exactly as bc-components' `Compressed` makes it.
//!
//! Reads frames `[u32 LE length][bytes]` from stdin until EOF and writes, for each, the frame
//! `[u32 LE length][miniz_oxide::deflate::compress_to_vec(bytes, level)]` to stdout.
//! Usage: `miniz-oracle [level]` (default 6, the level bc-components passes).
use std::io::{Read, Write};

fn main() {
    let level: u8 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("level must be 0..=10"))
        .unwrap_or(6);
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).expect("read stdin");
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < input.len() {
        let header: [u8; 4] = input[pos..pos + 4].try_into().expect("truncated frame header");
        let n = u32::from_le_bytes(header) as usize;
        pos += 4;
        let compressed = miniz_oxide::deflate::compress_to_vec(&input[pos..pos + n], level);
        pos += n;
        out.extend_from_slice(&(compressed.len() as u32).to_le_bytes());
        out.extend_from_slice(&compressed);
    }
    std::io::stdout().write_all(&out).expect("write stdout");
}
