//! Protocol strings as newtypes, each valid by construction (RFC 6749 Appendix A; OIDC Core).
//!
//! Secrets (`client_secret`, codes, tokens, device codes, assertions) redact themselves in
//! `Debug`; they compare with `==` only for tests and round trips: servers compare them by hash
//! in constant time (the store keeps hashes).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest value accepted for the identifier-like strings of this module, in bytes.
pub const MAX_VALUE_LEN: usize = 4096;

/// Longest token-like value (JWT access tokens, ID tokens, assertions), in bytes.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// `VSCHAR = %x20-7E` (RFC 6749 Appendix A).
pub(crate) fn is_vschar(b: u8) -> bool {
    (0x20..=0x7E).contains(&b)
}

/// Why a protocol value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueError {
    /// Empty, or longer than the limit.
    Length {
        /// What the value is (`client_id`, `state`, ...).
        what: &'static str,
    },
    /// A character outside the allowed set, at this byte offset.
    Character {
        /// What the value is.
        what: &'static str,
        /// Byte offset.
        at: usize,
    },
    /// Not of the required form; the text says which.
    Form {
        /// What the value is.
        what: &'static str,
        /// The rule.
        rule: &'static str,
    },
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length { what } => write!(f, "{what} is empty or too long"),
            Self::Character { what, at } => {
                write!(f, "{what} has a character not allowed at byte {at}")
            }
            Self::Form { what, rule } => write!(f, "{what} {rule}"),
        }
    }
}

impl std::error::Error for ValueError {}

fn check_vschar(what: &'static str, value: &str, max: usize) -> Result<(), ValueError> {
    if value.is_empty() || value.len() > max {
        return Err(ValueError::Length { what });
    }
    // A pass without an early exit, which the compiler vectorizes; the offending byte is looked
    // for only when there is one.
    if value.bytes().fold(true, |all, b| all & is_vschar(b)) {
        return Ok(());
    }
    match value.bytes().position(|b| !is_vschar(b)) {
        Some(at) => Err(ValueError::Character { what, at }),
        None => Ok(()),
    }
}

macro_rules! vschar_string {
    ($(#[$meta:meta])* $name:ident, $what:literal, $max:expr, secret = $secret:tt) => {
        vschar_string!($(#[$meta])* $name, $what, $max, secret = $secret, repr = String);
    };
    ($(#[$meta:meta])* $name:ident, $what:literal, $max:expr, secret = $secret:tt, repr = $repr:ty) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name($repr);

        impl $name {
            #[doc = concat!("Parses a `", $what, "`: 1 to ", stringify!($max), " bytes of `VSCHAR` (`%x20-7E`).")]
            ///
            /// # Errors
            ///
            /// [`ValueError`] naming the rule.
            pub fn parse(value: &str) -> Result<Self, ValueError> {
                check_vschar($what, value, $max)?;
                Ok(Self(value.into()))
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                vschar_string!(@debug $secret, self, f, $name)
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValueError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse(value)
            }
        }

        /// Checks like [`parse`](Self::parse), keeping the string's allocation (for values
        /// just minted, such as a server's new token).
        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                check_vschar($what, &value, $max)?;
                Ok(Self(value.into()))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Self::parse(&value).map_err(serde::de::Error::custom)
            }
        }
    };
    (@debug true, $self:ident, $f:ident, $name:ident) => {
        $f.write_str(concat!(stringify!($name), "(<redacted>)"))
    };
    (@debug false, $self:ident, $f:ident, $name:ident) => {
        $f.debug_tuple(stringify!($name)).field(&$self.0).finish()
    };
}

vschar_string!(
    /// A `client_id` (RFC 6749 §2.2, Appendix A.1). Shared, not copied, when cloned: requests,
    /// grants and store effects all carry it.
    ClientId, "client_id", 1024, secret = false, repr = Arc<str>
);
vschar_string!(
    /// A `client_secret` (RFC 6749 §2.3.1, Appendix A.2). Secret: `Debug` redacts it.
    ClientSecret, "client_secret", 1024, secret = true
);
vschar_string!(
    /// An opaque `state` (RFC 6749 §4.1.1, Appendix A.5), echoed exactly.
    State, "state", MAX_VALUE_LEN, secret = false
);
vschar_string!(
    /// A `nonce` (OIDC Core §3.1.2.1), copied unmodified into the ID token.
    Nonce, "nonce", 1024, secret = false
);
vschar_string!(
    /// An authorization `code` (RFC 6749 §4.1.2, Appendix A.11). Secret.
    AuthorizationCode, "code", MAX_VALUE_LEN, secret = true
);
vschar_string!(
    /// An `access_token` (RFC 6749 §5.1, Appendix A.12). Secret.
    AccessToken, "access_token", MAX_TOKEN_LEN, secret = true
);
vschar_string!(
    /// A `refresh_token` (RFC 6749 §6, Appendix A.17). Secret.
    RefreshToken, "refresh_token", MAX_TOKEN_LEN, secret = true
);
vschar_string!(
    /// A `device_code` (RFC 8628 §3.2). Secret.
    DeviceCode, "device_code", MAX_VALUE_LEN, secret = true
);
vschar_string!(
    /// A `user_code` (RFC 8628 §3.2), shown to the user; still redacted in `Debug` because it
    /// authorizes a device while pending.
    UserCode, "user_code", 1024, secret = true
);
vschar_string!(
    /// A JWT or other token kept as a string: `request` objects, `id_token`, `id_token_hint`,
    /// `logout_token`, assertions (RFC 7523), subject and actor tokens (RFC 8693). Secret, because
    /// several of these are credentials.
    TokenString, "token", MAX_TOKEN_LEN, secret = true
);

/// An issuer identifier: an `https` URL without query or fragment (RFC 8414 §2, OIDC Core §2,
/// RFC 9207 §2). Compared by simple string comparison (RFC 9207 §2.4).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Issuer(Arc<str>);

impl Issuer {
    /// Parses an issuer identifier: `https`, a host, no query, no fragment, no userinfo.
    ///
    /// # Errors
    ///
    /// [`ValueError`] naming the rule.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        Self::parse_with(value, false)
    }

    /// Like [`parse`](Self::parse) but also accepts `http`: for local test setups only.
    ///
    /// # Errors
    ///
    /// As [`parse`](Self::parse), without the `https` rule.
    pub fn danger_parse_allowing_http(value: &str) -> Result<Self, ValueError> {
        Self::parse_with(value, true)
    }

    fn parse_with(value: &str, allow_http: bool) -> Result<Self, ValueError> {
        const WHAT: &str = "issuer";
        if value.is_empty() || value.len() > 2048 {
            return Err(ValueError::Length { what: WHAT });
        }
        if let Some(at) = value
            .bytes()
            .position(|b| !crate::redirect_uri::is_uri_char(b))
        {
            return Err(ValueError::Character { what: WHAT, at });
        }
        let https = value.starts_with("https://");
        if !(https || allow_http && value.starts_with("http://")) {
            return Err(ValueError::Form {
                what: WHAT,
                rule: "must use the https scheme",
            });
        }
        let url = url::Url::parse(value).map_err(|_| ValueError::Form {
            what: WHAT,
            rule: "is not a URL",
        })?;
        if value.contains('?') || value.contains('#') {
            return Err(ValueError::Form {
                what: WHAT,
                rule: "must not have a query or fragment",
            });
        }
        if !url.username().is_empty() || url.password().is_some() || url.host().is_none() {
            return Err(ValueError::Form {
                what: WHAT,
                rule: "must have a host and no userinfo",
            });
        }
        Ok(Self(value.into()))
    }

    /// The identifier, exactly as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Issuer").field(&self.0).finish()
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Issuer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Issuer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Deserialization is used on the client side and for stored configuration: it accepts
        // http so that test setups can be read; parse with `Issuer::parse` to insist on https.
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::danger_parse_allowing_http(&value).map_err(serde::de::Error::custom)
    }
}

/// An absolute URI (RFC 3986 §4.3) without fragment: `resource` indicators (RFC 8707 §2),
/// `request_uri`, endpoint URLs, `audience` when it is a URI.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AbsoluteUri(String);

impl AbsoluteUri {
    /// Parses an absolute URI of RFC 3986 characters without fragment.
    ///
    /// # Errors
    ///
    /// [`ValueError`] naming the rule.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        const WHAT: &str = "URI";
        if value.is_empty() || value.len() > MAX_VALUE_LEN {
            return Err(ValueError::Length { what: WHAT });
        }
        if let Some(at) = value
            .bytes()
            .position(|b| !crate::redirect_uri::is_uri_char(b))
        {
            return Err(ValueError::Character { what: WHAT, at });
        }
        if value.contains('#') {
            return Err(ValueError::Form {
                what: WHAT,
                rule: "must not have a fragment",
            });
        }
        if !crate::redirect_uri::percent_encodings_well_formed(value)
            || !crate::redirect_uri::has_scheme(value)
            || !crate::redirect_uri::parses_as_url(value)
        {
            return Err(ValueError::Form {
                what: WHAT,
                rule: "is not an absolute URI",
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The URI.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AbsoluteUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AbsoluteUri").field(&self.0).finish()
    }
}

impl fmt::Display for AbsoluteUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AbsoluteUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AbsoluteUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// A JWK SHA-256 thumbprint (RFC 7638), base64url without padding: the `dpop_jkt` parameter
/// (RFC 9449 §10) and the `cnf.jkt` confirmation (RFC 9449 §6.1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JwkThumbprint(String);

impl JwkThumbprint {
    /// Parses 43 characters of canonical unpadded base64url (a 32-octet SHA-256 digest).
    ///
    /// # Errors
    ///
    /// [`ValueError`] when the value is not such an encoding.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value);
        match decoded {
            Ok(bytes) if bytes.len() == 32 && value.len() == 43 => Ok(Self(value.to_owned())),
            _ => Err(ValueError::Form {
                what: "dpop_jkt",
                rule: "is not a base64url SHA-256 JWK thumbprint",
            }),
        }
    }

    /// The thumbprint.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for JwkThumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JwkThumbprint").field(&self.0).finish()
    }
}

impl Serialize for JwkThumbprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for JwkThumbprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vschar_values() {
        assert!(ClientId::parse("s6BhdRkqt3").is_ok());
        assert!(ClientId::parse("with space").is_ok());
        assert_eq!(
            ClientId::parse(""),
            Err(ValueError::Length { what: "client_id" })
        );
        assert_eq!(
            State::parse("a\nb"),
            Err(ValueError::Character {
                what: "state",
                at: 1
            })
        );
        assert!(State::parse("caf\u{e9}").is_err());
        // The owned form applies the same rules.
        for text in ["s6BhdRkqt3", "", "a\nb", "caf\u{e9}"] {
            assert_eq!(
                State::try_from(text.to_owned()),
                State::parse(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn secrets_are_redacted() {
        let secret = ClientSecret::parse("7Fjfp0ZBr1KtDRbnfVdmIw").unwrap();
        assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
        let code = AuthorizationCode::parse("SplxlOBeZQQYbYS6WxSbIA").unwrap();
        assert!(!format!("{code:?}").contains("Splx"));
        let token = AccessToken::parse("2YotnFZFEjr1zCsicMWpAA").unwrap();
        assert!(!format!("{token:?}").contains("2Yot"));
        assert_eq!(
            format!("{:?}", State::parse("xyz").unwrap()),
            "State(\"xyz\")"
        );
    }

    #[test]
    fn issuers() {
        assert!(Issuer::parse("https://server.example.com").is_ok());
        assert!(Issuer::parse("https://server.example.com/tenant/1").is_ok());
        assert!(Issuer::parse("http://server.example.com").is_err());
        assert!(Issuer::danger_parse_allowing_http("http://127.0.0.1:8080").is_ok());
        assert!(Issuer::parse("https://server.example.com?x=1").is_err());
        assert!(Issuer::parse("https://server.example.com#x").is_err());
        assert!(Issuer::parse("https://u@server.example.com").is_err());
        assert!(Issuer::parse("server.example.com").is_err());
    }

    #[test]
    fn absolute_uris_and_thumbprints() {
        assert!(AbsoluteUri::parse("https://api.example.com/app/").is_ok());
        assert!(AbsoluteUri::parse("urn:example:resource").is_ok());
        assert!(AbsoluteUri::parse("/relative").is_err());
        assert!(AbsoluteUri::parse("https://api.example.com/#x").is_err());
        assert!(JwkThumbprint::parse("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs").is_ok());
        assert!(JwkThumbprint::parse("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X").is_err());
        assert!(JwkThumbprint::parse("NzbLsXh8uDCcd+6MNwXF4W/7noWXFZAfHkxZsRGC9Xs").is_err());
    }
}
