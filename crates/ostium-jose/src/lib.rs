#![doc = include_str!("../README.md")]

mod algorithm;
mod base64url;
mod claims;
mod claims_deserializer;
mod claims_serializer;
mod crypto;
mod der;
mod dpop;
mod dpop_nonce;
mod error;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod header;
mod json_serialization;
mod jwk;
mod keys;
mod limits;
mod roca;
mod scan;
mod sign;
mod strict_json;
mod validation;
mod verify;

pub use algorithm::{Algorithm, AlgorithmSet, KeyFamily};
pub use claims::NumericDate;
pub use crypto::HashAlgorithm;
pub use dpop::{DpopProof, DpopProofCheck, DpopProofError};
pub use dpop_nonce::DpopNonceSchedule;
pub use error::{ClaimsError, CritError, Error, JwsError, KeyError, Part, PeerError};
pub use header::Header;
pub use jwk::{
    Jwk, JwkSet, KeyOperation, KeyType, KeyUse, Kid, MAX_JWK_LEN, MAX_JWKS_KEYS, MAX_JWKS_LEN,
    MAX_KID_LEN, SkippedKey, Thumbprint,
};
pub use keys::KeySource;
pub use limits::Limits;
pub use sign::{Signer, SigningHeader};
pub use validation::{Claim, Typ, Validation, VerifiedJwt};
pub use verify::{JwsVerifier, VerifiedJws, verify_with_embedded_jwk};
