//! JSON Web Keys (RFC 7517) for the JWS algorithms of RFC 7518 §6 and RFC 8037.

mod der_import;
mod generate;
pub(crate) mod json;
mod set;
mod thumbprint;
mod usage;

use std::fmt;
use std::sync::Arc;

pub use json::MAX_JWK_LEN;
pub use set::{JwkSet, MAX_JWKS_KEYS, MAX_JWKS_LEN, SkippedKey};
pub use thumbprint::Thumbprint;
pub(crate) use usage::check_kid as check_kid_for_header;
pub use usage::{KeyOperation, KeyUse, Kid, MAX_KID_LEN};

use crate::algorithm::{Algorithm, KeyFamily};
use crate::crypto::{self, EcCurve, HmacKeys, RsaPrivateParts, Signing, Verifying};
use crate::error::{JwsError, KeyError};

/// The key type (`kty`, RFC 7518 §6.1, RFC 8037 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// `RSA`.
    Rsa,
    /// `EC` (P-256 or P-384).
    Ec,
    /// `OKP` (Ed25519).
    Okp,
    /// `oct`: a symmetric key.
    Oct,
}

impl KeyType {
    /// The `kty` value.
    pub const fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Okp => "OKP",
            KeyType::Oct => "oct",
        }
    }
}

/// Secret bytes: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Vec<u8>);

impl Secret {
    pub(crate) fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The private members of an RSA key (RFC 7518 §6.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RsaPrivate {
    pub(crate) d: Secret,
    pub(crate) p: Secret,
    pub(crate) q: Secret,
    pub(crate) dp: Secret,
    pub(crate) dq: Secret,
    pub(crate) qi: Secret,
}

/// The key's parameters, as in its JSON form (decoded from base64url).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Params {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        private: Option<Box<RsaPrivate>>,
    },
    Ec {
        curve: EcCurve,
        x: Vec<u8>,
        y: Vec<u8>,
        d: Option<Secret>,
    },
    Ed25519 {
        x: [u8; 32],
        d: Option<Secret>,
    },
    Oct {
        k: Secret,
    },
}

impl Params {
    fn key_type(&self) -> KeyType {
        match self {
            Params::Rsa { .. } => KeyType::Rsa,
            Params::Ec { .. } => KeyType::Ec,
            Params::Ed25519 { .. } => KeyType::Okp,
            Params::Oct { .. } => KeyType::Oct,
        }
    }

    fn family(&self) -> KeyFamily {
        match self {
            Params::Rsa { .. } => KeyFamily::Rsa,
            Params::Ec {
                curve: EcCurve::P256,
                ..
            } => KeyFamily::EcP256,
            Params::Ec {
                curve: EcCurve::P384,
                ..
            } => KeyFamily::EcP384,
            Params::Ed25519 { .. } => KeyFamily::Ed25519,
            Params::Oct { .. } => KeyFamily::Symmetric,
        }
    }

    fn is_private(&self) -> bool {
        match self {
            Params::Rsa { private, .. } => private.is_some(),
            Params::Ec { d, .. } | Params::Ed25519 { d, .. } => d.is_some(),
            Params::Oct { .. } => true,
        }
    }
}

/// Optional members common to all key types (RFC 7517 §4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Metadata {
    pub(crate) kid: Option<Kid>,
    pub(crate) key_use: Option<KeyUse>,
    pub(crate) key_ops: Option<Vec<KeyOperation>>,
    pub(crate) alg: Option<Algorithm>,
    pub(crate) x5u: Option<String>,
    pub(crate) x5c: Option<Vec<String>>,
    pub(crate) x5t: Option<String>,
    pub(crate) x5t_s256: Option<String>,
}

/// How eagerly to check a new key.
#[derive(Clone, Copy)]
pub(crate) struct Checks {
    /// Run an ECDH with an EC public point to prove it is on the curve (costly; skipped for keys
    /// embedded in a JWS header, whose point ring checks while verifying anyway).
    pub(crate) ec_point: bool,
}

/// A JSON Web Key with its ring key objects built once, ready to verify or sign (RFC 7517).
///
/// - Parsing is strict: duplicate members, members of another key type, non-canonical base64url,
///   integers with leading zeros, short EC coordinates, RSA moduli outside 2048–8192 bits or with
///   the ROCA fingerprint, and declared algorithms that do not fit the key are all errors.
/// - A key verifies exactly one algorithm: the one its `alg` declares, or (without `alg`) the one
///   its curve implies (`ES256`, `ES384`, `EdDSA`); an `RSA` or `oct` key without `alg` verifies
///   only what the verifier's allow-list names, and only within its family (an `oct` key never
///   verifies `RS256`, an RSA key never verifies `HS256`). See [`Jwk::with_algorithm`].
/// - `Debug` never shows private or secret material.
#[derive(Clone)]
pub struct Jwk {
    params: Params,
    meta: Metadata,
    verifying: Arc<Verifying>,
    signing: Option<Arc<Signing>>,
}

impl PartialEq for Jwk {
    /// Keys are equal when their parameters and metadata are (the derived ring objects follow).
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params && self.meta == other.meta
    }
}

impl Eq for Jwk {}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Jwk");
        s.field("kty", &self.key_type().name());
        if let Params::Ec { curve, .. } = &self.params {
            s.field("crv", &curve_name(*curve));
        }
        s.field("kid", &self.meta.kid)
            .field("alg", &self.meta.alg)
            .field("use", &self.meta.key_use)
            .field("key_ops", &self.meta.key_ops)
            .field("private", &self.is_private())
            .finish_non_exhaustive()
    }
}

pub(crate) fn curve_name(curve: EcCurve) -> &'static str {
    match curve {
        EcCurve::P256 => "P-256",
        EcCurve::P384 => "P-384",
    }
}

/// Strips one leading zero octet check: RFC 7518 §6.3.1.1 forbids it in `n` (and §2 requires the
/// minimum number of octets for every `Base64urlUInt`).
fn check_minimal(name: &'static str, value: &[u8]) -> Result<(), KeyError> {
    match value {
        [] => Err(KeyError::InvalidMember(name, "must not be empty")),
        [0, _, ..] => Err(KeyError::InvalidMember(
            name,
            "must not have leading zero octets",
        )),
        _ => Ok(()),
    }
}

fn bit_length(value: &[u8]) -> usize {
    match value.first() {
        Some(first) => value.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

impl Jwk {
    /// Builds a key from parameters, running every check (RFC 7518 §6).
    pub(crate) fn build(params: Params, meta: Metadata, checks: Checks) -> Result<Jwk, KeyError> {
        if let Some(alg) = meta.alg
            && alg.key_family() != params.family()
        {
            return Err(KeyError::AlgorithmMismatch { algorithm: alg });
        }
        usage::check_usage(meta.key_use.as_ref(), meta.key_ops.as_deref())?;
        let (verifying, signing) = match &params {
            Params::Rsa { n, e, private } => {
                check_minimal("n", n)?;
                check_minimal("e", e)?;
                let bits = bit_length(n);
                if !(2048..=8192).contains(&bits) {
                    return Err(KeyError::RsaKeySize(bits));
                }
                if n.last().is_some_and(|b| b & 1 == 0) {
                    return Err(KeyError::InvalidMember("n", "must be odd"));
                }
                if e.len() > 5
                    || bit_length(e) > 33
                    || e.last().is_some_and(|b| b & 1 == 0)
                    || e.as_slice() == [1]
                {
                    return Err(KeyError::InvalidMember(
                        "e",
                        "must be odd, at least 3 and at most 33 bits",
                    ));
                }
                if crate::roca::has_fingerprint(n) {
                    return Err(KeyError::RocaVulnerable);
                }
                let signing = match private {
                    Some(p) => Some(Signing::rsa(&RsaPrivateParts {
                        n,
                        e,
                        d: p.d.expose(),
                        p: p.p.expose(),
                        q: p.q.expose(),
                        dp: p.dp.expose(),
                        dq: p.dq.expose(),
                        qi: p.qi.expose(),
                    })?),
                    None => None,
                };
                (Verifying::rsa(n, e), signing)
            }
            Params::Ec { curve, x, y, d } => {
                let len = curve.len();
                if x.len() != len {
                    return Err(KeyError::InvalidMember(
                        "x",
                        "must be the full coordinate length",
                    ));
                }
                if y.len() != len {
                    return Err(KeyError::InvalidMember(
                        "y",
                        "must be the full coordinate length",
                    ));
                }
                let mut point = Vec::with_capacity(1 + 2 * len);
                point.push(4);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                let signing = match d {
                    Some(d) => {
                        if d.expose().len() != len {
                            return Err(KeyError::InvalidMember(
                                "d",
                                "must be the full scalar length",
                            ));
                        }
                        // ring checks d·G equals the point, which also proves the point valid.
                        Some(Signing::ec(*curve, d.expose(), &point)?)
                    }
                    None => {
                        if checks.ec_point {
                            crypto::validate_ec_point(*curve, &point)?;
                        }
                        None
                    }
                };
                (Verifying::ec(*curve, point), signing)
            }
            Params::Ed25519 { x, d } => {
                let signing = match d {
                    Some(d) => {
                        if d.expose().len() != 32 {
                            return Err(KeyError::InvalidMember("d", "must be 32 bytes"));
                        }
                        Some(Signing::ed25519(d.expose(), x)?)
                    }
                    None => None,
                };
                (Verifying::ed25519(*x), signing)
            }
            Params::Oct { k } => {
                let len = k.expose().len();
                if len == 0 {
                    return Err(KeyError::InvalidMember("k", "must not be empty"));
                }
                if let Some(alg) = meta.alg {
                    let min = alg.min_hmac_key_len();
                    if len < min {
                        return Err(KeyError::WeakSymmetricKey { len, min });
                    }
                }
                (Verifying::Hmac(HmacKeys::new(k.expose(), meta.alg)), None)
            }
        };
        Ok(Jwk {
            params,
            meta,
            verifying: Arc::new(verifying),
            signing: signing.map(Arc::new),
        })
    }

    /// A symmetric (`oct`) key for HMAC (RFC 7518 §6.4), bound to `algorithm`.
    ///
    /// # Errors
    ///
    /// [`KeyError::AlgorithmMismatch`] when `algorithm` is not an HMAC algorithm;
    /// [`KeyError::WeakSymmetricKey`] when `secret` is shorter than the hash output (RFC 7518 §3.2).
    pub fn from_symmetric_key(secret: &[u8], algorithm: Algorithm) -> Result<Jwk, KeyError> {
        Jwk::build(
            Params::Oct {
                k: Secret::new(secret.to_vec()),
            },
            Metadata {
                alg: Some(algorithm),
                ..Metadata::default()
            },
            Checks { ec_point: true },
        )
    }

    /// An RSA public key from its modulus and exponent, big-endian without leading zeros
    /// (RFC 7518 §6.3.1).
    ///
    /// # Errors
    ///
    /// As for a JWK with these `n` and `e`.
    pub fn from_rsa_public_components(n: &[u8], e: &[u8]) -> Result<Jwk, KeyError> {
        Jwk::build(
            Params::Rsa {
                n: n.to_vec(),
                e: e.to_vec(),
                private: None,
            },
            Metadata::default(),
            Checks { ec_point: true },
        )
    }

    /// The key type.
    pub fn key_type(&self) -> KeyType {
        self.params.key_type()
    }

    /// The key ID, if any.
    pub fn kid(&self) -> Option<&Kid> {
        self.meta.kid.as_ref()
    }

    /// The algorithm the JWK declares (`alg`), if any.
    pub fn algorithm(&self) -> Option<Algorithm> {
        self.meta.alg
    }

    /// The algorithm this key is bound to: its declared `alg`, or the one its curve implies
    /// (`ES256` for P-256, `ES384` for P-384, `EdDSA` for Ed25519). `None` for `RSA` and `oct`
    /// keys without `alg`, which verify only what the verifier's allow-list names.
    pub fn bound_algorithm(&self) -> Option<Algorithm> {
        self.meta.alg.or(match &self.params {
            Params::Ec { curve, .. } => Some(curve.algorithm()),
            Params::Ed25519 { .. } => Some(Algorithm::EdDsa),
            Params::Rsa { .. } | Params::Oct { .. } => None,
        })
    }

    /// The intended use (`use`), if any.
    pub fn key_use(&self) -> Option<&KeyUse> {
        self.meta.key_use.as_ref()
    }

    /// The permitted operations (`key_ops`), if any.
    pub fn key_operations(&self) -> Option<&[KeyOperation]> {
        self.meta.key_ops.as_deref()
    }

    /// The X.509 URL (`x5u`), if any. Never fetched by this crate.
    pub fn x509_url(&self) -> Option<&str> {
        self.meta.x5u.as_deref()
    }

    /// The X.509 certificate chain (`x5c`, standard base64 DER), if any. Not validated as X.509.
    pub fn x509_chain(&self) -> Option<&[String]> {
        self.meta.x5c.as_deref()
    }

    /// The curve name (`crv`) for `EC` and `OKP` keys.
    pub fn curve(&self) -> Option<&'static str> {
        match &self.params {
            Params::Ec { curve, .. } => Some(curve_name(*curve)),
            Params::Ed25519 { .. } => Some("Ed25519"),
            _ => None,
        }
    }

    /// Whether the key holds private (or, for `oct`, secret) material.
    pub fn is_private(&self) -> bool {
        self.params.is_private()
    }

    /// Whether this is a symmetric (`oct`) key.
    pub fn is_symmetric(&self) -> bool {
        matches!(self.params, Params::Oct { .. })
    }

    /// The public key, without private members (and without `sign`, `decrypt` and `unwrapKey` in
    /// `key_ops`), for publishing in a JWK Set.
    ///
    /// # Errors
    ///
    /// [`KeyError::Rejected`] for a symmetric key, which has no public form.
    pub fn to_public(&self) -> Result<Jwk, KeyError> {
        let params = match &self.params {
            Params::Rsa { n, e, .. } => Params::Rsa {
                n: n.clone(),
                e: e.clone(),
                private: None,
            },
            Params::Ec { curve, x, y, .. } => Params::Ec {
                curve: *curve,
                x: x.clone(),
                y: y.clone(),
                d: None,
            },
            Params::Ed25519 { x, .. } => Params::Ed25519 { x: *x, d: None },
            Params::Oct { .. } => {
                return Err(KeyError::Rejected("a symmetric key has no public form"));
            }
        };
        let mut meta = self.meta.clone();
        if let Some(ops) = &mut meta.key_ops {
            ops.retain(|op| {
                !matches!(
                    op,
                    KeyOperation::Sign | KeyOperation::Decrypt | KeyOperation::UnwrapKey
                )
            });
        }
        Ok(Jwk {
            params,
            meta,
            verifying: Arc::clone(&self.verifying),
            signing: None,
        })
    }

    /// The same key with `kid` set.
    #[must_use]
    pub fn with_kid(mut self, kid: Kid) -> Jwk {
        self.meta.kid = Some(kid);
        self
    }

    /// The same key with `use` set.
    ///
    /// # Errors
    ///
    /// [`KeyError::InconsistentUsage`] when it contradicts `key_ops`.
    pub fn with_use(mut self, key_use: KeyUse) -> Result<Jwk, KeyError> {
        usage::check_usage(Some(&key_use), self.meta.key_ops.as_deref())?;
        self.meta.key_use = Some(key_use);
        Ok(self)
    }

    /// The same key bound to `algorithm` (its `alg` member set).
    ///
    /// # Errors
    ///
    /// [`KeyError::AlgorithmMismatch`] when the key already declares another algorithm or
    /// `algorithm` does not fit its type or curve; [`KeyError::WeakSymmetricKey`] when an `oct`
    /// key is too short for it.
    pub fn with_algorithm(self, algorithm: Algorithm) -> Result<Jwk, KeyError> {
        if self.meta.alg.is_some_and(|declared| declared != algorithm)
            || algorithm.key_family() != self.params.family()
        {
            return Err(KeyError::AlgorithmMismatch { algorithm });
        }
        let Jwk {
            params,
            mut meta,
            verifying,
            signing,
        } = self;
        meta.alg = Some(algorithm);
        let verifying = match &params {
            Params::Oct { k } => {
                let min = algorithm.min_hmac_key_len();
                let len = k.expose().len();
                if len < min {
                    return Err(KeyError::WeakSymmetricKey { len, min });
                }
                Arc::new(Verifying::Hmac(HmacKeys::new(k.expose(), Some(algorithm))))
            }
            _ => verifying,
        };
        Ok(Jwk {
            params,
            meta,
            verifying,
            signing,
        })
    }

    /// Checks that this key may compute `algorithm` for verification (`signing == false`) or
    /// signing: family, declared algorithm, HMAC key length, `use` and `key_ops`.
    pub(crate) fn check_binding(
        &self,
        algorithm: Algorithm,
        signing: bool,
    ) -> Result<(), JwsError> {
        if algorithm.key_family() != self.params.family()
            || self.meta.alg.is_some_and(|declared| declared != algorithm)
        {
            return Err(JwsError::KeyAlgorithmMismatch(algorithm));
        }
        if let Params::Oct { k } = &self.params
            && k.expose().len() < algorithm.min_hmac_key_len()
        {
            return Err(JwsError::KeyAlgorithmMismatch(algorithm));
        }
        if !self.permits(signing) {
            return Err(JwsError::KeyUsageNotPermitted);
        }
        Ok(())
    }

    /// Whether `use`/`key_ops` permit verifying (or signing).
    pub(crate) fn permits(&self, signing: bool) -> bool {
        let use_ok = matches!(self.meta.key_use, None | Some(KeyUse::Signature));
        let wanted = if signing {
            KeyOperation::Sign
        } else {
            KeyOperation::Verify
        };
        let ops_ok = self
            .meta
            .key_ops
            .as_ref()
            .is_none_or(|ops| ops.contains(&wanted));
        use_ok && ops_ok
    }

    pub(crate) fn params(&self) -> &Params {
        &self.params
    }

    pub(crate) fn meta(&self) -> &Metadata {
        &self.meta
    }

    pub(crate) fn verifying(&self) -> &Verifying {
        &self.verifying
    }

    /// Signs `message` with `algorithm` into the start of `out` (96 bytes suffice for everything
    /// but RSA, which needs the modulus length); the signature's length.
    pub(crate) fn sign_raw(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<usize, JwsError> {
        self.check_binding(algorithm, true)?;
        match (&self.signing, &*self.verifying) {
            (Some(signing), _) => Ok(signing.sign(algorithm, message, out)?),
            (None, Verifying::Hmac(_)) => self
                .verifying
                .mac(algorithm, message, out)
                .ok_or(JwsError::KeyAlgorithmMismatch(algorithm)),
            (None, _) => Err(JwsError::Key(KeyError::NotPrivate)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_keys_are_length_checked_per_algorithm() {
        assert!(Jwk::from_symmetric_key(&[1; 32], Algorithm::Hs256).is_ok());
        assert_eq!(
            Jwk::from_symmetric_key(&[1; 31], Algorithm::Hs256),
            Err(KeyError::WeakSymmetricKey { len: 31, min: 32 })
        );
        assert_eq!(
            Jwk::from_symmetric_key(&[1; 64], Algorithm::Rs256),
            Err(KeyError::AlgorithmMismatch {
                algorithm: Algorithm::Rs256
            })
        );
        assert!(Jwk::from_symmetric_key(&[], Algorithm::Hs256).is_err());
    }

    #[test]
    fn binding_refuses_other_algorithms_and_families() {
        let key = Jwk::from_symmetric_key(&[1; 64], Algorithm::Hs512).unwrap();
        assert!(key.check_binding(Algorithm::Hs512, false).is_ok());
        for other in Algorithm::ALL
            .into_iter()
            .filter(|a| *a != Algorithm::Hs512)
        {
            assert_eq!(
                key.check_binding(other, false),
                Err(JwsError::KeyAlgorithmMismatch(other))
            );
        }
        assert!(key.clone().with_algorithm(Algorithm::Hs256).is_err());
        assert!(key.with_algorithm(Algorithm::Hs512).is_ok());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let key =
            Jwk::from_symmetric_key(b"0123456789abcdef0123456789abcdef", Algorithm::Hs256).unwrap();
        let shown = format!("{key:?} {:?}", key.params());
        assert!(!shown.contains("0123456789"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
