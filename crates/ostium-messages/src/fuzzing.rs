//! Internals for the fuzz targets, compiled only under `cfg(fuzzing)` (which cargo-fuzz sets):
//! differential checks of the fast paths against the straightforward code they replaced. Not
//! part of the API.

use crate::params::{ParamLimits, reference};

/// Checks the parameter decoder and encoder on `input` (as a query string when it is UTF-8, and
/// as a form body), with the default limits and with small ones: the same pairs or the same error
/// as the per-byte decoder, and `url`'s bytes when encoding.
///
/// # Panics
///
/// On any disagreement: that is the finding.
pub fn check_params(input: &[u8]) {
    reference::check(input, &ParamLimits::default());
    let small = ParamLimits {
        max_total_bytes: 64,
        max_value_bytes: 8,
        max_params: 4,
    };
    reference::check(input, &small);
}

/// Checks the request-time redirect URI syntax on `uri` against the same rules with `url`
/// parsing every URI.
///
/// # Panics
///
/// On any disagreement: that is the finding.
pub fn check_redirect_uri(uri: &str) {
    crate::redirect_uri::check_against_url(uri);
}

/// Checks the direct JSON writers on whatever token response or token error `body` parses to
/// (strictly or leniently): the bytes serde_json writes for the same value.
///
/// # Panics
///
/// On any disagreement: that is the finding.
#[allow(clippy::panic, clippy::unwrap_used)]
pub fn check_json_writers(body: &[u8]) {
    use crate::{ErrorResponse, HttpResponse, Leniency, TokenErrorCode, TokenResponse};
    let responses = [
        TokenResponse::parse_json(body).ok(),
        TokenResponse::parse_json_lenient(body, Leniency::ALL).ok(),
    ];
    for response in responses.into_iter().flatten() {
        let expected = serde_json::to_vec(&response).unwrap();
        assert_eq!(response.to_response().body(), &expected[..]);
    }
    if let Ok(error) = ErrorResponse::<TokenErrorCode>::parse_json_lenient(body) {
        let expected = serde_json::to_vec(&error).unwrap();
        assert_eq!(
            HttpResponse::token_error(&error, "as").body(),
            &expected[..]
        );
    }
}

/// Checks that [`TokenRequest::parse`](crate::TokenRequest::parse), which reads the body
/// straight into its fields, gives what its public steps give: the parameters, the repetition
/// check, the client authentication and the grant.
///
/// # Panics
///
/// On any disagreement: that is the finding.
#[allow(clippy::panic)]
pub fn check_token_request(request: &crate::HttpRequest<'_>) {
    use crate::{ClientAuthentication, TokenRequest};
    let composed =
        crate::token::back_channel_params(request, &["resource", "audience"]).and_then(|params| {
            let client_auth = ClientAuthentication::parse(request.authorization, &params)?;
            TokenRequest::from_params(&params, client_auth)
        });
    assert_eq!(TokenRequest::parse(request), composed);
}

/// Checks that [`AuthorizationRequest::parse_query`](crate::AuthorizationRequest::parse_query)
/// and `parse_form`, which read the input straight into their fields, give what
/// [`AuthorizationRequest::parse`](crate::AuthorizationRequest::parse) gives for the same
/// [`Params`](crate::Params) (or the same error, when the input does not even parse).
///
/// # Panics
///
/// On any disagreement: that is the finding.
#[allow(clippy::panic)]
pub fn check_authorization_request(input: &[u8]) {
    use crate::{AuthorizationRequest, Params};
    let form = "application/x-www-form-urlencoded";
    let composed = |params: Result<Params, crate::ParamsError>| match params {
        Ok(params) => AuthorizationRequest::parse(&params),
        Err(error) => Err(Box::new(crate::AuthorizationRequestError {
            error: error.to_authorization_error(),
            client_id: None,
            redirect_uri: None,
            state: None,
            response_mode: crate::ResponseMode::Query,
        })),
    };
    assert_eq!(
        AuthorizationRequest::parse_form(Some(form), input),
        composed(Params::parse_form(Some(form), input))
    );
    if let Ok(query) = std::str::from_utf8(input) {
        assert_eq!(
            AuthorizationRequest::parse_query(query),
            composed(Params::parse_query(query))
        );
    }
}
