//! Key generation from the caller's randomness (`ostium_rand::SecureRng`).

use ostium_rand::SecureRng;

use super::{Checks, Jwk, Metadata, Params, Secret};
use crate::algorithm::{Algorithm, KeyFamily};
use crate::crypto::{self, EcCurve, Signing};
use crate::error::KeyError;

impl Jwk {
    /// Generates a private key for `algorithm`, bound to it (`alg` set), drawing every secret
    /// byte from `rng`:
    ///
    /// - `HS256`/`HS384`/`HS512`: a random `oct` key as long as the hash output (RFC 7518 §3.2);
    /// - `ES256`/`ES384`: a random scalar on P-256/P-384 (ring derives the public point);
    /// - `EdDSA`: a random 32-byte Ed25519 seed (RFC 8032 §5.1.5).
    ///
    /// The same `rng` state always gives the same key, so tests can use a seeded generator.
    ///
    /// # Errors
    ///
    /// [`KeyError::GenerationUnsupported`] for RSA algorithms: ring 0.17 cannot generate RSA
    /// keys, so import one with [`from_pkcs8_der`](Jwk::from_pkcs8_der) or
    /// [`from_json`](Jwk::from_json). [`KeyError::Random`] when `rng` fails.
    pub fn generate(
        algorithm: Algorithm,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Result<Jwk, KeyError> {
        let params = match algorithm.key_family() {
            KeyFamily::Symmetric => {
                let mut k = vec![0u8; algorithm.min_hmac_key_len()];
                rng.fill(&mut k)?;
                Params::Oct { k: Secret::new(k) }
            }
            KeyFamily::EcP256 | KeyFamily::EcP384 => {
                let curve = if algorithm == Algorithm::Es256 {
                    EcCurve::P256
                } else {
                    EcCurve::P384
                };
                let (d, point) = crypto::generate_ec(curve, rng)?;
                let len = curve.len();
                let x = point
                    .get(1..=len)
                    .ok_or(KeyError::Rejected("EC point length"))?;
                let y = point
                    .get(1 + len..)
                    .ok_or(KeyError::Rejected("EC point length"))?;
                Params::Ec {
                    curve,
                    x: x.to_vec(),
                    y: y.to_vec(),
                    d: Some(Secret::new(d)),
                }
            }
            KeyFamily::Ed25519 => {
                let mut seed = vec![0u8; 32];
                rng.fill(&mut seed)?;
                let x = Signing::ed25519_public(&seed)?;
                Params::Ed25519 {
                    x,
                    d: Some(Secret::new(seed)),
                }
            }
            KeyFamily::Rsa => {
                return Err(KeyError::GenerationUnsupported(
                    "ring 0.17 cannot generate RSA keys; import one (PKCS#8 DER, PEM or JWK)",
                ));
            }
        };
        Jwk::build(
            params,
            Metadata {
                alg: Some(algorithm),
                ..Metadata::default()
            },
            Checks { ec_point: false },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_testkit::SeededRng;

    #[test]
    fn generation_is_reproducible_and_bound() {
        for algorithm in [
            Algorithm::Hs256,
            Algorithm::Hs512,
            Algorithm::Es256,
            Algorithm::Es384,
            Algorithm::EdDsa,
        ] {
            let a = Jwk::generate(algorithm, &mut SeededRng::new(1)).unwrap();
            let b = Jwk::generate(algorithm, &mut SeededRng::new(1)).unwrap();
            let c = Jwk::generate(algorithm, &mut SeededRng::new(2)).unwrap();
            assert_eq!(a, b);
            assert_ne!(a, c);
            assert_eq!(a.algorithm(), Some(algorithm));
            assert!(a.is_private());
        }
    }

    #[test]
    fn rsa_generation_is_refused_with_a_reason() {
        let Err(KeyError::GenerationUnsupported(why)) =
            Jwk::generate(Algorithm::Rs256, &mut SeededRng::new(1))
        else {
            panic!()
        };
        assert!(why.contains("RSA"));
    }
}
