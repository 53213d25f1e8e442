//! The record deframer fed an arbitrary stream, in pieces of a size the first byte
//! picks, alternately through `extend` and `spare_capacity` + `commit`. Checks what
//! the deframer promises: records come out exactly as they were in the stream (header
//! and body, in order, nothing altered), none above the limit, the buffer never
//! beyond one record plus header, and an error repeats for ever once made.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qssl_record::{Deframer, HEADER_LEN, MAX_CIPHERTEXT_LEN_TLS12, MAX_CIPHERTEXT_LEN_TLS13};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, stream)) = data.split_first() else {
        return;
    };
    // Low bits: piece size 1..=64 (the deframer must not care how bytes arrive);
    // bit 6: TLS 1.2 or 1.3 limit; bit 7: a tiny limit, so overflow is easy to reach.
    let piece = usize::from(sel & 0x3f) + 1;
    let max = match (sel & 0x80 != 0, sel & 0x40 != 0) {
        (true, _) => 64,
        (false, true) => MAX_CIPHERTEXT_LEN_TLS12,
        (false, false) => MAX_CIPHERTEXT_LEN_TLS13,
    };
    let mut deframer = Deframer::new(max);
    let mut out = Vec::new();
    let mut error = None;
    let mut fed = 0;
    let mut turn = 0usize;
    while fed < stream.len() && error.is_none() {
        let chunk = &stream[fed..stream.len().min(fed + piece)];
        let took = if turn.is_multiple_of(2) {
            deframer.extend(chunk)
        } else {
            let spare = deframer.spare_capacity();
            let n = spare.len().min(chunk.len());
            spare[..n].copy_from_slice(&chunk[..n]);
            deframer.commit(n);
            n
        };
        turn += 1;
        fed += took;
        assert!(
            deframer.buffered_len() <= HEADER_LEN + max,
            "buffer grew past one record"
        );
        let mut records = 0;
        while let Some(r) = deframer.next_record() {
            match r {
                Ok(record) => {
                    records += 1;
                    let len = usize::from(record.header.len);
                    assert_eq!(record.payload.len(), len);
                    assert!(len <= max, "a record above the limit came out");
                    out.extend_from_slice(&record.header.to_bytes());
                    out.extend_from_slice(record.payload);
                }
                Err(e) => {
                    let _ = e.alert();
                    error = Some(e);
                    break;
                }
            }
        }
        // Nothing taken and no record out: the buffer is full of one record the
        // deframer should have handed out.
        assert!(
            took > 0 || records > 0 || error.is_some(),
            "deframer stalled"
        );
    }
    if let Some(e) = error {
        for _ in 0..2 {
            assert!(matches!(deframer.next_record(), Some(Err(again)) if again == e));
        }
    }
    assert!(stream.starts_with(&out), "records differ from the stream");
    if error.is_none() {
        assert_eq!(
            out.len() + deframer.buffered_len(),
            fed,
            "bytes lost or invented"
        );
    }
});
