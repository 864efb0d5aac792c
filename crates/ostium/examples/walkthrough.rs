//! The delegated-access story, step by step, with the Ostium crates on `main`.
//!
//! A drawing app asks a cloud-storage provider for permission to write to one folder,
//! `/diagrams`. This walkthrough shows the protocol decisions that the message, scope and PKCE
//! crates make on each side: the authorization request the app sends, the authorization server's
//! redirect-URI and scope decisions, the PKCE proof at the token endpoint, and the storage API's
//! per-file check. The authorization server engine (which stores the code and mints tokens) and
//! the client and resource-server crates join this walkthrough as they land; until then the
//! "stored code" below is a local variable.
//!
//! Run it: `cargo run -p ostium --example walkthrough`. `cargo test` runs the same steps with
//! assertions.

use ostium::messages::redirect_uri::{
    RedirectUri, RedirectUriParameter, RegisteredRedirectUri, select_redirect_uri,
};
use ostium::messages::resource::Challenge;
use ostium::messages::values::{ClientId, State};
use ostium::messages::{AuthorizationRequest, ErrorResponse, ResourceErrorCode};
use ostium::pkce::{CodeChallenge, CodeVerifier, PkceError, verify_exchange};
use ostium::rand::SecureRng;
use ostium::scope::{
    ClientScope, ResourcePath, Scope, ScopeCatalog, ScopePattern, ScopePolicy, ScopeToken,
};

type Failure = Box<dyn std::error::Error>;

/// The storage provider's write permission: `files:write:<path>` covers that folder and below.
const FILES_WRITE: ScopePattern = ScopePattern::from_static("files:write:");
const AUTHORIZATION_ENDPOINT: &str = "https://storage.example/authorize";
const REDIRECT_URI: &str = "https://drawing.example/callback";

/// What each step decided, so that the test can assert it.
#[derive(Debug)]
struct Outcome {
    authorization_url: String,
    granted_scope: Scope,
    correct_verifier: Result<(), PkceError>,
    stolen_code_without_verifier: Result<(), PkceError>,
    writes: Vec<(String, Result<(), String>)>,
}

fn main() -> Result<(), Failure> {
    // Production code passes `ring::rand::SystemRandom::new()`; a seeded generator makes the
    // printed output the same on every run.
    let outcome = run(
        &mut ostium_testkit::SeededRng::new(2026),
        &mut std::io::stdout(),
    )?;
    // The example fails loudly if a decision ever changes.
    let expected_writes = [true, false];
    let writes: Vec<bool> = outcome
        .writes
        .iter()
        .map(|(_, result)| result.is_ok())
        .collect();
    if outcome.correct_verifier.is_err()
        || outcome.stolen_code_without_verifier.is_ok()
        || writes != expected_writes
        || !outcome
            .authorization_url
            .contains("code_challenge_method=S256")
        || outcome.granted_scope.to_string() != "files:write:/diagrams"
    {
        return Err(format!("unexpected outcome: {outcome:?}").into());
    }
    Ok(())
}

fn run(rng: &mut impl SecureRng, out: &mut impl std::io::Write) -> Result<Outcome, Failure> {
    writeln!(
        out,
        "== The drawing app wants to save diagrams to the user's cloud storage ==\n"
    )?;

    // 1. The app builds the authorization request: the folder it needs, a one-time `state`
    //    against CSRF (RFC 9700 §2.1), and a fresh PKCE verifier whose S256 challenge it sends.
    let verifier = CodeVerifier::generate(rng)?;
    let state = State::parse("af0ifjsldkj")?;
    let mut request = AuthorizationRequest::new(ClientId::parse("drawing-app")?);
    request.redirect_uri = Some(RedirectUri::parse(REDIRECT_URI)?);
    request.scope = Some(Scope::parse("files:write:/diagrams")?);
    request.state = Some(state);
    request.code_challenge = Some(CodeChallenge::s256(&verifier));
    let authorization_url = request.to_url(AUTHORIZATION_ENDPOINT);
    writeln!(
        out,
        "1. App -> browser -> authorization server:\n   GET {authorization_url}\n"
    )?;

    // 2. The authorization server parses the request, then decides: is the redirect URI one the
    //    app registered (exact match, RFC 9700 §4.1.3)? Which scope may it have?
    let query = authorization_url
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default();
    let received = AuthorizationRequest::parse_query(query).map_err(|e| e.error.to_string())?;
    let registered = [RegisteredRedirectUri::parse(REDIRECT_URI)?];
    let redirect_to = select_redirect_uri(
        &registered,
        received.redirect_uri.as_ref(),
        RedirectUriParameter::Required,
    )?;
    let catalog = ScopeCatalog::new()
        .with_scope(ScopeToken::from_static("openid"))
        .with_pattern(FILES_WRITE);
    let drawing_app = ClientScope::new(Scope::parse("files:write:/")?);
    let granted = ScopePolicy::default().grant(&catalog, &drawing_app, received.scope.as_ref())?;
    writeln!(out, "2. Authorization server decides:")?;
    writeln!(
        out,
        "   redirect_uri {redirect_to} is registered: the user may be sent back there"
    )?;
    writeln!(
        out,
        "   the user logs in and consents to: {}",
        granted.scope()
    )?;
    writeln!(out, "   the code is bound to code_challenge {} (S256)\n", {
        received
            .code_challenge
            .as_ref()
            .map(CodeChallenge::as_str)
            .unwrap_or("-")
    })?;
    let bound_challenge = received.code_challenge.clone();

    // 3. The app redeems the code with its verifier (RFC 7636 §4.5). Someone who stole the code
    //    from the redirect cannot: they do not have the verifier.
    let correct_verifier = verify_exchange(bound_challenge.as_ref(), Some(verifier.as_str()));
    let stolen_code_without_verifier = verify_exchange(bound_challenge.as_ref(), None);
    writeln!(out, "3. Token endpoint checks PKCE:")?;
    writeln!(
        out,
        "   app's code_verifier: {}",
        verdict(&correct_verifier)
    )?;
    writeln!(
        out,
        "   stolen code, no verifier: {}\n",
        verdict(&stolen_code_without_verifier)
    )?;

    // 4. The storage API checks each write against the token's scope.
    writeln!(
        out,
        "4. Storage API checks each write against the token's scope {}:",
        granted.scope()
    )?;
    let mut writes = Vec::new();
    for path in ["/diagrams/plan.svg", "/photos/x.jpg"] {
        let allowed = ResourcePath::parse_request_path(path)
            .map(|p| FILES_WRITE.covers(granted.scope(), &p))
            .unwrap_or(false);
        let result = if allowed {
            writeln!(out, "   PUT {path} -> 201 Created")?;
            Ok(())
        } else {
            // RFC 6750 §3.1: 403 with the scope the request would need.
            let needed = Scope::parse(&format!("files:write:{path}")).unwrap_or_default();
            let challenge = Challenge::bearer()
                .with_error(ErrorResponse::new(ResourceErrorCode::InsufficientScope))
                .with_scope(needed)
                .to_header_value();
            writeln!(out, "   PUT {path} -> 403, WWW-Authenticate: {challenge}")?;
            Err(challenge)
        };
        writes.push((path.to_owned(), result));
    }
    Ok(Outcome {
        authorization_url,
        granted_scope: granted.scope().clone(),
        correct_verifier,
        stolen_code_without_verifier,
        writes,
    })
}

fn verdict(result: &Result<(), PkceError>) -> String {
    match result {
        Ok(()) => "accepted".to_owned(),
        Err(error) => format!("rejected, invalid_grant ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_decides_as_printed() {
        let mut printed = Vec::new();
        let outcome = run(&mut ostium_testkit::SeededRng::new(2026), &mut printed).unwrap();
        let printed = String::from_utf8(printed).unwrap();

        assert!(
            outcome
                .authorization_url
                .starts_with("https://storage.example/authorize?")
        );
        assert!(
            outcome
                .authorization_url
                .contains("code_challenge_method=S256")
        );
        assert!(
            outcome
                .authorization_url
                .contains("scope=files%3Awrite%3A%2Fdiagrams")
        );
        assert_eq!(
            outcome.granted_scope,
            Scope::parse("files:write:/diagrams").unwrap()
        );
        assert_eq!(outcome.correct_verifier, Ok(()));
        assert_eq!(
            outcome.stolen_code_without_verifier,
            Err(PkceError::MissingVerifier)
        );

        let results: Vec<(&str, bool)> = outcome
            .writes
            .iter()
            .map(|(path, result)| (path.as_str(), result.is_ok()))
            .collect();
        assert_eq!(
            results,
            [("/diagrams/plan.svg", true), ("/photos/x.jpg", false)]
        );
        let refused = outcome.writes[1].1.as_ref().unwrap_err();
        assert!(refused.starts_with("Bearer "), "{refused}");
        assert!(
            refused.contains("error=\"insufficient_scope\""),
            "{refused}"
        );
        assert!(
            refused.contains("scope=\"files:write:/photos/x.jpg\""),
            "{refused}"
        );
        assert!(printed.contains("PUT /diagrams/plan.svg -> 201 Created"));
    }

    #[test]
    fn the_same_seed_prints_the_same_walkthrough() {
        let mut first = Vec::new();
        let mut second = Vec::new();
        run(&mut ostium_testkit::SeededRng::new(1), &mut first).unwrap();
        run(&mut ostium_testkit::SeededRng::new(1), &mut second).unwrap();
        assert_eq!(first, second);
    }
}
