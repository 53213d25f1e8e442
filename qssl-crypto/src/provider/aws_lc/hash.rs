//! SHA-256 / SHA-384 and HMAC over them on aws-lc, for the comparison in
//! `benches/hash.rs` and for the provider where they are the faster choice
//! (see the module docs of [`super`]).

use crate::hash::{Hash, HashAlgorithm, HashContext, HashOutput};
use crate::hmac::{Hmac, HmacKey};
use aws_lc_rs::{digest, hmac};
use core::fmt;

/// One aws-lc hash function.
pub(crate) struct AwsLcHash {
    alg: HashAlgorithm,
    digest: &'static digest::Algorithm,
}

impl fmt::Debug for AwsLcHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} (aws-lc-rs)", self.alg)
    }
}

pub(crate) static SHA256: AwsLcHash = AwsLcHash {
    alg: HashAlgorithm::Sha256,
    digest: &digest::SHA256,
};
pub(crate) static SHA384: AwsLcHash = AwsLcHash {
    alg: HashAlgorithm::Sha384,
    digest: &digest::SHA384,
};

impl Hash for AwsLcHash {
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    fn hash(&self, data: &[u8]) -> HashOutput {
        HashOutput::new(digest::digest(self.digest, data).as_ref())
    }

    fn start(&self) -> Box<dyn HashContext> {
        Box::new(AwsLcHashContext {
            alg: self.alg,
            ctx: digest::Context::new(self.digest),
        })
    }
}

struct AwsLcHashContext {
    alg: HashAlgorithm,
    ctx: digest::Context,
}

impl HashContext for AwsLcHashContext {
    fn algorithm(&self) -> HashAlgorithm {
        self.alg
    }

    fn update(&mut self, data: &[u8]) {
        self.ctx.update(data);
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(AwsLcHashContext {
            alg: self.alg,
            ctx: self.ctx.clone(),
        })
    }

    fn fork_finish(&self) -> HashOutput {
        HashOutput::new(self.ctx.clone().finish().as_ref())
    }

    fn finish(self: Box<Self>) -> HashOutput {
        HashOutput::new(self.ctx.finish().as_ref())
    }
}

/// HMAC on aws-lc over one of the hashes above.
pub(crate) struct AwsLcHmac {
    hash: &'static AwsLcHash,
    algorithm: hmac::Algorithm,
}

impl fmt::Debug for AwsLcHmac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HMAC-{:?} (aws-lc-rs)", self.hash.alg)
    }
}

pub(crate) static HMAC_SHA256: AwsLcHmac = AwsLcHmac {
    hash: &SHA256,
    algorithm: hmac::HMAC_SHA256,
};
pub(crate) static HMAC_SHA384: AwsLcHmac = AwsLcHmac {
    hash: &SHA384,
    algorithm: hmac::HMAC_SHA384,
};

impl Hmac for AwsLcHmac {
    fn hash(&self) -> &'static dyn Hash {
        self.hash
    }

    fn with_key(&self, key: &[u8]) -> Box<dyn HmacKey> {
        // The HMAC_CTX holding the padded key is wiped by HMAC_CTX_cleanup on drop.
        Box::new(AwsLcHmacKey(hmac::Key::new(self.algorithm, key)))
    }
}

struct AwsLcHmacKey(hmac::Key);

impl HmacKey for AwsLcHmacKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> HashOutput {
        // A context copies the keyed state, so the key is processed once however
        // many tags are made (as the portable HMAC does).
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(first);
        for m in middle {
            ctx.update(m);
        }
        ctx.update(last);
        HashOutput::new(ctx.sign().as_ref())
    }
}
