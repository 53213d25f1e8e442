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
    /// The key exchange group.
    pub(crate) group: NamedGroup,
    /// The server's CertificateVerify scheme.
    pub(crate) signature: SignatureScheme,
    /// The client's CertificateVerify scheme, when it authenticated.
    pub(crate) client_signature: Option<SignatureScheme>,
    /// The ALPN protocol, if one was agreed.
    pub(crate) alpn: Option<Vec<u8>>,
    /// Whether the key exchange resists a quantum adversary.
    pub(crate) kx_post_quantum: bool,
    /// Whether the server's authentication resists a quantum adversary.
    pub(crate) auth_post_quantum: bool,
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Negotiated {
    /// `label: value` lines: `version:`, `suite:`, `group:`, `signature:`, `pq:`, then
    /// `client-signature:` and `alpn:` when they apply.
    pub(crate) fn lines(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "version: {}", self.version);
        let _ = writeln!(out, "suite: {}", self.suite);
        let _ = writeln!(out, "group: {}", self.group);
        let _ = writeln!(out, "signature: {}", self.signature);
        let _ = writeln!(
            out,
            "pq: key exchange {}, authentication {}",
            yes_no(self.kx_post_quantum),
            yes_no(self.auth_post_quantum)
        );
        if let Some(scheme) = self.client_signature {
            let _ = writeln!(out, "client-signature: {scheme}");
        }
        if let Some(alpn) = &self.alpn {
            let _ = writeln!(out, "alpn: {}", String::from_utf8_lossy(alpn));
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
            group: NamedGroup::X25519MLKEM768,
            signature: SignatureScheme::MLDSA65,
            client_signature: None,
            alpn: Some(b"<h2>".to_vec()),
            kx_post_quantum: true,
            auth_post_quantum: true,
        }
    }

    #[test]
    fn lines_have_the_documented_labels() {
        assert_eq!(
            sample().lines(),
            "version: TLSv1.3\nsuite: TLS_AES_256_GCM_SHA384\ngroup: X25519MLKEM768\n\
             signature: mldsa65\npq: key exchange yes, authentication yes\nalpn: <h2>\n"
        );
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
