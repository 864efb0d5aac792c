//! Loaders for the shared known-answer vectors in `../shared/vectors/` (read-only, with provenance in
//! its README).

use std::path::PathBuf;

/// The directory holding the shared vectors: `<workspace>/../shared/vectors`.
pub fn directory() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors")
}

/// Parses the vector file `NAME.json` (give `name` without the extension).
///
/// # Panics
///
/// When the file is missing or is not JSON: a broken test setup, reported loudly.
#[allow(clippy::panic)] // Test support: a missing vector is a broken checkout.
pub fn load(name: &str) -> serde_json::Value {
    let path = directory().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading vector {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("parsing vector {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn loads_the_pkce_vector() {
        let vector = super::load("rfc7636_appendix_b");
        assert_eq!(
            vector["code_challenge"],
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
