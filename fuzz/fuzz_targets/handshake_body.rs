//! One handshake message body of a type picked by the first byte (so every parser
//! is reached without the fuzzer having to find the type codes): parse, and if it
//! parses, encoding must give the body back.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qssl_handshake::fuzzing::fuzz_parse_handshake_body(data));
