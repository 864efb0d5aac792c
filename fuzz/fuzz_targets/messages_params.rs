//! The parameter multimap: never panics on any query or form body, what parses re-encodes to
//! the same multimap, and the decoder and encoder agree with the straightforward ones.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ostium_messages::{ParamLimits, Params};

fuzz_target!(|data: &[u8]| {
    ostium_messages::fuzzing::check_params(data);
    // Input shape: "<content type>\n<body>"; the whole input is also tried as a query string.
    if let Ok(text) = std::str::from_utf8(data) {
        check(Params::parse_query(text));
        let small = ParamLimits {
            max_total_bytes: 64,
            max_value_bytes: 8,
            max_params: 4,
        };
        check(Params::parse_query_with(text, &small));
    }
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (std::str::from_utf8(&data[..at]).ok(), &data[at + 1..]),
        None => (None, data),
    };
    check(Params::parse_form(content_type, body));
});

fn check(parsed: Result<Params, ostium_messages::ParamsError>) {
    let Ok(params) = parsed else {
        return;
    };
    for (name, value) in params.iter() {
        assert!(!name.is_empty() && !value.is_empty());
    }
    let _ = params.first_repeated();
    let _ = params.ensure_no_repeats_except(&["resource"]);
    let again = Params::parse_query(&params.encode()).expect("encoded parameters parse");
    assert_eq!(again, params);
}
