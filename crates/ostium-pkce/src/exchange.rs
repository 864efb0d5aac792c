//! The token endpoint's PKCE decision (RFC 7636 §4.6, RFC 9700 §2.1.1).

use crate::challenge::CodeChallenge;
use crate::error::PkceError;
use crate::verifier::check_unreserved;

/// Decides the PKCE part of an authorization-code exchange.
///
/// `bound` is the challenge stored with the code (if its authorization request carried one);
/// `presented` is the token request's `code_verifier` parameter (if any). The four cases:
///
/// | bound | presented | result |
/// |---|---|---|
/// | none | none | `Ok` (whether PKCE was *required* was decided at the authorization endpoint) |
/// | none | some | [`PkceError::UnexpectedVerifier`]: a downgrade attempt (RFC 9700 §4.8.2) |
/// | some | none | [`PkceError::MissingVerifier`] (RFC 7636 §4.6) |
/// | some | some | the verifier's syntax, then a constant-time match |
///
/// Every error maps to `invalid_grant` at the token endpoint.
///
/// # Errors
///
/// As in the table above; a malformed verifier gives [`PkceError::InvalidLength`] or
/// [`PkceError::InvalidCharacter`], a wrong one [`PkceError::Mismatch`].
///
/// ```
/// use ostium_pkce::{CodeChallenge, CodeVerifier, PkceError, verify_exchange};
///
/// let verifier = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")?;
/// let bound = CodeChallenge::s256(&verifier);
/// assert_eq!(verify_exchange(Some(&bound), Some(verifier.as_str())), Ok(()));
/// assert_eq!(verify_exchange(Some(&bound), None), Err(PkceError::MissingVerifier));
/// assert_eq!(verify_exchange(None, Some(verifier.as_str())), Err(PkceError::UnexpectedVerifier));
/// # Ok::<(), PkceError>(())
/// ```
pub fn verify_exchange(
    bound: Option<&CodeChallenge>,
    presented: Option<&str>,
) -> Result<(), PkceError> {
    match (bound, presented) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(PkceError::UnexpectedVerifier),
        (Some(_), None) => Err(PkceError::MissingVerifier),
        (Some(challenge), Some(verifier)) => {
            // Syntax first (RFC 7636 §4.1), without copying the secret into a `CodeVerifier`.
            check_unreserved(verifier)?;
            challenge.verify_checked(verifier)
        }
    }
}
