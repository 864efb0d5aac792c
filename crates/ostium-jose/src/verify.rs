//! JWS verification (RFC 7515 §5.2) for the compact serialization, and the checks shared with the
//! JSON serializations and the embedded-key API.

use crate::algorithm::{Algorithm, AlgorithmSet};
use crate::base64url;
use crate::crypto::MAX_SIGNATURE_LEN;
use crate::error::{JwsError, Part};
use crate::header::{Header, INLINE_HEADER, parse_protected, parse_protected_str};
use crate::jwk::Jwk;
use crate::keys::KeySource;
use crate::limits::Limits;

/// A JWS whose signature verified: its header and decoded payload.
#[derive(Clone, Debug)]
pub struct VerifiedJws {
    pub(crate) header: Header,
    pub(crate) payload: Vec<u8>,
}

impl VerifiedJws {
    /// The protected header (merged with the unprotected one for the JSON serializations).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The payload bytes (decoded from base64url unless `b64` was `false`).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Takes the payload.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }
}

/// The three parts of a compact JWS (RFC 7515 §7.1), split without allocation, and the payload
/// decoded.
pub(crate) struct CompactParts<'t> {
    pub(crate) header: &'t [u8],
    pub(crate) payload: &'t [u8],
    pub(crate) signature: &'t [u8],
    /// `header '.' payload`, the JWS Signing Input when the payload is encoded in place.
    pub(crate) signing_input: &'t [u8],
    /// The payload decoded from base64url, or `None` when it is not base64url (then it can only
    /// be an unencoded payload, RFC 7797).
    pub(crate) decoded_payload: Option<Vec<u8>>,
}

/// Splits a compact JWS into exactly three parts, after checking its length.
///
/// The payload is decoded here, before anything is verified (RFC 7515 §5.2 decodes it in step
/// 6, before the signature in step 8): a payload that decodes cannot contain a `.`, so the long
/// middle part is searched for a fourth part only when it does not decode. Nothing else reads
/// the payload before the signature has verified.
pub(crate) fn split_compact<'t>(
    token: &'t str,
    limits: &Limits,
) -> Result<CompactParts<'t>, JwsError> {
    if token.len() > limits.max_token_len {
        return Err(JwsError::TooLarge("token length"));
    }
    // `str::find`/`rfind` with a `char` are memchr-backed; they cross only the header and the
    // signature.
    let three_parts = JwsError::Malformed("a compact JWS has exactly three parts");
    let (Some(first), Some(last)) = (token.find('.'), token.rfind('.')) else {
        return Err(three_parts);
    };
    if first == last {
        return Err(three_parts);
    }
    let bytes = token.as_bytes();
    let header = bytes.get(..first).unwrap_or_default();
    let payload = bytes.get(first + 1..last).unwrap_or_default();
    let signature = bytes.get(last + 1..).unwrap_or_default();
    let signing_input = bytes.get(..last).unwrap_or_default();
    let decoded_payload = base64url::decode(payload);
    if decoded_payload.is_none() && payload.contains(&b'.') {
        return Err(three_parts);
    }
    if header.is_empty() {
        return Err(JwsError::Malformed("empty protected header"));
    }
    if header.len() > limits.max_header_len {
        return Err(JwsError::TooLarge("protected header length"));
    }
    Ok(CompactParts {
        header,
        payload,
        signature,
        signing_input,
        decoded_payload,
    })
}

/// Decodes and parses an encoded protected header.
pub(crate) fn decode_header(encoded: &[u8], limits: &Limits) -> Result<Header, JwsError> {
    let not_utf8 = || JwsError::InvalidHeader("not UTF-8".to_owned());
    // A usual header decodes on the stack and is kept inline: no allocation.
    let mut buffer = [0u8; INLINE_HEADER];
    if let Some(len) = base64url::decode_slice(encoded, &mut buffer) {
        let json =
            std::str::from_utf8(buffer.get(..len).unwrap_or_default()).map_err(|_| not_utf8())?;
        return parse_protected_str(json, limits.max_depth);
    }
    let bytes = base64url::decode(encoded).ok_or(JwsError::InvalidBase64(Part::Header))?;
    let json = String::from_utf8(bytes).map_err(|_| not_utf8())?;
    parse_protected(json, limits.max_depth)
}

/// Verifies `signature_b64` over `signing_input` with `key` under `algorithm`.
pub(crate) fn verify_signature(
    key: &Jwk,
    algorithm: Algorithm,
    signing_input: &[u8],
    signature_b64: &[u8],
) -> Result<(), JwsError> {
    if signature_b64.len() > base64url::encoded_len(MAX_SIGNATURE_LEN) {
        return Err(JwsError::InvalidSignature);
    }
    // HMAC, ECDSA P-256 and Ed25519 signatures fit the small buffer, which is cheaper to clear.
    let mut small = [0u8; 64];
    let mut larger;
    let buffer: &mut [u8] = if signature_b64.len() <= base64url::encoded_len(small.len()) {
        &mut small
    } else {
        larger = [0u8; MAX_SIGNATURE_LEN];
        &mut larger
    };
    let len = base64url::decode_slice(signature_b64, buffer)
        .ok_or(JwsError::InvalidBase64(Part::Signature))?;
    let signature = buffer.get(..len).unwrap_or_default();
    if key.verifying().verify(algorithm, signing_input, signature) {
        Ok(())
    } else {
        Err(JwsError::InvalidSignature)
    }
}

/// Verifies JWSs against pinned keys and an algorithm allow-list (RFC 7515 §5.2, RFC 8725 §3.1).
///
/// ```
/// use ostium_jose::{Algorithm, Jwk, JwsVerifier};
///
/// // RFC 7515 Appendix A.1.
/// let key = Jwk::from_json(r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#)?;
/// let token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// let verified = JwsVerifier::new(&key, Algorithm::Hs256).verify_compact(token)?;
/// assert_eq!(verified.header().typ(), Some("JWT"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct JwsVerifier<K> {
    keys: K,
    algorithms: AlgorithmSet,
    limits: Limits,
    unencoded: bool,
}

impl<K: KeySource> JwsVerifier<K> {
    /// A verifier that accepts exactly `algorithms`, with keys from `keys`.
    pub fn new(keys: K, algorithms: impl Into<AlgorithmSet>) -> Self {
        JwsVerifier {
            keys,
            algorithms: algorithms.into(),
            limits: Limits::default(),
            unencoded: false,
        }
    }

    /// Replaces the default [`Limits`].
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Accepts JWSs with an unencoded payload (`"b64": false` listed in `crit`, RFC 7797). Off by
    /// default: such a JWS is rejected with [`JwsError::UnencodedPayload`].
    #[must_use]
    pub fn allow_unencoded_payload(mut self) -> Self {
        self.unencoded = true;
        self
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The header checks before any key is touched: allow-list and `b64` policy.
    pub(crate) fn check_header(&self, header: &Header) -> Result<(), JwsError> {
        if !self.algorithms.contains(header.algorithm()) {
            return Err(JwsError::AlgorithmNotAllowed(header.algorithm()));
        }
        if !header.is_payload_encoded() && !self.unencoded {
            return Err(JwsError::UnencodedPayload("not allowed by this verifier"));
        }
        Ok(())
    }

    pub(crate) fn key(&self, header: &Header) -> Result<&Jwk, JwsError> {
        let key = self.keys.key_for(header.kid(), header.algorithm())?;
        // Whatever the source returned, the binding is checked here once more.
        key.check_binding(header.algorithm(), false)?;
        Ok(key)
    }

    /// Verifies a compact JWS (RFC 7515 §7.1).
    ///
    /// # Errors
    ///
    /// A [`JwsError`] saying exactly which check failed (show the peer only
    /// [`Error::peer_error`](crate::Error::peer_error)).
    pub fn verify_compact(&self, token: &str) -> Result<VerifiedJws, JwsError> {
        let parts = split_compact(token, &self.limits)?;
        let header = decode_header(parts.header, &self.limits)?;
        self.check_header(&header)?;
        let key = self.key(&header)?;
        verify_signature(
            key,
            header.algorithm(),
            parts.signing_input,
            parts.signature,
        )?;
        let payload = if header.is_payload_encoded() {
            parts
                .decoded_payload
                .ok_or(JwsError::InvalidBase64(Part::Payload))?
        } else {
            parts.payload.to_vec()
        };
        Ok(VerifiedJws { header, payload })
    }

    /// Verifies a compact JWS with detached content (RFC 7515 Appendix F): the payload part of
    /// `token` is empty and `payload` is the content, raw (it is base64url-encoded here unless the
    /// header says `"b64": false`, RFC 7797).
    ///
    /// # Errors
    ///
    /// As [`verify_compact`](JwsVerifier::verify_compact), and
    /// [`JwsError::Malformed`] when the token's payload part is not empty.
    pub fn verify_compact_detached(
        &self,
        token: &str,
        payload: &[u8],
    ) -> Result<VerifiedJws, JwsError> {
        let parts = split_compact(token, &self.limits)?;
        if !parts.payload.is_empty() {
            return Err(JwsError::Malformed(
                "a detached JWS has an empty payload part",
            ));
        }
        let header = decode_header(parts.header, &self.limits)?;
        self.check_header(&header)?;
        let key = self.key(&header)?;
        let mut input =
            Vec::with_capacity(parts.header.len() + 1 + base64url::encoded_len(payload.len()));
        input.extend_from_slice(parts.header);
        input.push(b'.');
        if header.is_payload_encoded() {
            input.extend_from_slice(base64url::encode(payload).as_bytes());
        } else {
            input.extend_from_slice(payload);
        }
        verify_signature(key, header.algorithm(), &input, parts.signature)?;
        Ok(VerifiedJws {
            header,
            payload: payload.to_vec(),
        })
    }
}

/// Verifies a compact JWS with the public key in its own `jwk` header (RFC 7515 §4.1.3), as a
/// DPoP proof requires (RFC 9449 §4.3 step 8): **this proves only that the sender holds that key**.
/// The caller must then bind the key to something it trusts, e.g. compare
/// `header().embedded_jwk().thumbprint(Sha256)` with the access token's `cnf.jkt`.
///
/// The embedded key must be public and asymmetric, `alg` must be in `algorithms` and fit it, and
/// `b64: false` is refused.
///
/// # Errors
///
/// [`JwsError::EmbeddedKey`] when there is no usable `jwk`, and the errors of
/// [`JwsVerifier::verify_compact`].
pub fn verify_with_embedded_jwk(
    token: &str,
    algorithms: impl Into<AlgorithmSet>,
    limits: &Limits,
) -> Result<VerifiedJws, JwsError> {
    let algorithms = algorithms.into();
    let parts = split_compact(token, limits)?;
    let header = decode_header(parts.header, limits)?;
    if !algorithms.contains(header.algorithm()) {
        return Err(JwsError::AlgorithmNotAllowed(header.algorithm()));
    }
    if header.algorithm().is_symmetric() {
        return Err(JwsError::EmbeddedKey(
            "a symmetric algorithm cannot use an embedded key".to_owned(),
        ));
    }
    if !header.is_payload_encoded() {
        return Err(JwsError::UnencodedPayload(
            "not allowed with an embedded key",
        ));
    }
    let key = header
        .embedded_jwk()
        .ok_or_else(|| JwsError::EmbeddedKey("the header has no jwk".to_owned()))?;
    key.check_binding(header.algorithm(), false)?;
    verify_signature(
        key,
        header.algorithm(),
        parts.signing_input,
        parts.signature,
    )?;
    let payload = parts
        .decoded_payload
        .ok_or(JwsError::InvalidBase64(Part::Payload))?;
    Ok(VerifiedJws { header, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_requires_exactly_three_parts() {
        let limits = Limits::default();
        for bad in ["", "a", "a.b", "a.b.c.d", "a.b.c.", ".b.c"] {
            assert!(split_compact(bad, &limits).is_err(), "{bad}");
        }
        let parts = split_compact("h.p.s", &limits).unwrap();
        assert_eq!(
            (
                parts.header,
                parts.payload,
                parts.signature,
                parts.signing_input
            ),
            (&b"h"[..], &b"p"[..], &b"s"[..], &b"h.p"[..])
        );
    }

    #[test]
    fn the_largest_signature_decodes() {
        // An RSA-8192 signature: 1024 bytes, 1366 characters.
        let key = Jwk::from_symmetric_key(&[1; 32], Algorithm::Hs256).unwrap();
        let largest = base64url::encode(&[0x5a; MAX_SIGNATURE_LEN]);
        assert_eq!(
            verify_signature(&key, Algorithm::Hs256, b"x", largest.as_bytes()),
            Err(JwsError::InvalidSignature)
        );
        let too_long = base64url::encode(&[0x5a; MAX_SIGNATURE_LEN + 1]);
        assert_eq!(
            verify_signature(&key, Algorithm::Hs256, b"x", too_long.as_bytes()),
            Err(JwsError::InvalidSignature)
        );
        assert_eq!(
            verify_signature(&key, Algorithm::Hs256, b"x", b"A"),
            Err(JwsError::InvalidBase64(Part::Signature))
        );
    }

    #[test]
    fn length_is_checked_before_splitting() {
        let limits = Limits::default();
        let dots = ".".repeat(1_000_000);
        assert_eq!(
            split_compact(&dots, &limits).err(),
            Some(JwsError::TooLarge("token length"))
        );
    }
}
