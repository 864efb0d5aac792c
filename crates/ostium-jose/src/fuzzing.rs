//! Internals for the fuzz targets, compiled only under `cfg(fuzzing)` (which cargo-fuzz sets):
//! differential checks of the hand-written fast paths against the code they stand in front of.
//! Not part of the API.

/// Checks the JSON fast paths on `json`: whatever the scanner reads as a protected header or as
/// claims, the serde path reads identically (at several depth limits).
///
/// # Panics
///
/// On any disagreement: that is the finding.
pub fn check_json_fast_paths(json: &str) {
    crate::claims::check_scan_agrees(json);
    crate::header::check_scan_agrees(json);
}

/// Checks the deserializer behind `VerifiedJwt::claims` on `json`, for several claims types, with
/// the strict pass's tape and without: whatever it reads, serde_json reads identically.
///
/// # Panics
///
/// On any disagreement: that is the finding.
pub fn check_claims_deserializer(json: &str) {
    crate::claims_deserializer::differential::check_all(json);
}

/// Checks the serializer behind `Signer::sign_json` on the JSON value `json` parses to (if it
/// does) and on `json` as a string: it writes exactly what serde_json writes.
///
/// # Panics
///
/// On any difference: that is the finding.
pub fn check_claims_serializer(json: &str) {
    use crate::claims_serializer::differential::{check, check_strings};
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
        check(&value);
    }
    check_strings(json);
}

/// The crate's strict base64url decoder, to compare with the `base64` crate's `URL_SAFE_NO_PAD`.
pub fn base64url_decode(input: &[u8]) -> Option<Vec<u8>> {
    crate::base64url::decode(input)
}

/// The crate's base64url encoder, to compare with the `base64` crate's `URL_SAFE_NO_PAD`.
pub fn base64url_encode(bytes: &[u8]) -> String {
    crate::base64url::encode(bytes)
}

/// Encodes `buffer[start..]` in place, as `Signer::sign_json` does.
pub fn base64url_encode_in_place(buffer: &mut Vec<u8>, start: usize) {
    crate::base64url::encode_in_place(buffer, start);
}
