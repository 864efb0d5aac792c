//! Where a verifier finds its key.

use crate::algorithm::Algorithm;
use crate::error::JwsError;
use crate::jwk::{Jwk, JwkSet};

/// A pinned source of verification keys.
///
/// Implemented for a single [`Jwk`] (which ignores the `kid` hint: the key is pinned) and for a
/// [`JwkSet`] (which uses it to choose, see [`JwkSet::find`]). Embedders can implement it for
/// their own stores, for example keys per registered client. Implementations must return only
/// keys the embedder trusts: never one taken from the token itself.
pub trait KeySource {
    /// The key that may verify a JWS whose header says `kid` and `algorithm`.
    ///
    /// # Errors
    ///
    /// [`JwsError::NoMatchingKey`], [`JwsError::AmbiguousKey`], or a binding error.
    fn key_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&Jwk, JwsError>;
}

impl KeySource for Jwk {
    fn key_for(&self, _kid: Option<&str>, algorithm: Algorithm) -> Result<&Jwk, JwsError> {
        self.check_binding(algorithm, false)?;
        Ok(self)
    }
}

impl KeySource for JwkSet {
    fn key_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&Jwk, JwsError> {
        self.find(kid, algorithm)
    }
}

impl<K: KeySource + ?Sized> KeySource for &K {
    fn key_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&Jwk, JwsError> {
        (**self).key_for(kid, algorithm)
    }
}
