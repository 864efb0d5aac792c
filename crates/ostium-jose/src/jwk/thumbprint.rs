//! JWK thumbprints (RFC 7638) and their URI form (RFC 9278).

use std::fmt;

use super::{Jwk, Params, curve_name};
use crate::base64url;
use crate::crypto::{self, HashAlgorithm};

/// A JWK thumbprint: a hash of the key's required members in canonical JSON (RFC 7638 §3).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Thumbprint {
    hash: HashAlgorithm,
    digest: Vec<u8>,
}

impl Thumbprint {
    /// The hash function used.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The raw digest.
    pub fn as_bytes(&self) -> &[u8] {
        &self.digest
    }

    /// The base64url form, as used in DPoP `jkt` (RFC 9449 §6.1).
    pub fn to_base64url(&self) -> String {
        base64url::encode(&self.digest)
    }

    /// The thumbprint URI (RFC 9278 §3), e.g.
    /// `urn:ietf:params:oauth:jwk-thumbprint:sha-256:NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs`.
    pub fn to_uri(&self) -> String {
        format!(
            "urn:ietf:params:oauth:jwk-thumbprint:{}:{}",
            self.hash.name(),
            self.to_base64url()
        )
    }

    /// Whether this thumbprint's base64url form is `jkt` (byte-exact; thumbprints are public).
    pub fn matches_base64url(&self, jkt: &str) -> bool {
        base64url::decode(jkt.as_bytes()).is_some_and(|digest| digest == self.digest)
    }
}

impl fmt::Debug for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Thumbprint({}:{})",
            self.hash.name(),
            self.to_base64url()
        )
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

impl Jwk {
    /// The RFC 7638 canonical JSON of the key's required public members, in lexicographic order
    /// and without whitespace (§3.2, §3.3). Member values are base64url or fixed names, which need
    /// no escaping. For an `oct` key this contains the secret.
    pub fn thumbprint_input(&self) -> String {
        let b = |bytes: &[u8]| base64url::encode(bytes);
        match self.params() {
            Params::Rsa { n, e, .. } => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, b(e), b(n)),
            Params::Ec { curve, x, y, .. } => {
                format!(
                    r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
                    curve_name(*curve),
                    b(x),
                    b(y)
                )
            }
            Params::Ed25519 { x, .. } => {
                format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, b(x))
            }
            Params::Oct { k } => format!(r#"{{"k":"{}","kty":"oct"}}"#, b(k.expose())),
        }
    }

    /// The key's RFC 7638 thumbprint with `hash` (SHA-256 is what DPoP and RFC 9278 use).
    pub fn thumbprint(&self, hash: HashAlgorithm) -> Thumbprint {
        Thumbprint {
            hash,
            digest: crypto::digest(hash, self.thumbprint_input().as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8037_a3_ed25519_thumbprint() {
        let key = Jwk::from_json(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        let t = key.thumbprint(HashAlgorithm::Sha256);
        assert_eq!(
            t.to_base64url(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        assert!(t.matches_base64url("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"));
        assert!(!t.matches_base64url("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4A"));
    }
}
