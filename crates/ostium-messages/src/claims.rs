//! OpenID Connect claims: the `claims` request parameter (OIDC Core §5.5), the standard claims
//! (§5.1, address §5.1.1) that UserInfo (§5.3.2) and ID tokens carry, and ID token claims (§2).
//!
//! Only the claim *sets* live here: signing, verifying and validating JWTs is `ostium-jose`'s
//! work, and deciding which claims to release is the engine's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json::JsonError;

/// How one claim is requested (OIDC Core §5.5.1): `null` for "please", or this object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndividualClaimRequest {
    /// Whether the claim is essential (OIDC Core §5.5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    /// The one value asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The values asked for, in preference order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// Extension members (OIDC Core §5.5.1: "other members MAY be defined").
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Requested claims by name; `None` means the JSON `null` ("requested, default manner").
pub type ClaimRequests = BTreeMap<String, Option<IndividualClaimRequest>>;

/// The `claims` authorization request parameter (OIDC Core §5.5).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimsRequest {
    /// Claims to return from the UserInfo endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<ClaimRequests>,
    /// Claims to return in the ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<ClaimRequests>,
    /// Other members, kept (OIDC Core §5.5: unknown members are ignored by the OP).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl ClaimsRequest {
    /// Parses the parameter's JSON object.
    ///
    /// # Errors
    ///
    /// [`JsonError`] when it is not a JSON object of the §5.5 shape (`invalid_request`).
    pub fn parse(json: &str) -> Result<Self, JsonError> {
        crate::json::from_slice(json.as_bytes())
    }

    /// The compact JSON form, for the `claims` parameter.
    pub fn to_json_string(&self) -> String {
        String::from_utf8(crate::json::to_vec(self)).unwrap_or_default()
    }

    /// Whether `name` is requested as essential for the ID token or UserInfo.
    pub fn is_essential(&self, name: &str) -> bool {
        [&self.userinfo, &self.id_token]
            .into_iter()
            .flatten()
            .filter_map(|requests| requests.get(name))
            .any(|request| request.as_ref().and_then(|r| r.essential) == Some(true))
    }
}

/// The `address` claim (OIDC Core §5.1.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Full mailing address, formatted for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street address (may hold newlines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City or locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State, province, prefecture or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Zip or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The standard claims (OIDC Core §5.1), every one optional, plus any others.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StandardClaims {
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name(s) or first name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Surname(s) or last name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Casual name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Shorthand name the user wishes to be referred to by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Profile page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Profile picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Web page or blog URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Preferred e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the e-mail address was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// Gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Birthday, `YYYY-MM-DD` or `YYYY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    /// Time zone (zoneinfo name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoneinfo: Option<String>,
    /// Locale (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Preferred telephone number (E.164 recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Whether the phone number was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_verified: Option<bool>,
    /// Postal address (§5.1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Time the information was last updated, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    /// Any other claims.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A UserInfo response (OIDC Core §5.3.2): `sub` always, then the released claims.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Subject identifier; must equal the ID token's `sub` (OIDC Core §5.3.2).
    pub sub: String,
    /// The released claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

impl UserInfo {
    /// Parses a JSON UserInfo response.
    ///
    /// # Errors
    ///
    /// [`JsonError`] when `sub` is missing or a claim has the wrong type.
    pub fn parse_json(body: &[u8]) -> Result<Self, JsonError> {
        let info: Self = crate::json::from_slice(body)?;
        if info.sub.is_empty() || info.sub.len() > 255 {
            return Err(JsonError::Invalid("sub must be 1 to 255 characters".into()));
        }
        Ok(info)
    }

    /// Parses a UserInfo response as a client, tolerating what `leniency` names (booleans sent
    /// as `"true"`/`"false"`).
    ///
    /// # Errors
    ///
    /// [`JsonError`].
    pub fn parse_json_lenient(
        body: &[u8],
        leniency: crate::token::Leniency,
    ) -> Result<Self, JsonError> {
        let mut object: serde_json::Map<String, Value> = crate::json::from_slice(body)?;
        if leniency.booleans_as_strings {
            for name in ["email_verified", "phone_number_verified"] {
                if let Some(slot) = object.get_mut(name) {
                    match slot.as_str() {
                        Some("true") => *slot = Value::Bool(true),
                        Some("false") => *slot = Value::Bool(false),
                        _ => {}
                    }
                }
            }
        }
        let body = crate::json::to_vec(&object);
        Self::parse_json(&body)
    }

    /// The JSON response with its no-store headers (OIDC Core §5.3.2).
    pub fn to_response(&self) -> crate::response::HttpResponse {
        crate::response::HttpResponse::json(200, self)
    }
}

/// An audience: one string or several (RFC 7519 §4.1.3). One is written as a string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `value` is among the audiences.
    pub fn contains(&self, value: &str) -> bool {
        match self {
            Self::One(one) => one == value,
            Self::Many(many) => many.iter().any(|a| a == value),
        }
    }
}

/// ID token claims (OIDC Core §2, §3.1.3.6, §3.2.2.10, §3.3.2.11; Front/Back-Channel `sid`),
/// plus standard claims. Signing and validation belong to `ostium-jose` and the client crate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer identifier.
    pub iss: String,
    /// Subject identifier (at most 255 ASCII characters).
    pub sub: String,
    /// Audience(s); contains the `client_id`.
    pub aud: Audience,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Time of the end-user authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// The request's `nonce`, unmodified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authentication context class reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// Authentication methods references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
    /// Authorized party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Access token hash (§3.2.2.10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Code hash (§3.3.2.11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_hash: Option<String>,
    /// Session ID (Front-Channel Logout §3, Back-Channel Logout §2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Standard and other claims.
    #[serde(flatten)]
    pub claims: StandardClaims,
}

impl IdTokenClaims {
    /// Parses an ID token payload (the JSON that `ostium-jose` returns once the signature is
    /// verified).
    ///
    /// # Errors
    ///
    /// [`JsonError`] for a payload without the required claims or with wrong types.
    pub fn parse_json(payload: &[u8]) -> Result<Self, JsonError> {
        let claims: Self = crate::json::from_slice(payload)?;
        // OIDC Core §2: `sub` is at most 255 ASCII characters.
        if claims.sub.is_empty() || claims.sub.len() > 255 || !claims.sub.is_ascii() {
            return Err(JsonError::Invalid(
                "sub must be 1 to 255 ASCII characters".into(),
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_core_5_5_example_parses() {
        // OIDC Core §5.5, the non-normative example.
        let json = r#"{
            "userinfo": {
                "given_name": {"essential": true},
                "nickname": null,
                "email": {"essential": true},
                "email_verified": {"essential": true},
                "picture": null,
                "http://example.info/claims/groups": null
            },
            "id_token": {
                "auth_time": {"essential": true},
                "acr": {"values": ["urn:mace:incommon:iap:silver"]}
            }
        }"#;
        let request = ClaimsRequest::parse(json).unwrap();
        assert!(request.is_essential("email"));
        assert!(request.is_essential("auth_time"));
        assert!(!request.is_essential("nickname"));
        let userinfo = request.userinfo.as_ref().unwrap();
        assert_eq!(userinfo.get("picture"), Some(&None));
        let reparsed = ClaimsRequest::parse(&request.to_json_string()).unwrap();
        assert_eq!(reparsed, request);
        assert!(ClaimsRequest::parse("[1]").is_err());
        assert!(ClaimsRequest::parse(r#"{"userinfo": 3}"#).is_err());
    }

    #[test]
    fn req_51_userinfo_always_has_sub() {
        // OIDC Core §5.3.2 example.
        let body = br#"{"sub":"248289761001","name":"Jane Doe","given_name":"Jane",
            "family_name":"Doe","preferred_username":"j.doe","email":"janedoe@example.com",
            "picture":"http://example.com/janedoe/me.jpg"}"#;
        let info = UserInfo::parse_json(body).unwrap();
        assert_eq!(info.sub, "248289761001");
        assert_eq!(info.claims.given_name.as_deref(), Some("Jane"));
        assert!(UserInfo::parse_json(br#"{"name":"x"}"#).is_err());
        let quirky = br#"{"sub":"1","email_verified":"true","phone_number_verified":"false"}"#;
        assert!(UserInfo::parse_json(quirky).is_err());
        let lenient = UserInfo::parse_json_lenient(quirky, crate::token::Leniency::ALL).unwrap();
        assert_eq!(lenient.claims.email_verified, Some(true));
        assert_eq!(lenient.claims.phone_number_verified, Some(false));
        let response = info.to_response();
        assert_eq!(response.header("cache-control"), Some("no-store"));
        let again = UserInfo::parse_json(response.body()).unwrap();
        assert_eq!(again, info);
    }

    #[test]
    fn id_token_claims_from_oidc_core_section_2() {
        let json = r#"{"iss":"https://server.example.com","sub":"24400320","aud":"s6BhdRkqt3",
            "nonce":"n-0S6_WzA2Mj","exp":1311281970,"iat":1311280970,"auth_time":1311280969,
            "acr":"urn:mace:incommon:iap:silver"}"#;
        let claims: IdTokenClaims = serde_json::from_str(json).unwrap();
        assert!(claims.aud.contains("s6BhdRkqt3"));
        assert_eq!(claims.auth_time, Some(1_311_280_969));
        assert!(IdTokenClaims::parse_json(json.as_bytes()).is_ok());
        let long_sub = json.replace("24400320", &"x".repeat(256));
        assert!(IdTokenClaims::parse_json(long_sub.as_bytes()).is_err());
        let many: Audience = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert!(many.contains("b") && !many.contains("c"));
        assert_eq!(
            serde_json::to_string(&Audience::One("a".into())).unwrap(),
            "\"a\""
        );
    }
}
