//! An extension block in the context picked by the first byte: parse, and if it
//! parses, encoding must give the block back.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qssl_handshake::fuzzing::fuzz_parse_extensions(data));
