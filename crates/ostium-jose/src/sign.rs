//! JWS signing in the compact serialization (RFC 7515 §5.1, §7.1).

use serde::Serialize;

use crate::algorithm::{Algorithm, KeyFamily};
use crate::base64url;
use crate::crypto::MAX_SIGNATURE_LEN;
use crate::error::{JwsError, KeyError};
use crate::header::{Header, parse_protected};
use crate::jwk::{Jwk, Kid};
use crate::limits::Limits;

/// The protected header of a JWS to sign (RFC 7515 §4.1).
#[derive(Clone, Debug)]
pub struct SigningHeader {
    alg: Algorithm,
    typ: Option<String>,
    kid: Option<Kid>,
    cty: Option<String>,
    jwk: Option<Jwk>,
    unencoded: bool,
}

impl SigningHeader {
    /// A header with `alg` only.
    pub fn new(algorithm: Algorithm) -> Self {
        SigningHeader {
            alg: algorithm,
            typ: None,
            kid: None,
            cty: None,
            jwk: None,
            unencoded: false,
        }
    }

    /// Sets `typ` (explicit typing, RFC 8725 §3.11), e.g. `"JWT"`, `"at+jwt"`, `"dpop+jwt"`.
    #[must_use]
    pub fn typ(mut self, typ: &str) -> Self {
        self.typ = Some(typ.to_owned());
        self
    }

    /// Sets `kid`.
    #[must_use]
    pub fn kid(mut self, kid: Kid) -> Self {
        self.kid = Some(kid);
        self
    }

    /// Sets `cty` (RFC 7515 §4.1.10).
    #[must_use]
    pub fn content_type(mut self, cty: &str) -> Self {
        self.cty = Some(cty.to_owned());
        self
    }

    /// Embeds the signer's public key as `jwk` (for DPoP proofs, RFC 9449 §4.2). Private members
    /// are never embedded: the key's public form is used.
    ///
    /// # Errors
    ///
    /// [`KeyError::Rejected`] for a symmetric key.
    pub fn embed_public_key(mut self, key: &Jwk) -> Result<Self, KeyError> {
        self.jwk = Some(key.to_public()?);
        Ok(self)
    }

    /// Signs the payload unencoded (`"b64": false`, `"crit": ["b64"]`, RFC 7797).
    #[must_use]
    pub fn unencoded_payload(mut self) -> Self {
        self.unencoded = true;
        self
    }

    /// The header JSON, members in a fixed order.
    fn to_json(&self) -> String {
        let mut out = String::with_capacity(64);
        out.push_str("{\"alg\":\"");
        out.push_str(self.alg.name());
        out.push('"');
        let mut member = |name: &str, value: &str| {
            out.push_str(",\"");
            out.push_str(name);
            out.push_str("\":");
            // A string always serializes.
            out.push_str(&serde_json::to_string(value).unwrap_or_default());
        };
        if let Some(typ) = &self.typ {
            member("typ", typ);
        }
        if let Some(cty) = &self.cty {
            member("cty", cty);
        }
        if let Some(kid) = &self.kid {
            member("kid", kid.as_str());
        }
        if let Some(jwk) = &self.jwk {
            out.push_str(",\"jwk\":");
            out.push_str(&jwk.to_json());
        }
        if self.unencoded {
            out.push_str(",\"b64\":false,\"crit\":[\"b64\"]");
        }
        out.push('}');
        out
    }
}

/// Signs JWSs with one key and one protected header, encoded once (RFC 7515 §5.1).
///
/// ```
/// use ostium_jose::{Algorithm, Jwk, JwsVerifier, Signer, SigningHeader};
/// use ostium_testkit::SeededRng;
///
/// let key = Jwk::generate(Algorithm::EdDsa, &mut SeededRng::new(1))?;
/// let signer = Signer::new(&key, &SigningHeader::new(Algorithm::EdDsa).typ("JWT"))?;
/// let token = signer.sign(b"{\"sub\":\"alice\"}")?;
/// let verified = JwsVerifier::new(&key, Algorithm::EdDsa).verify_compact(&token)?;
/// assert_eq!(verified.payload(), b"{\"sub\":\"alice\"}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Signer<'k> {
    key: &'k Jwk,
    header: Header,
    encoded_header: String,
}

impl<'k> Signer<'k> {
    /// A signer for `key` with `header`.
    ///
    /// # Errors
    ///
    /// [`JwsError::KeyAlgorithmMismatch`] when the key is not bound to (or cannot compute) the
    /// header's algorithm, [`JwsError::KeyUsageNotPermitted`] when its `use`/`key_ops` forbid
    /// signing, [`JwsError::Key`] with [`KeyError::NotPrivate`] for a public key.
    pub fn new(key: &'k Jwk, header: &SigningHeader) -> Result<Self, JwsError> {
        Signer::with_protected_header(key, &header.to_json())
    }

    /// A signer using `protected_json` byte for byte as the protected header (for reproducing
    /// known-answer vectors whose header has particular whitespace). The header is parsed and
    /// checked like a received one.
    ///
    /// # Errors
    ///
    /// Header errors as for verification, and the errors of [`Signer::new`].
    pub fn with_protected_header(key: &'k Jwk, protected_json: &str) -> Result<Self, JwsError> {
        let limits = Limits::default();
        if protected_json.len() > limits.max_header_len {
            return Err(JwsError::TooLarge("protected header length"));
        }
        let header = parse_protected(protected_json.to_owned(), limits.max_depth)?;
        key.check_binding(header.algorithm(), true)?;
        if !key.is_private() {
            return Err(JwsError::Key(KeyError::NotPrivate));
        }
        Ok(Signer {
            key,
            encoded_header: base64url::encode(protected_json.as_bytes()),
            header,
        })
    }

    /// The protected header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Signs `payload` into a compact JWS.
    ///
    /// # Errors
    ///
    /// [`JwsError::UnencodedPayload`] when the header says `b64: false` and the payload holds a
    /// `.` or is not printable ASCII (RFC 7797 §5.2); key errors from ring.
    pub fn sign(&self, payload: &[u8]) -> Result<String, JwsError> {
        let mut out = self.start(base64url::encoded_len(payload.len()));
        if self.header.is_payload_encoded() {
            base64url::encode_to_vec(payload, &mut out);
        } else {
            check_unencoded(payload)?;
            out.extend_from_slice(payload);
        }
        self.finish(out, None)
    }

    /// Signs `payload` into a compact JWS with detached content (RFC 7515 Appendix F): the
    /// payload part is empty and the payload travels separately.
    ///
    /// # Errors
    ///
    /// Key errors from ring.
    pub fn sign_detached(&self, payload: &[u8]) -> Result<String, JwsError> {
        let out = self.start(0);
        let mut input = Vec::with_capacity(out.len() + base64url::encoded_len(payload.len()));
        input.extend_from_slice(&out);
        if self.header.is_payload_encoded() {
            base64url::encode_to_vec(payload, &mut input);
        } else {
            input.extend_from_slice(payload);
        }
        self.finish(out, Some(&input))
    }

    /// Serializes `claims` as JSON and signs it (a JWT, RFC 7519 §7.1).
    ///
    /// # Errors
    ///
    /// [`JwsError::InvalidPayload`] when `claims` does not serialize; key errors from ring.
    pub fn sign_json<T: Serialize + ?Sized>(&self, claims: &T) -> Result<String, JwsError> {
        // The claims are serialized straight into the token, after the header, and encoded there
        // in place: one buffer, sized for a typical token so that it rarely grows.
        // A kilobyte in all (room for ~600 bytes of claims) stays within the allocator's fast
        // size classes (glibc's tcache ends at 1032 bytes); larger claims grow the buffer.
        let room = 1024usize
            .saturating_sub(self.encoded_header.len() + 2 + self.signature_room())
            .max(256);
        let mut out = self.start(room);
        let start = out.len();
        crate::claims_serializer::to_writer(&mut out, claims)
            .map_err(|e| JwsError::InvalidPayload(e.to_string()))?;
        if self.header.is_payload_encoded() {
            base64url::encode_in_place(&mut out, start);
        } else {
            check_unencoded(out.get(start..).unwrap_or_default())?;
        }
        self.finish(out, None)
    }

    /// A buffer holding `encoded_header '.'`, with room for `payload_len` more bytes and the
    /// signature.
    fn start(&self, payload_len: usize) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(self.encoded_header.len() + 2 + payload_len + self.signature_room());
        out.extend_from_slice(self.encoded_header.as_bytes());
        out.push(b'.');
        out
    }

    /// The characters of the encoded signature, at most: RSA up to 4096 bits (the largest ring
    /// signs with), ECDSA P-384 for the others.
    fn signature_room(&self) -> usize {
        if self.header.algorithm().key_family() == KeyFamily::Rsa {
            base64url::encoded_len(MAX_SIGNATURE_LEN / 2)
        } else {
            base64url::encoded_len(96)
        }
    }

    /// Signs `out` (or `input`, for detached content) and appends `'.' signature`.
    fn finish(&self, mut out: Vec<u8>, input: Option<&[u8]>) -> Result<String, JwsError> {
        let algorithm = self.header.algorithm();
        let message = input.unwrap_or(&out);
        // Only RSA signatures need the large buffer, which is costlier to clear.
        let mut small = [0u8; 96];
        let mut large;
        let buffer: &mut [u8] = if algorithm.key_family() == KeyFamily::Rsa {
            large = [0u8; MAX_SIGNATURE_LEN];
            &mut large
        } else {
            &mut small
        };
        let len = self.key.sign_raw(algorithm, message, buffer)?;
        out.push(b'.');
        base64url::encode_to_vec(buffer.get(..len).unwrap_or_default(), &mut out);
        // The header and signature are base64url and the payload is base64url or checked
        // printable ASCII, so this cannot fail.
        String::from_utf8(out)
            .map_err(|_| JwsError::UnencodedPayload("an unencoded payload must be ASCII"))
    }
}

/// RFC 7797 §5.2: an unencoded payload in the compact serialization cannot contain `.`; this
/// crate also requires printable ASCII, so that the token stays text.
fn check_unencoded(payload: &[u8]) -> Result<(), JwsError> {
    if payload.iter().all(|b| b.is_ascii_graphic() || *b == b' ') && !payload.contains(&b'.') {
        Ok(())
    } else {
        Err(JwsError::UnencodedPayload(
            "an unencoded compact payload must be printable ASCII without '.' (use detached)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_json_escapes_and_orders_members() {
        let header = SigningHeader::new(Algorithm::Hs256)
            .typ("at+jwt")
            .kid(Kid::new("k\"1").unwrap())
            .unencoded_payload();
        assert_eq!(
            header.to_json(),
            r#"{"alg":"HS256","typ":"at+jwt","kid":"k\"1","b64":false,"crit":["b64"]}"#
        );
    }

    #[test]
    fn claims_of_any_size_are_encoded_in_place() {
        let key = Jwk::from_symmetric_key(&[5; 32], Algorithm::Hs256).unwrap();
        let signer = Signer::new(&key, &SigningHeader::new(Algorithm::Hs256).typ("JWT")).unwrap();
        let verifier = crate::JwsVerifier::new(&key, Algorithm::Hs256);
        // Around the buffer's first size and well beyond it, at every length modulo 3 and 6.
        for len in (0..40).chain(580..620).chain([1000, 1500, 5000]) {
            let claims = serde_json::json!({ "sub": "x".repeat(len) });
            let token = signer.sign_json(&claims).unwrap();
            let verified = verifier.verify_compact(&token).unwrap();
            assert_eq!(verified.payload(), serde_json::to_vec(&claims).unwrap());
            assert_eq!(
                token,
                signer.sign(&serde_json::to_vec(&claims).unwrap()).unwrap()
            );
        }
    }

    #[test]
    fn public_keys_cannot_sign() {
        let key = Jwk::from_json(
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        assert_eq!(
            Signer::new(&key, &SigningHeader::new(Algorithm::EdDsa)).err(),
            Some(JwsError::Key(KeyError::NotPrivate))
        );
    }

    #[test]
    fn keys_sign_only_their_algorithm() {
        let key = Jwk::from_symmetric_key(&[3; 64], Algorithm::Hs512).unwrap();
        assert_eq!(
            Signer::new(&key, &SigningHeader::new(Algorithm::Hs256)).err(),
            Some(JwsError::KeyAlgorithmMismatch(Algorithm::Hs256))
        );
        assert!(Signer::new(&key, &SigningHeader::new(Algorithm::Hs512)).is_ok());
    }
}
