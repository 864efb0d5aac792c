//! The ring backend: the only module that calls ring.
//!
//! Everything cryptographic the rest of the crate needs goes through the few types and functions
//! here (key material built once, `verify`, `sign`, digests, key generation), so that a second
//! backend (aws-lc-rs, which adds P-521, secp256k1 and RSA key generation) could be added behind a
//! feature by writing a sibling of this module.
//!
//! # Randomness
//!
//! ring's `SecureRandom` trait is sealed: only ring's own generators implement it. ECDSA signing
//! (nonce hedging), RSA-PSS signing (the salt), RSA blinding and ECDSA key import all take one, so
//! [`system_random`] constructs ring's `SystemRandom` here, in the single place the architecture
//! allows (ARCHITECTURE.md, sans-IO contract item 2). None of these draws affects a value an
//! Ostium test needs to reproduce. Key *generation*, whose output is a long-lived secret, draws
//! from the caller's [`SecureRng`] instead (see [`generate_ec`]).

use ring::{digest, hmac, rand, rsa, signature};

use ostium_rand::SecureRng;

use crate::algorithm::Algorithm;
use crate::error::KeyError;

/// The largest signature any supported algorithm produces: RSA with an 8192-bit modulus.
pub(crate) const MAX_SIGNATURE_LEN: usize = 1024;

/// ring's system generator, for the operations whose randomness ring requires internally.
#[allow(clippy::disallowed_methods)]
// The single construction allowed by the architecture: ring's SecureRandom is sealed, so ECDSA
// and RSA signing cannot take an `ostium_rand::SecureRng`. `SystemRandom` is a zero-sized handle.
fn system_random() -> rand::SystemRandom {
    rand::SystemRandom::new()
}

/// An elliptic curve for ECDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum EcCurve {
    P256,
    P384,
}

impl EcCurve {
    /// Field element / scalar length in bytes.
    pub(crate) const fn len(self) -> usize {
        match self {
            EcCurve::P256 => 32,
            EcCurve::P384 => 48,
        }
    }

    pub(crate) const fn algorithm(self) -> Algorithm {
        match self {
            EcCurve::P256 => Algorithm::Es256,
            EcCurve::P384 => Algorithm::Es384,
        }
    }

    fn signing(self) -> &'static signature::EcdsaSigningAlgorithm {
        match self {
            EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        }
    }

    fn verification(self) -> &'static signature::EcdsaVerificationAlgorithm {
        match self {
            EcCurve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
            EcCurve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
        }
    }

    fn agreement(self) -> &'static ring::agreement::Algorithm {
        match self {
            EcCurve::P256 => &ring::agreement::ECDH_P256,
            EcCurve::P384 => &ring::agreement::ECDH_P384,
        }
    }
}

/// HMAC keys, built once per hash the key may be used with.
pub(crate) struct HmacKeys {
    sha256: Option<hmac::Key>,
    sha384: Option<hmac::Key>,
    sha512: Option<hmac::Key>,
}

impl HmacKeys {
    /// Builds the HMAC key for `algorithm`, or for all three hashes when the key is not bound yet.
    pub(crate) fn new(secret: &[u8], algorithm: Option<Algorithm>) -> HmacKeys {
        let build = |hash: Algorithm, ring_alg: hmac::Algorithm| {
            (algorithm.is_none() || algorithm == Some(hash))
                .then(|| hmac::Key::new(ring_alg, secret))
        };
        HmacKeys {
            sha256: build(Algorithm::Hs256, hmac::HMAC_SHA256),
            sha384: build(Algorithm::Hs384, hmac::HMAC_SHA384),
            sha512: build(Algorithm::Hs512, hmac::HMAC_SHA512),
        }
    }

    fn key(&self, algorithm: Algorithm) -> Option<&hmac::Key> {
        match algorithm {
            Algorithm::Hs256 => self.sha256.as_ref(),
            Algorithm::Hs384 => self.sha384.as_ref(),
            Algorithm::Hs512 => self.sha512.as_ref(),
            _ => None,
        }
    }
}

/// Verification material, ready for ring (built once when the key is imported).
// Held behind an `Arc` in `Jwk`, built once: the size of the HMAC variant costs nothing per call,
// while boxing it would add an indirection to every HMAC verification.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Verifying {
    Hmac(HmacKeys),
    Rsa(rsa::PublicKeyComponents<Vec<u8>>),
    Ec(signature::UnparsedPublicKey<Vec<u8>>),
    Ed25519(signature::UnparsedPublicKey<[u8; 32]>),
}

/// Signing material for asymmetric keys (HMAC signs with its [`Verifying::Hmac`] keys).
pub(crate) enum Signing {
    Rsa(Box<rsa::KeyPair>),
    Ec(Box<signature::EcdsaKeyPair>),
    Ed25519(Box<signature::Ed25519KeyPair>),
}

fn rsa_verification(algorithm: Algorithm) -> Option<&'static signature::RsaParameters> {
    Some(match algorithm {
        Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn rsa_signing(algorithm: Algorithm) -> Option<&'static dyn signature::RsaEncoding> {
    Some(match algorithm {
        Algorithm::Rs256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::Rs384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::Rs512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::Ps256 => &signature::RSA_PSS_SHA256,
        Algorithm::Ps384 => &signature::RSA_PSS_SHA384,
        Algorithm::Ps512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

impl Verifying {
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Verifying {
        Verifying::Rsa(rsa::PublicKeyComponents {
            n: n.to_vec(),
            e: e.to_vec(),
        })
    }

    /// `point` is the uncompressed SEC 1 point `0x04 ‖ x ‖ y`.
    pub(crate) fn ec(curve: EcCurve, point: Vec<u8>) -> Verifying {
        Verifying::Ec(signature::UnparsedPublicKey::new(
            curve.verification(),
            point,
        ))
    }

    pub(crate) fn ed25519(x: [u8; 32]) -> Verifying {
        Verifying::Ed25519(signature::UnparsedPublicKey::new(&signature::ED25519, x))
    }

    /// Whether `signature` is valid for `message` under `algorithm`. The caller has already
    /// checked that the key is bound to `algorithm`; a mismatch here simply fails.
    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], sig: &[u8]) -> bool {
        match self {
            Verifying::Hmac(keys) => keys
                .key(algorithm)
                .is_some_and(|key| hmac::verify(key, message, sig).is_ok()),
            Verifying::Rsa(components) => rsa_verification(algorithm)
                .is_some_and(|params| components.verify(params, message, sig).is_ok()),
            Verifying::Ec(key) => {
                matches!(algorithm, Algorithm::Es256 | Algorithm::Es384)
                    && key.verify(message, sig).is_ok()
            }
            Verifying::Ed25519(key) => {
                algorithm == Algorithm::EdDsa && key.verify(message, sig).is_ok()
            }
        }
    }

    /// Computes the HMAC tag (symmetric keys only) into the start of `out`; its length, or
    /// `None` when the key has no HMAC key for `algorithm` or `out` is too short.
    pub(crate) fn mac(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        out: &mut [u8],
    ) -> Option<usize> {
        let Verifying::Hmac(keys) = self else {
            return None;
        };
        let tag = hmac::sign(keys.key(algorithm)?, message);
        let tag = tag.as_ref();
        out.get_mut(..tag.len())?.copy_from_slice(tag);
        Some(tag.len())
    }
}

impl Signing {
    /// Signs `message` with `algorithm` into the start of `out` (96 bytes suffice for ECDSA and
    /// Ed25519, the modulus length for RSA); the signature's length.
    pub(crate) fn sign(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        out: &mut [u8],
    ) -> Result<usize, KeyError> {
        let rng = system_random();
        let mut put = |signature: &[u8]| {
            out.get_mut(..signature.len())
                .map(|dest| dest.copy_from_slice(signature))
                .map(|()| signature.len())
                .ok_or(KeyError::Rejected("signature longer than the buffer"))
        };
        match self {
            Signing::Rsa(pair) => {
                let encoding =
                    rsa_signing(algorithm).ok_or(KeyError::AlgorithmMismatch { algorithm })?;
                let len = pair.public().modulus_len();
                let dest = out
                    .get_mut(..len)
                    .ok_or(KeyError::Rejected("signature longer than the buffer"))?;
                pair.sign(encoding, &rng, message, dest)
                    .map_err(|_| KeyError::Rejected("RSA signing failed"))?;
                Ok(len)
            }
            Signing::Ec(pair) => {
                let signature = pair
                    .sign(&rng, message)
                    .map_err(|_| KeyError::Rejected("ECDSA signing failed"))?;
                put(signature.as_ref())
            }
            Signing::Ed25519(pair) => put(pair.sign(message).as_ref()),
        }
    }

    /// RSA: two-prime key pair from its JWK components (RFC 7518 §6.3.2), checked by ring.
    pub(crate) fn rsa(c: &RsaPrivateParts<'_>) -> Result<Signing, KeyError> {
        let components = rsa::KeyPairComponents {
            public_key: rsa::PublicKeyComponents { n: c.n, e: c.e },
            d: c.d,
            p: c.p,
            q: c.q,
            dP: c.dp,
            dQ: c.dq,
            qInv: c.qi,
        };
        rsa::KeyPair::from_components(&components)
            .map(|pair| Signing::Rsa(Box::new(pair)))
            .map_err(|e| KeyError::Rejected(rsa_rejection(&e.to_string())))
    }

    /// ECDSA key pair from the private scalar and the public point `0x04 ‖ x ‖ y`; ring checks
    /// that they belong together.
    pub(crate) fn ec(curve: EcCurve, d: &[u8], point: &[u8]) -> Result<Signing, KeyError> {
        signature::EcdsaKeyPair::from_private_key_and_public_key(
            curve.signing(),
            d,
            point,
            &system_random(),
        )
        .map(|pair| Signing::Ec(Box::new(pair)))
        .map_err(|_| KeyError::Rejected("EC private key does not match its public point"))
    }

    /// ECDSA key pair from PKCS#8; returns the pair and its public point.
    pub(crate) fn ec_pkcs8(curve: EcCurve, der: &[u8]) -> Result<(Signing, Vec<u8>), KeyError> {
        let pair = signature::EcdsaKeyPair::from_pkcs8(curve.signing(), der, &system_random())
            .map_err(|_| KeyError::Der("ring rejected the EC PKCS#8 key"))?;
        let point = signature::KeyPair::public_key(&pair).as_ref().to_vec();
        Ok((Signing::Ec(Box::new(pair)), point))
    }

    /// Ed25519 key pair from the 32-byte seed and public key (RFC 8037 §2), checked by ring.
    pub(crate) fn ed25519(seed: &[u8], x: &[u8]) -> Result<Signing, KeyError> {
        signature::Ed25519KeyPair::from_seed_and_public_key(seed, x)
            .map(|pair| Signing::Ed25519(Box::new(pair)))
            .map_err(|_| KeyError::Rejected("Ed25519 private key does not match its public key"))
    }

    /// The Ed25519 public key for a 32-byte seed.
    pub(crate) fn ed25519_public(seed: &[u8]) -> Result<[u8; 32], KeyError> {
        let pair = signature::Ed25519KeyPair::from_seed_unchecked(seed)
            .map_err(|_| KeyError::InvalidMember("d", "must be 32 bytes"))?;
        signature::KeyPair::public_key(&pair)
            .as_ref()
            .try_into()
            .map_err(|_| KeyError::Rejected("Ed25519 public key length"))
    }
}

/// The private members of an RSA JWK, as big-endian bytes.
pub(crate) struct RsaPrivateParts<'a> {
    pub(crate) n: &'a [u8],
    pub(crate) e: &'a [u8],
    pub(crate) d: &'a [u8],
    pub(crate) p: &'a [u8],
    pub(crate) q: &'a [u8],
    pub(crate) dp: &'a [u8],
    pub(crate) dq: &'a [u8],
    pub(crate) qi: &'a [u8],
}

fn rsa_rejection(description: &str) -> &'static str {
    match description {
        "InconsistentComponents" => "RSA private components are inconsistent",
        "TooSmall" => "RSA key too small to sign with ring (2048 bits minimum)",
        "TooLarge" => "RSA key too large to sign with ring (4096 bits maximum)",
        "InvalidEncoding" => "RSA key encoding rejected by ring",
        "InvalidComponent" => "RSA component rejected by ring",
        "PublicKeyIsMissing" => "RSA public key missing",
        "VersionNotSupported" => "multi-prime RSA keys are not supported by ring",
        _ => "RSA key rejected by ring",
    }
}

/// Checks that `0x04 ‖ x ‖ y` is a point on `curve` by running one ECDH with it (ring validates
/// peer points there). ECDSA verification checks the point again on every call; doing it once at
/// import reports a bad key as a key error instead of as a failing signature.
pub(crate) fn validate_ec_point(curve: EcCurve, point: &[u8]) -> Result<(), KeyError> {
    let invalid = KeyError::InvalidMember("x", "the point (x, y) is not on the curve");
    let ephemeral =
        ring::agreement::EphemeralPrivateKey::generate(curve.agreement(), &system_random())
            .map_err(|_| KeyError::Random)?;
    let peer = ring::agreement::UnparsedPublicKey::new(curve.agreement(), point);
    ring::agreement::agree_ephemeral(ephemeral, &peer, |_| ()).map_err(|_| invalid)
}

/// Generates an ECDSA private scalar from `rng` and returns `(d, 0x04 ‖ x ‖ y)`.
///
/// ring 0.17 can only derive a public point inside `EcdsaKeyPair::generate_pkcs8`, which takes a
/// ring `SecureRandom` (sealed). The scalar must come from the caller's [`SecureRng`], so it is
/// drawn here and handed to ring through ring's fixed-slice generator, which ring exports (as a
/// deprecated, documentation-hidden item) for exactly this known-answer use; ring then checks the
/// scalar is in `[1, n)` and computes the point. A scalar out of range (probability below 2⁻³²)
/// is redrawn.
#[allow(deprecated)]
pub(crate) fn generate_ec(
    curve: EcCurve,
    rng: &mut (impl SecureRng + ?Sized),
) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
    for _ in 0..8 {
        let mut d = vec![0u8; curve.len()];
        rng.fill(&mut d)?;
        let fixed = ring::test::rand::FixedSliceRandom { bytes: &d };
        let Ok(pkcs8) = signature::EcdsaKeyPair::generate_pkcs8(curve.signing(), &fixed) else {
            continue;
        };
        let (_, point) = Signing::ec_pkcs8(curve, pkcs8.as_ref())?;
        return Ok((d, point));
    }
    Err(KeyError::Random)
}

/// A digest for RFC 7638 thumbprints and the like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The name used in RFC 9278 thumbprint URIs (from the IANA "Named Information Hash
    /// Algorithm" registry): `sha-256`, `sha-384`, `sha-512`.
    pub const fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha-256",
            HashAlgorithm::Sha384 => "sha-384",
            HashAlgorithm::Sha512 => "sha-512",
        }
    }
}

/// Hashes `data`.
pub(crate) fn digest(hash: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    let algorithm = match hash {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    };
    digest::digest(algorithm, data).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_testkit::SeededRng;

    #[test]
    fn ec_generation_is_deterministic_for_a_seed_and_yields_valid_points() {
        for curve in [EcCurve::P256, EcCurve::P384] {
            let (d1, p1) = generate_ec(curve, &mut SeededRng::new(7)).unwrap();
            let (d2, p2) = generate_ec(curve, &mut SeededRng::new(7)).unwrap();
            let (d3, _) = generate_ec(curve, &mut SeededRng::new(8)).unwrap();
            assert_eq!((&d1, &p1), (&d2, &p2));
            assert_ne!(d1, d3);
            assert_eq!(p1.len(), 1 + 2 * curve.len());
            validate_ec_point(curve, &p1).unwrap();
            let signer = Signing::ec(curve, &d1, &p1).unwrap();
            let mut sig = [0u8; MAX_SIGNATURE_LEN];
            let len = signer.sign(curve.algorithm(), b"msg", &mut sig).unwrap();
            assert_eq!(len, 2 * curve.len());
            assert!(Verifying::ec(curve, p1.clone()).verify(
                curve.algorithm(),
                b"msg",
                &sig[..len]
            ));
        }
    }

    #[test]
    fn off_curve_points_are_rejected() {
        let mut point = vec![4u8];
        point.extend([1u8; 64]);
        assert!(validate_ec_point(EcCurve::P256, &point).is_err());
    }

    #[test]
    fn hmac_keys_bound_to_one_hash_refuse_the_others() {
        let keys = Verifying::Hmac(HmacKeys::new(&[7u8; 64], Some(Algorithm::Hs384)));
        let mut tag = [0u8; 64];
        assert_eq!(keys.mac(Algorithm::Hs384, b"m", &mut tag), Some(48));
        let tag = &tag[..48];
        assert!(keys.verify(Algorithm::Hs384, b"m", tag));
        assert_eq!(keys.mac(Algorithm::Hs256, b"m", &mut [0u8; 64]), None);
        assert_eq!(keys.mac(Algorithm::Hs384, b"m", &mut [0u8; 47]), None);
        assert!(!keys.verify(Algorithm::Hs512, b"m", tag));
        // A truncated tag never verifies.
        assert!(!keys.verify(Algorithm::Hs384, b"m", &tag[..16]));
    }
}
