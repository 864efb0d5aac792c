//! Importing keys from PKCS#8 and SPKI DER or PEM (RFC 5208, RFC 5280, RFC 7468).

use base64::Engine as _;

use super::{Checks, Jwk, Metadata, Params, RsaPrivate, Secret};
use crate::crypto::{EcCurve, Signing};
use crate::der::{DerKey, parse_pkcs8, parse_spki};
use crate::error::KeyError;

/// The largest DER or PEM input accepted, in bytes.
const MAX_DER_LEN: usize = 16 * 1024;

fn split_point(curve: EcCurve, point: &[u8]) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
    let len = curve.len();
    match point.split_first() {
        Some((4, rest)) if rest.len() == 2 * len => {
            let (x, y) = rest.split_at(len);
            Ok((x.to_vec(), y.to_vec()))
        }
        _ => Err(KeyError::Der("EC public key must be an uncompressed point")),
    }
}

fn from_der_key(key: DerKey<'_>, pkcs8: &[u8]) -> Result<Jwk, KeyError> {
    let params = match key {
        DerKey::Rsa { n, e, private } => Params::Rsa {
            n: n.to_vec(),
            e: e.to_vec(),
            private: private.map(|[d, p, q, dp, dq, qi]| {
                let s = |v: &[u8]| Secret::new(v.to_vec());
                Box::new(RsaPrivate {
                    d: s(d),
                    p: s(p),
                    q: s(q),
                    dp: s(dp),
                    dq: s(dq),
                    qi: s(qi),
                })
            }),
        },
        DerKey::Ec { curve, point, d } => {
            let point = match (point, d) {
                (Some(point), _) => point.to_vec(),
                // ring derives and checks the public point from a complete PKCS#8.
                (None, Some(_)) => Signing::ec_pkcs8(curve, pkcs8)?.1,
                (None, None) => return Err(KeyError::Der("EC key without public point")),
            };
            let (x, y) = split_point(curve, &point)?;
            let d = match d {
                // ECPrivateKey stores d as a fixed-length octet string (RFC 5915 §3).
                Some(d) if d.len() == curve.len() => Some(Secret::new(d.to_vec())),
                Some(_) => return Err(KeyError::Der("EC private key of the wrong length")),
                None => None,
            };
            Params::Ec { curve, x, y, d }
        }
        DerKey::Ed25519 { x, seed } => {
            let seed = match seed {
                Some(seed) if seed.len() == 32 => Some(seed),
                Some(_) => return Err(KeyError::Der("Ed25519 private key must be 32 bytes")),
                None => None,
            };
            let x: [u8; 32] = match (x, seed) {
                (Some(x), _) => x
                    .try_into()
                    .map_err(|_| KeyError::Der("Ed25519 public key must be 32 bytes"))?,
                (None, Some(seed)) => Signing::ed25519_public(seed)?,
                (None, None) => return Err(KeyError::Der("Ed25519 key without key material")),
            };
            Params::Ed25519 {
                x,
                d: seed.map(|s| Secret::new(s.to_vec())),
            }
        }
    };
    Jwk::build(params, Metadata::default(), Checks { ec_point: true })
}

impl Jwk {
    /// Imports a private key from PKCS#8 DER (RFC 5208 / RFC 5958 `OneAsymmetricKey`, v1 or v2):
    /// RSA (two-prime), EC P-256/P-384 or Ed25519. The key has no `alg` until
    /// [`with_algorithm`](Jwk::with_algorithm) binds one (EC and Ed25519 keys are bound by their
    /// curve anyway).
    ///
    /// # Errors
    ///
    /// [`KeyError::Der`] for malformed DER or an unsupported algorithm, and the JWK checks.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Jwk, KeyError> {
        if der.len() > MAX_DER_LEN {
            return Err(KeyError::TooLarge("DER length"));
        }
        from_der_key(parse_pkcs8(der)?, der)
    }

    /// Imports a public key from X.509 `SubjectPublicKeyInfo` DER (RFC 5280 §4.1.2.7).
    ///
    /// # Errors
    ///
    /// [`KeyError::Der`] for malformed DER or an unsupported algorithm, and the JWK checks.
    pub fn from_spki_der(der: &[u8]) -> Result<Jwk, KeyError> {
        if der.len() > MAX_DER_LEN {
            return Err(KeyError::TooLarge("DER length"));
        }
        from_der_key(parse_spki(der)?, der)
    }

    /// Imports a PEM `PRIVATE KEY` (PKCS#8) or `PUBLIC KEY` (SPKI) block (RFC 7468 §10, §13).
    ///
    /// # Errors
    ///
    /// [`KeyError::Der`] when the text is not exactly one such block, and the DER errors.
    pub fn from_pem(pem: &str) -> Result<Jwk, KeyError> {
        if pem.len() > MAX_DER_LEN * 2 {
            return Err(KeyError::TooLarge("PEM length"));
        }
        let text = pem.trim();
        let (label, body) = ["PRIVATE KEY", "PUBLIC KEY"]
            .into_iter()
            .find_map(|label| {
                let begin = format!("-----BEGIN {label}-----");
                let end = format!("-----END {label}-----");
                let body = text.strip_prefix(&begin)?.strip_suffix(&end)?;
                Some((label, body))
            })
            .ok_or(KeyError::Der(
                "expected one PEM PRIVATE KEY or PUBLIC KEY block",
            ))?;
        let compact: String = body.split_ascii_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| KeyError::Der("PEM body is not base64"))?;
        if label == "PRIVATE KEY" {
            Jwk::from_pkcs8_der(&der)
        } else {
            Jwk::from_spki_der(&der)
        }
    }
}
