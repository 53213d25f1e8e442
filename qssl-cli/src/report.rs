//! What a connection negotiated, printed the same way by `client`, `server --http`
//! and `demo`.

use std::fmt::Write as _;

use qssl_crypto::ids::{CipherSuite, NamedGroup, SignatureScheme};

/// The parameters of an established connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Negotiated {
    /// `TLSv1.3` (OpenSSL's spelling).
    pub(crate) version: String,
    /// The cipher suite.
    pub(crate) suite: CipherSuite,
    /// The key exchange group; `None` for a resumption without a key exchange
    /// (psk_ke).
    pub(crate) group: Option<NamedGroup>,
    /// The handshake resumed an earlier session (no certificates this time: the
    /// authentication reported is the original session's).
    pub(crate) resumed: bool,
    /// The server's CertificateVerify scheme.
    pub(crate) signature: SignatureScheme,
    /// The client's CertificateVerify scheme, when it authenticated.
    pub(crate) client_signature: Option<SignatureScheme>,
    /// The ALPN protocol, if one was agreed.
    pub(crate) alpn: Option<Vec<u8>>,
    /// Whether the server answered the first ClientHello with a HelloRetryRequest
    /// (a round trip more: the client's first key share was not acceptable).
    pub(crate) hello_retry: bool,
    /// Whether the key exchange resists a quantum adversary.
    pub(crate) kx_post_quantum: bool,
    /// Whether this side is the client: the peer it authenticated is then the server.
    pub(crate) is_client: bool,
    /// The peer's authentication as this side verified it: `None` if the peer sent
    /// no certificate (a server without client authentication), else the verified
    /// path's certificate signature schemes (leaf first; empty if the verifier
    /// validated no path) and whether it and the CertificateVerify are all
    /// post-quantum.
    pub(crate) peer_auth: Option<PeerAuth>,
    /// What became of 0-RTT data, when this side reports it (the server always; the
    /// client with `--early-data`).
    pub(crate) early_data: Option<EarlyData>,
}

/// What became of 0-RTT data on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EarlyData {
    /// The ClientHello offered none: no ticket allowing it (a first connection, or a
    /// server that does not take 0-RTT), or 0-RTT not enabled.
    NotOffered,
    /// The server took it: `bytes` of the stream came as 0-RTT data, and `after`
    /// more bytes of the client's message followed the handshake (the part over the
    /// ticket's max_early_data_size; 0 on the server, which cannot tell).
    Accepted {
        /// Bytes sent (client) or received (server) as 0-RTT data.
        bytes: usize,
        /// Bytes of the same message sent as ordinary data after the handshake.
        after: usize,
    },
    /// The server did not take it (a full handshake, or a ticket it would not
    /// take 0-RTT with); the client sent it again after the handshake, `resent`
    /// bytes (`None` on the server).
    Rejected {
        /// Bytes the client sent again as ordinary data.
        resent: Option<usize>,
    },
}

impl EarlyData {
    /// The `early-data:` value: `not offered`, `accepted (N bytes[, M more after the
    /// handshake])`, `rejected[ (N bytes resent after the handshake)]`.
    pub(crate) fn text(self) -> String {
        match self {
            EarlyData::NotOffered => "not offered".to_owned(),
            EarlyData::Accepted { bytes, after: 0 } => format!("accepted ({bytes} bytes)"),
            EarlyData::Accepted { bytes, after } => {
                format!("accepted ({bytes} bytes, {after} more after the handshake)")
            }
            EarlyData::Rejected { resent: None } => "rejected".to_owned(),
            EarlyData::Rejected { resent: Some(n) } => {
                format!("rejected ({n} bytes resent after the handshake)")
            }
        }
    }

    /// The server log's `early-data=` value: `none`, `accepted(N)` or `rejected`.
    pub(crate) fn log_value(self) -> String {
        match self {
            EarlyData::NotOffered => "none".to_owned(),
            EarlyData::Accepted { bytes, .. } => format!("accepted({bytes})"),
            EarlyData::Rejected { .. } => "rejected".to_owned(),
        }
    }
}

/// What this side verified of the peer's certificate chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PeerAuth {
    /// The signature scheme of each certificate on the verified path, leaf first.
    pub(crate) path: Vec<SignatureScheme>,
    /// Every signature on the path and the CertificateVerify are ML-DSA.
    pub(crate) post_quantum: bool,
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl PeerAuth {
    /// `yes` / `no`, for the `pq:` line and the server's log.
    pub(crate) fn pq(&self) -> &'static str {
        yes_no(self.post_quantum)
    }

    /// The `chain-signatures:` value: the schemes leaf first, or why there are none.
    pub(crate) fn path_text(&self) -> String {
        if self.path.is_empty() {
            return "not verified".to_owned();
        }
        let names: Vec<String> = self.path.iter().map(ToString::to_string).collect();
        names.join(", ")
    }
}

impl Negotiated {
    /// `label: value` lines: `version:`, `suite:`, `group:`, `signature:`, `pq:`,
    /// `chain-signatures:`, then `client-signature:`, `alpn:` and `hello-retry: yes`
    /// when they apply, `resumed: yes|no`, and `early-data:` last when reported.
    ///
    /// A client's `pq:` line says `authentication yes` only if the server's verified
    /// certificate path (every certificate signature up to the trust anchor's) and
    /// its CertificateVerify are all ML-DSA; `chain-signatures:` lists the path's
    /// signatures, leaf first. A server cannot know how the client verified the
    /// server's chain, so it reports the client's authentication instead
    /// (`client authentication none` without a client certificate).
    pub(crate) fn lines(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "version: {}", self.version);
        let _ = writeln!(out, "suite: {}", self.suite);
        match self.group {
            Some(g) => {
                let _ = writeln!(out, "group: {g}");
            }
            None => {
                let _ = writeln!(out, "group: none (psk_ke resumption)");
            }
        }
        let _ = writeln!(out, "signature: {}", self.signature);
        let peer = if self.is_client {
            "authentication"
        } else {
            "client authentication"
        };
        let _ = writeln!(
            out,
            "pq: key exchange {}, {peer} {}",
            yes_no(self.kx_post_quantum),
            self.peer_auth.as_ref().map_or("none", PeerAuth::pq)
        );
        if let Some(auth) = &self.peer_auth {
            let _ = writeln!(out, "chain-signatures: {}", auth.path_text());
        }
        if let Some(scheme) = self.client_signature {
            let _ = writeln!(out, "client-signature: {scheme}");
        }
        if let Some(alpn) = &self.alpn {
            let _ = writeln!(out, "alpn: {}", String::from_utf8_lossy(alpn));
        }
        if self.hello_retry {
            let _ = writeln!(out, "hello-retry: yes");
        }
        let _ = writeln!(out, "resumed: {}", yes_no(self.resumed));
        if let Some(early) = self.early_data {
            let _ = writeln!(out, "early-data: {}", early.text());
        }
        out
    }

    /// The `server --http` answer: an HTTP/1.0 200 page listing the parameters, like
    /// `openssl s_server -www`.
    pub(crate) fn http_response(&self, peer: &str) -> String {
        let body = format!(
            "<html><head><title>Q-SSL</title></head><body><pre>\n\
             Q-SSL server, connection from {peer}\n\n{}</pre></body></html>\n",
            html_escape(&self.lines())
        );
        format!(
            "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        )
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Negotiated {
        Negotiated {
            version: "TLSv1.3".into(),
            suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
            group: Some(NamedGroup::X25519MLKEM768),
            resumed: false,
            signature: SignatureScheme::MLDSA65,
            client_signature: None,
            alpn: Some(b"<h2>".to_vec()),
            hello_retry: false,
            kx_post_quantum: true,
            is_client: true,
            peer_auth: Some(PeerAuth {
                path: vec![SignatureScheme::MLDSA65, SignatureScheme::MLDSA87],
                post_quantum: true,
            }),
            early_data: None,
        }
    }

    #[test]
    fn lines_have_the_documented_labels() {
        assert_eq!(
            sample().lines(),
            "version: TLSv1.3\nsuite: TLS_AES_256_GCM_SHA384\ngroup: X25519MLKEM768\n\
             signature: mldsa65\npq: key exchange yes, authentication yes\n\
             chain-signatures: mldsa65, mldsa87\nalpn: <h2>\nresumed: no\n"
        );
        let mut resumed = sample();
        resumed.resumed = true;
        resumed.group = None;
        let lines = resumed.lines();
        assert!(
            lines.contains("group: none (psk_ke resumption)\n"),
            "{lines}"
        );
        assert!(lines.ends_with("resumed: yes\n"), "{lines}");
    }

    #[test]
    fn early_data_is_reported_after_resumed() {
        let mut n = sample();
        n.resumed = true;
        for (early, line, log) in [
            (EarlyData::NotOffered, "not offered", "none"),
            (
                EarlyData::Accepted {
                    bytes: 12,
                    after: 0,
                },
                "accepted (12 bytes)",
                "accepted(12)",
            ),
            (
                EarlyData::Accepted {
                    bytes: 16384,
                    after: 100,
                },
                "accepted (16384 bytes, 100 more after the handshake)",
                "accepted(16384)",
            ),
            (EarlyData::Rejected { resent: None }, "rejected", "rejected"),
            (
                EarlyData::Rejected { resent: Some(7) },
                "rejected (7 bytes resent after the handshake)",
                "rejected",
            ),
        ] {
            n.early_data = Some(early);
            let lines = n.lines();
            assert!(
                lines.ends_with(&format!("resumed: yes\nearly-data: {line}\n")),
                "{lines}"
            );
            assert_eq!(early.log_value(), log);
        }
    }

    #[test]
    fn classical_links_and_unverified_paths_are_reported() {
        let mut n = sample();
        n.peer_auth = Some(PeerAuth {
            path: vec![
                SignatureScheme::MLDSA65,
                SignatureScheme::ECDSA_SECP384R1_SHA384,
            ],
            post_quantum: false,
        });
        let lines = n.lines();
        assert!(
            lines.contains(
                "pq: key exchange yes, authentication no\n\
                 chain-signatures: mldsa65, ecdsa_secp384r1_sha384\n"
            ),
            "{lines}"
        );
        n.peer_auth = Some(PeerAuth {
            path: Vec::new(),
            post_quantum: false,
        });
        assert!(
            n.lines()
                .contains("authentication no\nchain-signatures: not verified\n")
        );
        // The server's view: the client's authentication, or none.
        n.is_client = false;
        n.peer_auth = None;
        let lines = n.lines();
        assert!(
            lines.contains("pq: key exchange yes, client authentication none\n"),
            "{lines}"
        );
        assert!(!lines.contains("chain-signatures"));
    }

    #[test]
    fn http_page_has_exact_content_length_and_escapes() {
        let page = sample().http_response("127.0.0.1:1");
        let (head, body) = page.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.0 200 OK\r\n"));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        assert!(body.contains("alpn: &lt;h2&gt;") && !body.contains("<h2>"));
    }
}
