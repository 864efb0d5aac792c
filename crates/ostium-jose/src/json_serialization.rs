//! Verification of the JWS JSON serializations, general and flattened (RFC 7515 §7.2, RFC 7520
//! §4).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::base64url;
use crate::error::{JwsError, Part};
use crate::header::{Finished, HeaderJson, HeaderSeed, RawHeader, header_error};
use crate::keys::KeySource;
use crate::strict_json::{DuplicateGuard, NameSeed, Problem, Stash, StrSeed, StrictIgnore, fail};
use crate::verify::{JwsVerifier, VerifiedJws, verify_signature};

/// One signature object (or the flattened top level) as read.
#[derive(Default)]
struct RawSignature<'de> {
    protected: Option<Cow<'de, str>>,
    header: Option<(RawHeader<'de>, DuplicateGuard<'de>)>,
    signature: Option<Cow<'de, str>>,
}

#[derive(Default)]
struct RawDocument<'de> {
    payload: Option<Cow<'de, str>>,
    signatures: Option<Vec<RawSignature<'de>>>,
    flattened: RawSignature<'de>,
    has_flattened: bool,
}

struct DocumentSeed<'s> {
    stash: &'s mut Stash,
    depth: usize,
    max_signatures: usize,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = RawDocument<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

/// Reads a signature member (`protected`, `header`, `signature`) into `target`; `false` when
/// `name` is not one.
fn signature_member<'de, A: MapAccess<'de>>(
    name: &str,
    target: &mut RawSignature<'de>,
    map: &mut A,
    stash: &mut Stash,
    depth: usize,
) -> Result<bool, A::Error> {
    match name {
        "protected" => {
            target.protected = Some(map.next_value_seed(StrSeed {
                stash,
                name: "protected",
            })?);
        }
        "signature" => {
            target.signature = Some(map.next_value_seed(StrSeed {
                stash,
                name: "signature",
            })?);
        }
        "header" => {
            let mut guard = DuplicateGuard::new();
            let header = map.next_value_seed(HeaderSeed {
                stash,
                guard: &mut guard,
                depth,
            })?;
            target.header = Some((header, guard));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = RawDocument<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWS JSON serialization object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let stash = self.stash;
        let mut doc = RawDocument::default();
        let mut guard = DuplicateGuard::new();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            guard.check(&name, stash)?;
            match &*name {
                "payload" => {
                    doc.payload = Some(map.next_value_seed(StrSeed {
                        stash: &mut *stash,
                        name: "payload",
                    })?);
                }
                "signatures" => {
                    doc.signatures = Some(map.next_value_seed(SignaturesSeed {
                        stash: &mut *stash,
                        depth: self.depth,
                        max: self.max_signatures,
                    })?);
                }
                other => {
                    if signature_member(other, &mut doc.flattened, &mut map, stash, self.depth)? {
                        doc.has_flattened = true;
                    } else {
                        map.next_value_seed(StrictIgnore {
                            stash: &mut *stash,
                            depth: self.depth,
                        })?;
                    }
                }
            }
        }
        Ok(doc)
    }
}

struct SignaturesSeed<'s> {
    stash: &'s mut Stash,
    depth: usize,
    max: usize,
}

impl<'de> DeserializeSeed<'de> for SignaturesSeed<'_> {
    type Value = Vec<RawSignature<'de>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SignaturesSeed<'_> {
    type Value = Vec<RawSignature<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of signature objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut all = Vec::new();
        while let Some(signature) = seq.next_element_seed(SignatureSeed {
            stash: &mut *self.stash,
            depth: self.depth,
        })? {
            if all.len() == self.max {
                return Err(fail(
                    self.stash,
                    Problem::Invalid("signatures", "too many signatures"),
                ));
            }
            all.push(signature);
        }
        Ok(all)
    }
}

struct SignatureSeed<'s> {
    stash: &'s mut Stash,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for SignatureSeed<'_> {
    type Value = RawSignature<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SignatureSeed<'_> {
    type Value = RawSignature<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a signature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let stash = self.stash;
        let mut signature = RawSignature::default();
        let mut guard = DuplicateGuard::new();
        while let Some(name) = map.next_key_seed(NameSeed)? {
            guard.check(&name, stash)?;
            if !signature_member(&name, &mut signature, &mut map, stash, self.depth)? {
                map.next_value_seed(StrictIgnore {
                    stash: &mut *stash,
                    depth: self.depth,
                })?;
            }
        }
        Ok(signature)
    }
}

/// Whether a per-signature failure only disqualifies that signature (RFC 7515 §7.2.1: the
/// application decides which signatures must verify; this crate requires one).
fn skippable(error: &JwsError) -> bool {
    matches!(
        error,
        JwsError::UnsupportedAlgorithm(_)
            | JwsError::AlgorithmNotAllowed(_)
            | JwsError::NoMatchingKey
            | JwsError::KeyAlgorithmMismatch(_)
            | JwsError::KeyUsageNotPermitted
            | JwsError::InvalidSignature
    )
}

impl<K: KeySource> JwsVerifier<K> {
    /// Verifies a JWS in the general or flattened JSON serialization (RFC 7515 §7.2).
    ///
    /// It verifies when at least one signature verifies with an allowed algorithm and a key from
    /// the key source; that signature's merged header is returned. Signatures with unsupported or
    /// disallowed algorithms or without a matching key are skipped (RFC 7520 §4.8 mixes RS256,
    /// ES512 and HS256); any structural fault in any signature (bad base64url, duplicate or
    /// overlapping header members, `crit` problems, `alg: none`) rejects the whole JWS. The
    /// protected and unprotected headers must be disjoint (RFC 7515 §7.2.1), and `crit` and `b64`
    /// must be protected.
    ///
    /// # Errors
    ///
    /// A [`JwsError`]; when no signature verifies, the error of the last one tried.
    pub fn verify_json(&self, json: &str) -> Result<VerifiedJws, JwsError> {
        self.verify_json_inner(json, None)
    }

    /// Verifies a JWS JSON serialization with detached content (RFC 7515 Appendix F): the
    /// document has no `payload` member and `payload` is the content, raw.
    ///
    /// # Errors
    ///
    /// As [`verify_json`](JwsVerifier::verify_json), and [`JwsError::Malformed`] when the
    /// document has a `payload`.
    pub fn verify_json_detached(
        &self,
        json: &str,
        payload: &[u8],
    ) -> Result<VerifiedJws, JwsError> {
        self.verify_json_inner(json, Some(payload))
    }

    fn verify_json_inner(
        &self,
        json: &str,
        detached: Option<&[u8]>,
    ) -> Result<VerifiedJws, JwsError> {
        let limits = *self.limits();
        if json.len() > limits.max_token_len {
            return Err(JwsError::TooLarge("token length"));
        }
        let mut stash = None;
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let doc = DocumentSeed {
            stash: &mut stash,
            depth: limits.max_depth,
            max_signatures: limits.max_signatures,
        }
        .deserialize(&mut deserializer)
        .and_then(|doc| deserializer.end().map(|()| doc))
        .map_err(|e| match stash.take() {
            Some(Problem::Invalid("signatures", _)) => JwsError::TooLarge("number of signatures"),
            Some(Problem::Invalid(member @ ("payload" | "protected" | "signature"), _)) => {
                JwsError::Malformed(match member {
                    "payload" => "\"payload\" must be a string",
                    "protected" => "\"protected\" must be a string",
                    _ => "\"signature\" must be a string",
                })
            }
            other => header_error(other, &e),
        })?;
        let RawDocument {
            payload,
            signatures,
            flattened,
            has_flattened,
        } = doc;
        let signatures = match (signatures, has_flattened) {
            (Some(_), true) => {
                return Err(JwsError::Malformed("both general and flattened members"));
            }
            (Some(all), false) if all.is_empty() => {
                return Err(JwsError::Malformed("no signatures"));
            }
            (Some(all), false) => all,
            (None, true) => vec![flattened],
            (None, false) => {
                return Err(JwsError::Malformed(
                    "neither \"signatures\" nor \"signature\"",
                ));
            }
        };
        let payload_text: &[u8] = match (&payload, detached) {
            (Some(text), None) => text.as_bytes(),
            (None, Some(_)) => &[],
            (Some(_), Some(_)) => {
                return Err(JwsError::Malformed("a detached JWS has no \"payload\""));
            }
            (None, None) => return Err(JwsError::Malformed("missing \"payload\"")),
        };

        let mut last_error = JwsError::NoMatchingKey;
        let mut encoded: Option<bool> = None;
        let mut verified = None;
        for raw in signatures {
            let protected_b64 = raw.protected.as_deref().unwrap_or("");
            let signature_b64 = raw
                .signature
                .as_deref()
                .ok_or(JwsError::Malformed("missing \"signature\""))?;
            if raw.protected.is_none() && raw.header.is_none() {
                return Err(JwsError::Malformed("a signature without any header"));
            }
            if protected_b64.len() > limits.max_header_len {
                return Err(JwsError::TooLarge("protected header length"));
            }
            let protected_json = if raw.protected.is_some() {
                let bytes = base64url::decode(protected_b64.as_bytes())
                    .ok_or(JwsError::InvalidBase64(Part::Header))?;
                String::from_utf8(bytes)
                    .map_err(|_| JwsError::InvalidHeader("not UTF-8".to_owned()))?
            } else {
                String::new()
            };
            let (unprotected, unprotected_names) = match raw.header {
                Some((header, names)) => (Some(header), Some(names)),
                None => (None, None),
            };
            let header = {
                let mut guard = DuplicateGuard::new();
                let protected = if raw.protected.is_some() {
                    let mut stash = None;
                    let mut de = serde_json::Deserializer::from_str(&protected_json);
                    HeaderSeed {
                        stash: &mut stash,
                        guard: &mut guard,
                        depth: limits.max_depth,
                    }
                    .deserialize(&mut de)
                    .and_then(|h| de.end().map(|()| h))
                    .map_err(|e| header_error(stash.take(), &e))?
                } else {
                    RawHeader::default()
                };
                if let Some(names) = &unprotected_names
                    && let Some(name) = names.overlap(&guard)
                {
                    return Err(JwsError::DuplicateMember(format!(
                        "{name} (in both headers)"
                    )));
                }
                match Finished::from_raw(protected, unprotected, protected_json.as_bytes()) {
                    Ok(finished) => finished.into_header(HeaderJson::Heap(protected_json)),
                    // A signature with an algorithm this crate lacks (RFC 7520 §4.8's ES512) is
                    // skipped, not fatal: another signature may verify.
                    Err(error @ JwsError::UnsupportedAlgorithm(_)) => {
                        last_error = error;
                        continue;
                    }
                    Err(error) => return Err(error),
                }
            };
            // RFC 7797 §3: b64 must be the same in every signature.
            if encoded
                .replace(header.is_payload_encoded())
                .is_some_and(|e| e != header.is_payload_encoded())
            {
                return Err(JwsError::UnencodedPayload("signatures disagree about b64"));
            }
            let attempt = self.check_header(&header).and_then(|()| {
                let key = self.key(&header)?;
                let mut input = Vec::with_capacity(protected_b64.len() + 1 + payload_text.len());
                input.extend_from_slice(protected_b64.as_bytes());
                input.push(b'.');
                match detached {
                    Some(content) if header.is_payload_encoded() => {
                        input.extend_from_slice(base64url::encode(content).as_bytes());
                    }
                    Some(content) => input.extend_from_slice(content),
                    None => input.extend_from_slice(payload_text),
                }
                verify_signature(key, header.algorithm(), &input, signature_b64.as_bytes())
            });
            match attempt {
                Ok(()) => {
                    if verified.is_none() {
                        verified = Some(header);
                    }
                }
                Err(error) if skippable(&error) => last_error = error,
                Err(error) => return Err(error),
            }
        }
        let header = verified.ok_or(last_error)?;
        let payload = match detached {
            Some(content) => content.to_vec(),
            None if header.is_payload_encoded() => {
                base64url::decode(payload_text).ok_or(JwsError::InvalidBase64(Part::Payload))?
            }
            None => payload_text.to_vec(),
        };
        Ok(VerifiedJws { header, payload })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, Jwk};

    fn key() -> Jwk {
        Jwk::from_json(r#"{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}"#).unwrap()
    }

    const PAYLOAD: &str = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4";

    #[test]
    fn rfc7520_4_6_unprotected_kid() {
        let json = format!(
            r#"{{"payload":"{PAYLOAD}","protected":"eyJhbGciOiJIUzI1NiJ9","header":{{"kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037"}},"signature":"bWUSVaxorn7bEF1djytBd0kHv70Ly5pvbomzMWSOr20"}}"#
        );
        let k = key();
        let v = JwsVerifier::new(&k, Algorithm::Hs256)
            .verify_json(&json)
            .unwrap();
        assert_eq!(
            v.header().kid(),
            Some("018c0ae5-4d9b-471b-bfd6-eef314bc7037")
        );
        assert!(
            v.payload()
                .starts_with("It’s a dangerous business".as_bytes())
        );
    }

    #[test]
    fn overlapping_headers_and_unprotected_crit_are_rejected() {
        let k = key();
        let verifier = JwsVerifier::new(&k, Algorithm::Hs256);
        let overlap = format!(
            r#"{{"payload":"{PAYLOAD}","protected":"eyJhbGciOiJIUzI1NiJ9","header":{{"alg":"HS256"}},"signature":"bWUSVaxorn7bEF1djytBd0kHv70Ly5pvbomzMWSOr20"}}"#
        );
        assert!(matches!(
            verifier.verify_json(&overlap),
            Err(JwsError::DuplicateMember(_))
        ));
        let crit = format!(
            r#"{{"payload":"{PAYLOAD}","protected":"eyJhbGciOiJIUzI1NiJ9","header":{{"crit":["b64"],"b64":true}},"signature":"bWUSVaxorn7bEF1djytBd0kHv70Ly5pvbomzMWSOr20"}}"#
        );
        assert_eq!(
            verifier.verify_json(&crit).err(),
            Some(JwsError::Critical(crate::CritError::Unprotected))
        );
    }

    #[test]
    fn structure_errors() {
        let k = key();
        let verifier = JwsVerifier::new(&k, Algorithm::Hs256);
        for (json, why) in [
            (r#"{"payload":"e30"}"#, "neither"),
            (r#"{"payload":"e30","signatures":[]}"#, "no signatures"),
            (
                r#"{"payload":"e30","signatures":[{"signature":"AA"}],"signature":"AA"}"#,
                "both",
            ),
            (
                r#"{"signatures":[{"protected":"eyJhbGciOiJIUzI1NiJ9","signature":"AA"}]}"#,
                "missing payload",
            ),
            (
                r#"{"payload":"e30","signatures":[{"protected":"eyJhbGciOiJIUzI1NiJ9"}]}"#,
                "missing signature",
            ),
            (
                r#"{"payload":"e30","signatures":[{"signature":"AA"}]}"#,
                "no header",
            ),
        ] {
            assert!(
                matches!(verifier.verify_json(json), Err(JwsError::Malformed(_))),
                "{why}"
            );
        }
        assert!(matches!(
            verifier.verify_json(r#"{"payload":"e30","payload":"e30"}"#),
            Err(JwsError::DuplicateMember(_))
        ));
        let many = [r#"{"protected":"eyJhbGciOiJIUzI1NiJ9","signature":"AA"}"#; 9].join(",");
        assert_eq!(
            verifier
                .verify_json(&format!(r#"{{"payload":"e30","signatures":[{many}]}}"#))
                .err(),
            Some(JwsError::TooLarge("number of signatures"))
        );
    }
}
