//! Every TLS 1.2 handshake message parser (`Tls12Message`): a message that parses
//! re-encodes to the same bytes (the TLS 1.2 transcript and the ServerKeyExchange
//! signature are computed over the bytes as sent).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    qssl_handshake::fuzzing::fuzz_parse_tls12_handshake(data);
});
