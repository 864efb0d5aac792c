//! Discovery documents: any body for the expected issuer. Never panics; an accepted document
//! names exactly the expected issuer and only https endpoints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_client::ProviderConfig;
use ostium_messages::metadata::MetadataProfile;
use ostium_messages::{AbsoluteUri, HttpResponse, Issuer};

fuzz_target!(|data: &[u8]| {
    let issuer = Issuer::parse("https://op.example").expect("issuer");
    let response = HttpResponse::new(200)
        .with_header("content-type", "application/json")
        .with_body(data.to_vec());
    for profile in [MetadataProfile::OAuth, MetadataProfile::OpenId] {
        if let Ok(provider) = ProviderConfig::from_discovery(&issuer, &response, profile) {
            assert_eq!(provider.issuer, issuer);
            let endpoints = [
                &provider.authorization_endpoint,
                &provider.token_endpoint,
                &provider.jwks_uri,
                &provider.userinfo_endpoint,
                &provider.revocation_endpoint,
                &provider.introspection_endpoint,
                &provider.device_authorization_endpoint,
                &provider.pushed_authorization_request_endpoint,
            ];
            for endpoint in endpoints.into_iter().flatten() {
                assert!(endpoint.as_str().starts_with("https://"), "{endpoint}");
            }
            if profile == MetadataProfile::OpenId {
                assert!(provider.jwks_uri.is_some());
            }
            let _ = provider.id_token_algorithm_set();
            let _: Option<&AbsoluteUri> = provider.token_endpoint.as_ref();
        }
    }
});
