//! PEM (RFC 7468) encoding and a reader for files of several blocks, such as
//! `chain.pem` and `ca.pem`.
//!
//! The reader is "lax" in RFC 7468 §3's sense, like OpenSSL: text between
//! blocks is ignored, lines may have any length and end in CRLF, and
//! surrounding whitespace is trimmed. Inside a block it is strict: every line
//! must be base64, the base64 must be canonical, and errors name the line.

use base64ct::{Base64, Encoding};
use der::{Decode, Tagged};

/// One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and decoded bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct PemBlock {
    /// The label between `-----BEGIN ` and `-----`.
    pub label: String,
    /// The decoded contents.
    pub der: Vec<u8>,
}

impl core::fmt::Debug for PemBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The contents may be a private key: print only their size.
        f.debug_struct("PemBlock")
            .field("label", &self.label)
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// Why a PEM input was refused. Line numbers start at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// The input holds no PEM block of the wanted kind.
    #[error("no PEM CERTIFICATE block found")]
    NoCertificate,
    /// A line starts like a boundary (`-----BEGIN`/`-----END`) but is not one.
    #[error("line {line}: malformed PEM boundary")]
    BadBoundary {
        /// The offending line.
        line: usize,
    },
    /// A block was opened and never closed (a truncated file, or a second
    /// `-----BEGIN` before the `-----END`).
    #[error("line {line}: PEM block is not terminated by a matching -----END line")]
    Unterminated {
        /// The block's `-----BEGIN` line.
        line: usize,
    },
    /// An `-----END` line with no block open.
    #[error("line {line}: -----END without -----BEGIN")]
    EndWithoutBegin {
        /// The `-----END` line.
        line: usize,
    },
    /// The `-----END` label differs from the `-----BEGIN` label.
    #[error("line {line}: -----END label does not match its -----BEGIN label")]
    LabelMismatch {
        /// The `-----END` line.
        line: usize,
    },
    /// A block has a label other than the one wanted, e.g. a `PRIVATE KEY`
    /// where certificates were expected.
    #[error("line {line}: unexpected PEM label (expected CERTIFICATE)")]
    UnexpectedLabel {
        /// The block's `-----BEGIN` line.
        line: usize,
    },
    /// A line inside a block is not base64, or the block's base64 is
    /// truncated or not canonical (then `line` is the `-----BEGIN` line).
    #[error("line {line}: invalid base64 in PEM block")]
    Base64 {
        /// The offending line.
        line: usize,
    },
    /// A block with nothing between its boundaries.
    #[error("line {line}: empty PEM block")]
    EmptyBlock {
        /// The block's `-----BEGIN` line.
        line: usize,
    },
    /// A `CERTIFICATE` block whose contents are not one DER SEQUENCE.
    #[error("line {line}: PEM CERTIFICATE block does not hold a DER certificate")]
    NotDer {
        /// The block's `-----BEGIN` line.
        line: usize,
    },
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Encodes `der` as one PEM block with `label`: 64-column base64, `\n` line
/// ends and a final newline (RFC 7468 §2, what OpenSSL writes). Empty `der`
/// gives a block with no body, which [`pem_blocks`] refuses as
/// [`PemError::EmptyBlock`].
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 32);
    out.push_str(BEGIN);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    // base64 is ASCII, so any byte offset is a char boundary.
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(END);
    out.push_str(label);
    out.push_str(DASHES);
    out.push('\n');
    out
}

/// Every PEM block in `input`, in order, with the line its `-----BEGIN` is on.
fn blocks_with_lines(input: &str) -> Result<Vec<(usize, PemBlock)>, PemError> {
    let mut blocks = Vec::new();
    // (begin line, label, base64 collected so far)
    let mut open: Option<(usize, &str, String)> = None;
    for (index, raw) in input.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        match open.take() {
            None => {
                if line.starts_with(BEGIN) {
                    let label = boundary_label(line, BEGIN)
                        .ok_or(PemError::BadBoundary { line: line_no })?;
                    open = Some((line_no, label, String::new()));
                } else if line.starts_with(END) {
                    return Err(PemError::EndWithoutBegin { line: line_no });
                }
                // Anything else is explanatory text between blocks (RFC 7468 §5.2).
            }
            Some((begin, label, mut body)) => {
                if line.starts_with(END) {
                    let end_label =
                        boundary_label(line, END).ok_or(PemError::BadBoundary { line: line_no })?;
                    if end_label != label {
                        return Err(PemError::LabelMismatch { line: line_no });
                    }
                    if body.is_empty() {
                        return Err(PemError::EmptyBlock { line: begin });
                    }
                    let der =
                        Base64::decode_vec(&body).map_err(|_| PemError::Base64 { line: begin })?;
                    blocks.push((
                        begin,
                        PemBlock {
                            label: label.to_owned(),
                            der,
                        },
                    ));
                } else if line.starts_with(DASHES) {
                    // A new BEGIN (or anything boundary-like) before our END.
                    return Err(PemError::Unterminated { line: begin });
                } else {
                    if !line
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                    {
                        return Err(PemError::Base64 { line: line_no });
                    }
                    body.push_str(line);
                    open = Some((begin, label, body));
                }
            }
        }
    }
    match open {
        Some((begin, _, _)) => Err(PemError::Unterminated { line: begin }),
        None => Ok(blocks),
    }
}

/// The label of a `-----BEGIN label-----` / `-----END label-----` line.
fn boundary_label<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let label = line.strip_prefix(prefix)?.strip_suffix(DASHES)?;
    // RFC 7468 §3 labelchar: printable ASCII except '-' at the ends; no dash runs.
    let valid = !label.is_empty()
        && !label.contains(DASHES)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.bytes().all(|b| (0x20..0x7f).contains(&b));
    valid.then_some(label)
}

/// Every PEM block in `input`, of any label, in order.
///
/// Text outside blocks is ignored; a malformed block is an error (it is not
/// skipped), so a damaged file is never half-read.
pub fn pem_blocks(input: &str) -> Result<Vec<PemBlock>, PemError> {
    Ok(blocks_with_lines(input)?
        .into_iter()
        .map(|(_, block)| block)
        .collect())
}

/// The DER of every `CERTIFICATE` block in `input` (a chain or CA bundle
/// file), in file order.
///
/// A block with another label is an error, not skipped: a key or CSR in a
/// certificate file is a mistake worth reporting. Each block must hold exactly
/// one DER SEQUENCE; full X.509 parsing is left to the verifier.
pub fn pem_certificates(input: &str) -> Result<Vec<Vec<u8>>, PemError> {
    let blocks = blocks_with_lines(input)?;
    if blocks.is_empty() {
        return Err(PemError::NoCertificate);
    }
    let mut certs = Vec::with_capacity(blocks.len());
    for (line, block) in blocks {
        if block.label != "CERTIFICATE" {
            return Err(PemError::UnexpectedLabel { line });
        }
        let any = der::asn1::AnyRef::from_der(&block.der).map_err(|_| PemError::NotDer { line })?;
        if any.tag() != der::Tag::Sequence {
            return Err(PemError::NotDer { line });
        }
        certs.push(block.der);
    }
    Ok(certs)
}
