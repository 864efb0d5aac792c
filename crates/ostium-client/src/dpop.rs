//! DPoP proofs (RFC 9449): the client's proof-of-possession JWT for token and resource requests.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ostium_jose::{Algorithm, HashAlgorithm, Jwk, Signer, SigningHeader};
use ostium_messages::response::header;
use ostium_messages::{AccessToken, JwkThumbprint};
use ostium_rand::SecureRng;
use serde::Serialize;
use time::OffsetDateTime;

use crate::error::ClientError;
use crate::http::{Method, OutboundRequest};
use crate::random::random_b64url;

/// A DPoP key pair and the algorithm it signs proofs with (RFC 9449 §4.2).
///
/// Asymmetric only (`ES256`, `ES384`, `EdDSA`, `PS*`, `RS*`; servers following FAPI 2.0 accept
/// `ES256`, `PS256` and `EdDSA`). Its thumbprint is the `dpop_jkt` authorization request
/// parameter (RFC 9449 §10) and the `cnf.jkt` of the tokens bound to it (§6.1).
#[derive(Clone, Debug)]
pub struct DpopKey {
    key: Jwk,
    algorithm: Algorithm,
    thumbprint: JwkThumbprint,
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: &'a str,
    htm: &'a str,
    htu: &'a str,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

impl DpopKey {
    /// Uses `key` (private, asymmetric) to sign proofs with `algorithm`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] for a symmetric algorithm or a public key;
    /// [`ClientError::Signing`] when the key does not fit the algorithm.
    pub fn new(key: Jwk, algorithm: Algorithm) -> Result<Self, ClientError> {
        if algorithm.is_symmetric() {
            return Err(ClientError::Misuse(
                "a DPoP key must be asymmetric (RFC 9449 §4.2)",
            ));
        }
        if !key.is_private() {
            return Err(ClientError::Misuse("a DPoP key must hold its private part"));
        }
        // Checks the key/algorithm binding and that the public key embeds, once.
        let header = SigningHeader::new(algorithm)
            .typ("dpop+jwt")
            .embed_public_key(&key)?;
        Signer::new(&key, &header)?;
        let thumbprint = thumbprint_of(&key)?;
        Ok(Self {
            key,
            algorithm,
            thumbprint,
        })
    }

    /// Generates a fresh key for `algorithm` (`ES256`, `ES384` or `EdDSA`) from `rng`.
    ///
    /// # Errors
    ///
    /// [`ClientError::Signing`] for an algorithm ring cannot generate keys for (RSA, HMAC),
    /// [`ClientError::Random`] when `rng` fails.
    pub fn generate(
        algorithm: Algorithm,
        rng: &mut (impl SecureRng + ?Sized),
    ) -> Result<Self, ClientError> {
        let key = Jwk::generate(algorithm, rng).map_err(|e| match e {
            ostium_jose::KeyError::Random => ClientError::Random,
            other => ClientError::Signing(other.into()),
        })?;
        Self::new(key, algorithm)
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The RFC 7638 SHA-256 thumbprint of the public key: `dpop_jkt` (RFC 9449 §10) and the
    /// expected `cnf.jkt` of bound tokens (§6.1).
    pub fn thumbprint(&self) -> &JwkThumbprint {
        &self.thumbprint
    }

    /// The public key, as embedded in each proof.
    ///
    /// # Errors
    ///
    /// [`ClientError::Signing`] if the key has no public form (never for a key accepted by
    /// [`new`](Self::new)).
    pub fn public_key(&self) -> Result<Jwk, ClientError> {
        Ok(self.key.to_public()?)
    }

    /// A proof for a request (RFC 9449 §4.2): `typ` `dpop+jwt`, the public key in `jwk`, and
    /// claims `jti` (128 random bits), `htm`, `htu` (the URL without query and fragment), `iat`
    /// (`now`), `ath` (base64url SHA-256 of the access token, for resource requests, §7.1) and
    /// `nonce` (the server's latest `DPoP-Nonce`, §8, §9).
    ///
    /// # Errors
    ///
    /// [`ClientError::Misuse`] when `url` is not an absolute URL; [`ClientError::Random`];
    /// [`ClientError::Signing`].
    pub fn proof(
        &self,
        method: Method,
        url: &str,
        access_token: Option<&AccessToken>,
        nonce: Option<&str>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<String, ClientError> {
        let htu = target_uri(url)?;
        let jti = random_b64url(rng, 16)?;
        let claims = ProofClaims {
            jti: &jti,
            htm: method.as_str(),
            htu: &htu,
            iat: now.unix_timestamp(),
            ath: access_token.map(access_token_hash),
            nonce,
        };
        let header = SigningHeader::new(self.algorithm)
            .typ("dpop+jwt")
            .embed_public_key(&self.key)?;
        Ok(Signer::new(&self.key, &header)?.sign_json(&claims)?)
    }
}

impl OutboundRequest {
    /// Adds a `DPoP` header with a proof for this request's method and URL (RFC 9449 §4.1):
    /// pass the access token for a resource request (`ath`, §7.1) and the server's latest
    /// `DPoP-Nonce`, if it sent one (§8, §9). A server may send a new nonce with any answer,
    /// successes included (§8.2): keep the latest per server. Token responses hand it over in
    /// [`TokenSet::dpop_nonce`](crate::TokenSet::dpop_nonce); from any other response read
    /// `response.header(header::DPOP_NONCE)` (`ostium_messages::response::header`). An error
    /// demanding one comes back as a `RetryWithDpopNonce` step.
    ///
    /// # Errors
    ///
    /// As [`DpopKey::proof`].
    pub fn with_dpop_proof(
        self,
        key: &DpopKey,
        access_token: Option<&AccessToken>,
        nonce: Option<&str>,
        rng: &mut (impl SecureRng + ?Sized),
        now: OffsetDateTime,
    ) -> Result<Self, ClientError> {
        let proof = key.proof(self.method(), self.url(), access_token, nonce, rng, now)?;
        Ok(self.with_header(header::DPOP, proof))
    }
}

/// RFC 9449 §4.2 `htu`: the target URI without query and fragment.
fn target_uri(url: &str) -> Result<String, ClientError> {
    let mut parsed = url::Url::parse(url)
        .map_err(|_| ClientError::Misuse("a DPoP proof needs an absolute request URL"))?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    Ok(parsed.into())
}

/// RFC 9449 §4.2 `ath`: base64url(SHA-256(ASCII(access token))).
pub(crate) fn access_token_hash(token: &AccessToken) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_str().as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

fn thumbprint_of(key: &Jwk) -> Result<JwkThumbprint, ClientError> {
    JwkThumbprint::parse(&key.thumbprint(HashAlgorithm::Sha256).to_base64url())
        .map_err(|_| ClientError::Misuse("the key's thumbprint is not a SHA-256 digest"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ostium_testkit::SeededRng;

    #[test]
    fn rfc_9449_section_7_1_ath() {
        let vector = ostium_testkit::vectors::load("rfc9449_dpop");
        let request = &vector["resource_request"];
        let token = AccessToken::parse(request["access_token"].as_str().unwrap()).unwrap();
        assert_eq!(access_token_hash(&token), request["ath"].as_str().unwrap());
    }

    #[test]
    fn rfc_9449_section_6_1_jkt() {
        let vector = ostium_testkit::vectors::load("rfc9449_dpop");
        let public = Jwk::from_json(&vector["example_public_jwk"].to_string()).unwrap();
        let jkt = public.thumbprint(HashAlgorithm::Sha256).to_base64url();
        assert_eq!(jkt, vector["jkt"]["value"].as_str().unwrap());
    }

    #[test]
    fn htu_drops_query_and_fragment() {
        assert_eq!(
            target_uri("https://rs.example/a/b?x=1#f").unwrap(),
            "https://rs.example/a/b"
        );
        assert!(target_uri("/relative").is_err());
    }

    #[test]
    fn symmetric_and_public_keys_are_refused() {
        let mut rng = SeededRng::new(3);
        let hmac = Jwk::generate(Algorithm::Hs256, &mut rng).unwrap();
        assert!(matches!(
            DpopKey::new(hmac, Algorithm::Hs256),
            Err(ClientError::Misuse(_))
        ));
        let ec = Jwk::generate(Algorithm::Es256, &mut rng).unwrap();
        assert!(matches!(
            DpopKey::new(ec.to_public().unwrap(), Algorithm::Es256),
            Err(ClientError::Misuse(_))
        ));
        assert!(matches!(
            DpopKey::new(ec, Algorithm::EdDsa),
            Err(ClientError::Signing(_))
        ));
    }
}
