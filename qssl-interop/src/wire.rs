//! What went over the socket: a recording stream wrapper and a reader for the
//! plaintext hellos.
//!
//! In TLS 1.3 the ClientHello and ServerHello travel in the clear, so the group,
//! suite and version a connection settled on can be read off the wire whatever the
//! implementation's API exposes. The harness does this for every connection: it is
//! the only way to learn the group from the `openssl` crate (which has no binding
//! for `SSL_get0_group_name`), and it checks each implementation's own report
//! against the bytes.
//!
//! The reader takes peer bytes: it is bounded, never panics and never allocates
//! more than the recorded prefix.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};

/// How many bytes of each direction a [`WireTap`] keeps: enough for the hellos
/// (a ClientHello with an MLKEM1024 share is under 2 KiB; with HelloRetryRequest
/// the second ClientHello follows the first).
pub const TAP_LIMIT: usize = 64 * 1024;

#[derive(Default)]
struct TapLog {
    sent: Vec<u8>,
    received: Vec<u8>,
}

fn keep(log: &mut Vec<u8>, bytes: &[u8]) {
    let room = TAP_LIMIT.saturating_sub(log.len());
    log.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

/// A `Read + Write` wrapper that records the first [`TAP_LIMIT`] bytes sent and
/// received.
pub struct WireTap<S> {
    inner: S,
    log: Arc<Mutex<TapLog>>,
}

impl<S> WireTap<S> {
    /// Wraps `inner`; [`transcript`](Self::transcript) gives a handle to the record.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            log: Arc::default(),
        }
    }

    /// A handle on what this tap records, usable after the tap has been moved into
    /// a TLS stream.
    pub fn transcript(&self) -> Transcript {
        Transcript(Arc::clone(&self.log))
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S> fmt::Debug for WireTap<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WireTap").finish_non_exhaustive()
    }
}

fn lock(log: &Mutex<TapLog>) -> MutexGuard<'_, TapLog> {
    // A panic elsewhere must not hide what was recorded.
    log.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<S: Read> Read for WireTap<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        keep(&mut lock(&self.log).received, &buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for WireTap<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        keep(&mut lock(&self.log).sent, &buf[..n]);
        Ok(n)
    }

    // Forwarded, not left to the default (which writes only the first buffer):
    // rustls sends a failed handshake's alert with one last `write_vectored`, and
    // the alert would otherwise never leave.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let n = self.inner.write_vectored(bufs)?;
        let mut log = lock(&self.log);
        let mut left = n;
        for buf in bufs {
            let take = left.min(buf.len());
            keep(&mut log.sent, &buf[..take]);
            left -= take;
            if left == 0 {
                break;
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The bytes a [`WireTap`] recorded.
#[derive(Clone)]
pub struct Transcript(Arc<Mutex<TapLog>>);

impl Transcript {
    /// The first bytes written to the socket.
    pub fn sent(&self) -> Vec<u8> {
        lock(&self.0).sent.clone()
    }

    /// The first bytes read from the socket.
    pub fn received(&self) -> Vec<u8> {
        lock(&self.0).received.clone()
    }
}

impl fmt::Debug for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = lock(&self.0);
        f.debug_struct("Transcript")
            .field("sent", &log.sent.len())
            .field("received", &log.received.len())
            .finish()
    }
}

/// What a ClientHello offered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHelloSummary {
    /// `cipher_suites`, in the client's order.
    pub suites: Vec<CipherSuite>,
    /// `supported_groups`, in the client's order.
    pub supported_groups: Vec<NamedGroup>,
    /// The groups of the `key_share` entries, in order.
    pub key_shares: Vec<NamedGroup>,
    /// `supported_versions`.
    pub versions: Vec<u16>,
    /// The ALPN protocol names offered.
    pub alpn: Vec<Vec<u8>>,
    /// `signature_algorithms`, in the client's order.
    pub signature_schemes: Vec<SignatureScheme>,
    /// The identities of `pre_shared_key` (RFC 8446 §4.2.11), in order: for a
    /// resumption, the tickets offered, exactly as the server issued them.
    pub psk_identities: Vec<Vec<u8>>,
    /// How many binders `pre_shared_key` carries (one per identity).
    pub psk_binders: usize,
    /// Whether `pre_shared_key` was the last extension, as RFC 8446 §4.2.11
    /// requires (`false` without one).
    pub psk_last: bool,
    /// `psk_key_exchange_modes` (RFC 8446 §4.2.9): 1 is `psk_dhe_ke`, 0 `psk_ke`.
    pub psk_modes: Vec<u8>,
    /// Whether the ClientHello carries `early_data` (RFC 8446 §4.2.10): the client
    /// sends 0-RTT data right behind it. Whether the server took it is said in its
    /// EncryptedExtensions, which no tap can read.
    pub early_data: bool,
}

/// What a ServerHello chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerHelloSummary {
    /// The version from `supported_versions` (0x0304 for TLS 1.3), else the
    /// legacy version field.
    pub version: u16,
    /// The chosen cipher suite.
    pub suite: CipherSuite,
    /// The `key_share` group; `None` without the extension (TLS 1.2).
    pub group: Option<NamedGroup>,
    /// Whether a HelloRetryRequest came first (its group is then `group` too).
    pub hello_retry: bool,
    /// Whether that HelloRetryRequest carried a cookie (RFC 8446 §4.2.2).
    pub hello_retry_cookie: bool,
    /// The `pre_shared_key` identity the server selected (RFC 8446 §4.2.11): a
    /// resumption; `None` for a full handshake.
    pub psk_selected: Option<u16>,
}

/// The random of a HelloRetryRequest, RFC 8446 §4.1.3 (SHA-256 of "HelloRetryRequest").
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

const HANDSHAKE: u8 = 22;
const CHANGE_CIPHER_SPEC: u8 = 20;
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const EXT_ALPN: u16 = 16;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_SUPPORTED_VERSIONS: u16 = 43;
const EXT_KEY_SHARE: u16 = 51;
const EXT_COOKIE: u16 = 44;
const EXT_PRE_SHARED_KEY: u16 = 41;
const EXT_PSK_KEY_EXCHANGE_MODES: u16 = 45;
const EXT_EARLY_DATA: u16 = 42;
const APPLICATION_DATA: u8 = 23;
/// What TLS 1.3 record protection adds to a record's content, without padding:
/// the inner content type (1 byte) and the AEAD tag (16 bytes for every TLS 1.3
/// suite), RFC 8446 §5.2.
pub const PROTECTED_RECORD_OVERHEAD: usize = 1 + 16;

/// A bounds-checked reader over peer bytes.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
    fn u24(&mut self) -> Option<usize> {
        self.take(3)
            .map(|b| usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }
    fn vec8(&mut self) -> Option<&'a [u8]> {
        let n = self.u8()?;
        self.take(usize::from(n))
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The plaintext handshake messages at the start of one direction of a TLS
/// stream, as `(type, body)`: handshake records are joined (a message may span
/// records), change_cipher_spec records are skipped, and reading stops at the
/// first record of any other type (encrypted records travel as application_data).
/// A message cut off by the end of the input is left out.
pub fn plaintext_handshake_messages(stream: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut joined = Vec::new();
    let mut records = Cursor(stream);
    while let (Some(kind), Some(_version), Some(fragment)) =
        (records.u8(), records.u16(), records.vec16())
    {
        match kind {
            HANDSHAKE => joined.extend_from_slice(fragment),
            CHANGE_CIPHER_SPEC => {}
            _ => break,
        }
    }
    let mut messages = Vec::new();
    let mut body = Cursor(&joined);
    while let (Some(kind), Some(len)) = (body.u8(), body.u24()) {
        match body.take(len) {
            Some(msg) => messages.push((kind, msg.to_vec())),
            None => break,
        }
    }
    messages
}

/// Calls `f(extension_type, extension_data)` for each extension of a block,
/// returning `None` if the block is malformed.
fn for_each_extension(block: &[u8], mut f: impl FnMut(u16, &[u8]) -> Option<()>) -> Option<()> {
    let mut exts = Cursor(block);
    while !exts.is_empty() {
        let kind = exts.u16()?;
        let data = exts.vec16()?;
        f(kind, data)?;
    }
    Some(())
}

fn u16_list(data: &[u8]) -> Option<Vec<u16>> {
    if !data.len().is_multiple_of(2) {
        return None;
    }
    Some(
        data.chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect(),
    )
}

/// One record header as read off the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The outer content type: 22 handshake, 20 change_cipher_spec, 21 alert, 23
    /// application_data (every protected TLS 1.3 record, whatever it carries).
    pub content_type: u8,
    /// The fragment's length.
    pub len: usize,
}

/// The headers of the whole records at the start of one direction of a TLS
/// stream, in order; a record cut off by the end of the input is left out.
pub fn records(stream: &[u8]) -> Vec<RecordHeader> {
    let mut out = Vec::new();
    let mut c = Cursor(stream);
    while let (Some(content_type), Some(_version), Some(fragment)) = (c.u8(), c.u16(), c.vec16()) {
        out.push(RecordHeader {
            content_type,
            len: fragment.len(),
        });
    }
    out
}

/// The length of a client's first flight at the start of its client → server
/// stream: its plaintext records (the ClientHello, a change_cipher_spec) and
/// then the application_data records carrying `early_len` bytes of 0-RTT data,
/// each holding its length minus [`PROTECTED_RECORD_OVERHEAD`] (records sent
/// without padding, as OpenSSL and Q-SSL send them). `None` if the records there
/// do not add up to exactly `early_len` bytes. Protected records all look alike
/// (application_data), so the length given decides where the flight ends: it
/// must be what the client sent as 0-RTT data. The flight is what an attacker
/// who records it can replay (RFC 8446 §8) without knowing any key.
pub fn first_flight(client_to_server: &[u8], early_len: usize) -> Option<usize> {
    let mut end = 0;
    let mut early = 0;
    for record in records(client_to_server) {
        let plaintext = matches!(record.content_type, HANDSHAKE | CHANGE_CIPHER_SPEC);
        if plaintext && early == 0 {
            // The ClientHello and the middlebox change_cipher_spec, before any 0-RTT.
        } else if record.content_type == APPLICATION_DATA && early < early_len {
            early += record.len.checked_sub(PROTECTED_RECORD_OVERHEAD)?;
        } else {
            break;
        }
        end += 5 + record.len;
    }
    (early == early_len).then_some(end)
}

/// Reads the first ClientHello of a client → server byte stream.
pub fn parse_client_hello(client_to_server: &[u8]) -> Option<ClientHelloSummary> {
    let messages = plaintext_handshake_messages(client_to_server);
    let (_, body) = messages.iter().find(|(kind, _)| *kind == CLIENT_HELLO)?;
    let mut c = Cursor(body);
    c.take(2 + 32)?; // legacy_version, random
    c.vec8()?; // legacy_session_id
    let suites = u16_list(c.vec16()?)?.into_iter().map(CipherSuite).collect();
    c.vec8()?; // legacy_compression_methods
    let mut summary = ClientHelloSummary {
        suites,
        ..ClientHelloSummary::default()
    };
    if c.is_empty() {
        return Some(summary);
    }
    let exts = c.vec16()?;
    let mut last = None;
    for_each_extension(exts, |kind, data| {
        last = Some(kind);
        let mut d = Cursor(data);
        match kind {
            EXT_SUPPORTED_GROUPS => {
                summary.supported_groups =
                    u16_list(d.vec16()?)?.into_iter().map(NamedGroup).collect();
            }
            EXT_KEY_SHARE => {
                let mut shares = Cursor(d.vec16()?);
                while !shares.is_empty() {
                    summary.key_shares.push(NamedGroup(shares.u16()?));
                    shares.vec16()?;
                }
            }
            EXT_SUPPORTED_VERSIONS => {
                summary.versions = u16_list(d.vec8()?)?;
            }
            EXT_SIGNATURE_ALGORITHMS => {
                summary.signature_schemes = u16_list(d.vec16()?)?
                    .into_iter()
                    .map(SignatureScheme)
                    .collect();
            }
            EXT_ALPN => {
                let mut names = Cursor(d.vec16()?);
                while !names.is_empty() {
                    summary.alpn.push(names.vec8()?.to_vec());
                }
            }
            EXT_PSK_KEY_EXCHANGE_MODES => summary.psk_modes = d.vec8()?.to_vec(),
            EXT_EARLY_DATA => summary.early_data = true,
            EXT_PRE_SHARED_KEY => {
                let mut identities = Cursor(d.vec16()?);
                while !identities.is_empty() {
                    summary.psk_identities.push(identities.vec16()?.to_vec());
                    identities.u32()?; // obfuscated_ticket_age
                }
                let mut binders = Cursor(d.vec16()?);
                while !binders.is_empty() {
                    binders.vec8()?;
                    summary.psk_binders += 1;
                }
            }
            _ => {}
        }
        Some(())
    })?;
    summary.psk_last = last == Some(EXT_PRE_SHARED_KEY);
    Some(summary)
}

/// Reads the ServerHello of a server → client byte stream; after a
/// HelloRetryRequest, the real ServerHello that follows it.
pub fn parse_server_hello(server_to_client: &[u8]) -> Option<ServerHelloSummary> {
    let mut hello_retry = false;
    let mut hello_retry_cookie = false;
    for (kind, body) in plaintext_handshake_messages(server_to_client) {
        if kind != SERVER_HELLO {
            continue;
        }
        let mut c = Cursor(&body);
        let legacy_version = c.u16()?;
        let is_hrr = c.take(32)? == HRR_RANDOM;
        c.vec8()?; // legacy_session_id_echo
        let suite = CipherSuite(c.u16()?);
        c.u8()?; // legacy_compression_method
        let mut version = legacy_version;
        let mut group = None;
        let mut cookie = false;
        let mut psk_selected = None;
        if !c.is_empty() {
            for_each_extension(c.vec16()?, |ext, data| {
                let mut d = Cursor(data);
                match ext {
                    EXT_SUPPORTED_VERSIONS => version = d.u16()?,
                    // ServerHello: KeyShareEntry; HelloRetryRequest: NamedGroup alone.
                    EXT_KEY_SHARE => group = Some(NamedGroup(d.u16()?)),
                    EXT_COOKIE => cookie = true,
                    EXT_PRE_SHARED_KEY => psk_selected = Some(d.u16()?),
                    _ => {}
                }
                Some(())
            })?;
        }
        if is_hrr {
            hello_retry = true;
            hello_retry_cookie = cookie;
            continue;
        }
        return Some(ServerHelloSummary {
            version,
            suite,
            group,
            hello_retry,
            hello_retry_cookie,
            psk_selected,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8448 §3, simple 1-RTT handshake: see tests/vectors/README.md.
    fn vector(text: &str) -> Vec<u8> {
        hex::decode(text.trim()).unwrap()
    }
    fn client_hello() -> Vec<u8> {
        vector(include_str!(
            "../tests/vectors/rfc8448-1rtt-client-hello-record.hex"
        ))
    }
    fn server_hello() -> Vec<u8> {
        vector(include_str!(
            "../tests/vectors/rfc8448-1rtt-server-hello-record.hex"
        ))
    }
    fn resumed_client_hello() -> Vec<u8> {
        vector(include_str!(
            "../tests/vectors/rfc8448-resumed-client-hello-record.hex"
        ))
    }
    fn resumed_server_hello() -> Vec<u8> {
        vector(include_str!(
            "../tests/vectors/rfc8448-resumed-server-hello-record.hex"
        ))
    }
    /// The ticket of RFC 8448 §3's NewSessionTicket: after type (1), length (3),
    /// ticket_lifetime (4), ticket_age_add (4) and ticket_nonce (its length byte, 2,
    /// then "00 00") come the ticket's 2-byte length and the ticket.
    fn rfc8448_ticket() -> Vec<u8> {
        let nst = vector(include_str!(
            "../tests/vectors/rfc8448-1rtt-new-session-ticket.hex"
        ));
        let at = 4 + 4 + 4 + 3;
        let len = usize::from(u16::from_be_bytes([nst[at], nst[at + 1]]));
        nst[at + 2..at + 2 + len].to_vec()
    }

    fn zero_rtt_stream() -> Vec<u8> {
        // RFC 8448 §4 as the client sends it: ClientHello, 0-RTT "ABCDEF",
        // EndOfEarlyData, Finished.
        let mut stream = resumed_client_hello();
        for part in [
            include_str!("../tests/vectors/rfc8448-0rtt-early-data-record.hex"),
            include_str!("../tests/vectors/rfc8448-0rtt-end-of-early-data-record.hex"),
            include_str!("../tests/vectors/rfc8448-0rtt-client-finished-record.hex"),
        ] {
            stream.extend_from_slice(&vector(part));
        }
        stream
    }

    #[test]
    fn rfc8448_early_data_offer() {
        assert!(
            parse_client_hello(&resumed_client_hello())
                .unwrap()
                .early_data
        );
        assert!(!parse_client_hello(&client_hello()).unwrap().early_data);
    }

    #[test]
    fn rfc8448_zero_rtt_records_and_first_flight() {
        let stream = zero_rtt_stream();
        let header = |content_type, len| RecordHeader { content_type, len };
        assert_eq!(
            records(&stream),
            vec![
                header(22, 512),
                header(23, 23),
                header(23, 21),
                header(23, 53)
            ],
            "ClientHello, 0-RTT (6 + 17), EndOfEarlyData (4 + 17), Finished (36 + 17)"
        );
        assert_eq!(first_flight(&stream, 6), Some(517 + 28));
        assert_eq!(
            first_flight(&stream, 0),
            Some(517),
            "no 0-RTT: the ClientHello"
        );
        // Lengths that no run of records adds up to: no flight.
        for wrong in [5, 7, 100] {
            assert_eq!(first_flight(&stream, wrong), None, "{wrong} bytes");
        }
        // A change_cipher_spec between the ClientHello and the 0-RTT data is part
        // of the flight (OpenSSL's middlebox compatibility).
        let mut with_ccs = resumed_client_hello();
        with_ccs.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
        with_ccs.extend_from_slice(&stream[517..]);
        assert_eq!(first_flight(&with_ccs, 6), Some(517 + 6 + 28));
    }

    #[test]
    fn truncated_records_are_left_out() {
        let stream = zero_rtt_stream();
        let ends = [517, 517 + 28, 517 + 28 + 26, stream.len()];
        for n in 0..=stream.len() {
            let whole = ends.iter().filter(|&&end| end <= n).count();
            assert_eq!(records(&stream[..n]).len(), whole, "cut at {n}");
            let flight = first_flight(&stream[..n], 6);
            assert_eq!(flight, (n >= 517 + 28).then_some(517 + 28), "cut at {n}");
        }
    }

    #[test]
    fn rfc8448_client_hello() {
        let hello = parse_client_hello(&client_hello()).unwrap();
        assert_eq!(
            hello.suites,
            [0x1301, 0x1303, 0x1302].map(CipherSuite).to_vec()
        );
        assert_eq!(
            hello.supported_groups,
            [
                0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104
            ]
            .map(NamedGroup)
            .to_vec()
        );
        assert_eq!(hello.key_shares, vec![NamedGroup::X25519]);
        assert_eq!(hello.versions, vec![0x0304]);
        assert!(hello.alpn.is_empty());
        // psk_key_exchange_modes without pre_shared_key: ready for the tickets to come.
        assert_eq!(hello.psk_modes, vec![1]);
        assert!(hello.psk_identities.is_empty());
        assert_eq!((hello.psk_binders, hello.psk_last), (0, false));
    }

    #[test]
    fn rfc8448_resumed_client_hello() {
        let hello = parse_client_hello(&resumed_client_hello()).unwrap();
        let ticket = rfc8448_ticket();
        assert_eq!(ticket.len(), 178);
        assert_eq!(hello.psk_identities, vec![ticket], "the §3 ticket, offered");
        assert_eq!(hello.psk_binders, 1);
        assert!(hello.psk_last);
        assert_eq!(hello.psk_modes, vec![1], "psk_dhe_ke");
        assert_eq!(hello.key_shares, vec![NamedGroup::X25519]);
    }

    #[test]
    fn rfc8448_resumed_server_hello() {
        let hello = parse_server_hello(&resumed_server_hello()).unwrap();
        assert_eq!(hello.psk_selected, Some(0));
        assert_eq!(hello.group, Some(NamedGroup::X25519));
        assert_eq!(hello.suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
        assert_eq!(hello.version, 0x0304);
    }

    #[test]
    fn rfc8448_server_hello() {
        let hello = parse_server_hello(&server_hello()).unwrap();
        assert_eq!(
            hello,
            ServerHelloSummary {
                version: 0x0304,
                suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
                group: Some(NamedGroup::X25519),
                hello_retry: false,
                hello_retry_cookie: false,
                psk_selected: None,
            }
        );
    }

    #[test]
    fn truncated_hellos_are_not_read() {
        for ch in [client_hello(), resumed_client_hello()] {
            for n in 0..ch.len() {
                assert_eq!(
                    parse_client_hello(&ch[..n]),
                    None,
                    "client hello cut at {n}"
                );
            }
        }
        for sh in [server_hello(), resumed_server_hello()] {
            for n in 0..sh.len() {
                assert_eq!(
                    parse_server_hello(&sh[..n]),
                    None,
                    "server hello cut at {n}"
                );
            }
        }
    }

    #[test]
    fn hello_split_across_records_and_followed_by_ciphertext() {
        // The same ServerHello message in two handshake records, a CCS, then an
        // application_data record that must not be read as handshake.
        let sh = server_hello();
        let msg = &sh[5..];
        let mut stream = Vec::new();
        for part in [&msg[..10], &msg[10..]] {
            stream.extend_from_slice(&[22, 3, 3]);
            stream.extend_from_slice(&(part.len() as u16).to_be_bytes());
            stream.extend_from_slice(part);
        }
        stream.extend_from_slice(&[20, 3, 3, 0, 1, 1]);
        stream.extend_from_slice(&[23, 3, 3, 0, 4, 2, 0, 0, 0]);
        assert_eq!(parse_server_hello(&stream), parse_server_hello(&sh));
        assert_eq!(plaintext_handshake_messages(&stream).len(), 1);
    }

    #[test]
    fn tap_forwards_and_records_vectored_writes() {
        let mut tap = WireTap::new(Vec::new());
        let transcript = tap.transcript();
        let bufs = [io::IoSlice::new(b"abc"), io::IoSlice::new(b"de")];
        // Vec<u8> takes every buffer in one call; the default would take one.
        assert_eq!(tap.write_vectored(&bufs).unwrap(), 5);
        assert_eq!(tap.get_ref().as_slice(), b"abcde");
        assert_eq!(transcript.sent(), b"abcde".to_vec());
    }

    #[test]
    fn tap_keeps_a_bounded_prefix() {
        let mut tap = WireTap::new(std::io::Cursor::new(vec![7u8; TAP_LIMIT + 10]));
        let transcript = tap.transcript();
        let mut sink = Vec::new();
        tap.read_to_end(&mut sink).unwrap();
        tap.write_all(&[1, 2, 3]).unwrap();
        assert_eq!(sink.len(), TAP_LIMIT + 10);
        assert_eq!(transcript.received().len(), TAP_LIMIT);
        // Cursor<Vec> writes at its position: only what went through the tap counts.
        assert_eq!(transcript.sent(), vec![1, 2, 3]);
    }
}
