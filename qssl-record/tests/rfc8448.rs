//! Known answers: every protected record of RFC 8448 §3 (Simple 1-RTT Handshake),
//! opened with our TLS 1.3 protector and sealed again byte for byte.
//! Vectors: `tests/vectors/rfc8448_section3_records.txt` (see its README).

use bytes::BytesMut;
use qssl_crypto::aead::AES_128_GCM;
use qssl_record::{ContentType, Deframer, Protector, RecordLayer, TlsVersion};

struct Vector {
    name: String,
    key: Vec<u8>,
    iv: [u8; 12],
    seq: u64,
    typ: u8,
    payload: Vec<u8>,
    record: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("vectors/rfc8448_section3_records.txt");
    let mut out = Vec::new();
    for block in text
        .split("\n\n")
        .filter(|b| b.lines().any(|l| l.starts_with("record = ")))
    {
        let field = |k: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k} = ")))
                .unwrap_or_else(|| panic!("{k} missing"))
                .to_string()
        };
        out.push(Vector {
            name: block
                .lines()
                .find(|l| l.starts_with('['))
                .unwrap()
                .to_string(),
            key: hex::decode(field("key")).unwrap(),
            iv: hex::decode(field("iv")).unwrap().try_into().unwrap(),
            seq: field("seq").parse().unwrap(),
            typ: field("type").parse().unwrap(),
            payload: hex::decode(field("payload")).unwrap(),
            record: hex::decode(field("record")).unwrap(),
        });
    }
    out
}

/// The vectors sharing one key, in sequence-number order.
fn by_key(vs: &[Vector]) -> Vec<Vec<&Vector>> {
    let mut groups: Vec<Vec<&Vector>> = Vec::new();
    for v in vs {
        match groups.iter_mut().find(|g| g[0].key == v.key) {
            Some(g) => g.push(v),
            None => groups.push(vec![v]),
        }
    }
    for g in &groups {
        for (i, v) in g.iter().enumerate() {
            assert_eq!(v.seq, i as u64, "{}", v.name);
        }
    }
    groups
}

#[test]
fn the_file_holds_all_seven_protected_records() {
    let vs = vectors();
    assert_eq!(vs.len(), 7);
    // The server's encrypted flight: EncryptedExtensions..Finished, 657 bytes
    // of handshake in a 679-byte record.
    assert_eq!(vs[0].payload.len(), 657);
    assert_eq!(vs[0].record.len(), 679);
    assert_eq!(by_key(&vs).len(), 4);
}

#[test]
fn open_rfc8448_records() {
    for group in by_key(&vectors()) {
        let mut layer = RecordLayer::new();
        layer.set_read_protector(
            Protector::tls13(AES_128_GCM, &group[0].key, &group[0].iv).unwrap(),
        );
        let mut deframer = Deframer::for_version(TlsVersion::Tls13);
        for v in group {
            assert_eq!(deframer.extend(&v.record), v.record.len());
            let record = deframer.next_record().unwrap().unwrap();
            let (typ, data) = layer.open(record).unwrap();
            assert_eq!(typ, ContentType(v.typ), "{}", v.name);
            assert_eq!(&*data, &v.payload[..], "{}", v.name);
            assert!(deframer.next_record().is_none());
        }
    }
}

#[test]
fn seal_rfc8448_records_byte_for_byte() {
    for group in by_key(&vectors()) {
        let mut p = Protector::tls13(AES_128_GCM, &group[0].key, &group[0].iv).unwrap();
        for v in group {
            assert_eq!(p.sequence_number(), v.seq);
            let mut out = BytesMut::new();
            let _ = p
                .seal_into(ContentType(v.typ), &v.payload, &mut out)
                .unwrap();
            assert_eq!(hex::encode(&out), hex::encode(&v.record), "{}", v.name);
        }
    }
}

#[test]
fn the_server_flight_split_byte_by_byte() {
    let v = &vectors()[0];
    let mut layer = RecordLayer::new();
    layer.set_read_protector(Protector::tls13(AES_128_GCM, &v.key, &v.iv).unwrap());
    let mut deframer = Deframer::for_version(TlsVersion::Tls13);
    for (i, b) in v.record.iter().enumerate() {
        deframer.extend(&[*b]);
        if i + 1 < v.record.len() {
            assert!(deframer.next_record().is_none());
        }
    }
    let (typ, data) = layer
        .open(deframer.next_record().unwrap().unwrap())
        .unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    // EncryptedExtensions (8), Certificate (11), CertificateVerify (15), Finished (20).
    assert_eq!(data[0], 8);
    assert_eq!(&*data, &v.payload[..]);
}

#[test]
fn a_flipped_bit_in_a_trace_record_is_bad_record_mac() {
    let v = &vectors()[1];
    for i in 0..v.record.len() {
        let mut record = v.record.clone();
        record[i] ^= 0x80;
        let mut layer = RecordLayer::new();
        layer.set_read_protector(Protector::tls13(AES_128_GCM, &v.key, &v.iv).unwrap());
        let mut deframer = Deframer::for_version(TlsVersion::Tls13);
        deframer.extend(&record);
        let alert = match deframer.next_record() {
            // The header's own fields: type/version/length checks or a short record.
            Some(Err(e)) => e.alert(),
            None => continue, // a longer declared length: still waiting for bytes
            Some(Ok(r)) => layer.open(r).unwrap_err().alert(),
        };
        if i >= 5 {
            assert_eq!(
                alert,
                qssl_alert::AlertDescription::BAD_RECORD_MAC,
                "byte {i}"
            );
        }
    }
}
