//! One whole handshake message (header and body): parse, and if it parses, encoding
//! must give the input back.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qssl_handshake::fuzzing::fuzz_parse_handshake(data));
