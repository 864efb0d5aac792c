//! Interop: ostium-client against `oidc-provider` (the OpenID-certified Node.js provider by
//! panva), started on 127.0.0.1 by this test, with a tiny HTTP/1.1 shim carrying the requests.
//!
//! The flow: discovery, authorization code + PKCE (S256) with `client_secret_basic`, the
//! callback with RFC 9207 `iss`, the code exchange with ID token validation (the JWK Set is
//! fetched when the client asks for it), UserInfo with the `sub` check, a refresh whose new ID
//! token keeps `iss`/`sub`, and a replayed code refused by the provider.
//!
//! Needs `node` (18+) and the npm package, installed with
//! `npm install --prefix target/interop/oidc-provider oidc-provider@9.13.3` (or a directory named
//! by `OSTIUM_OIDC_PROVIDER_DIR`). Without them the test prints why and passes without running.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ostium_client::{
    AuthorizationOptions, Client, ClientCredentials, ClientError, IdTokenStep, OutboundRequest,
    ProviderConfig, ProviderJwks, ResponseError, TokenSet, TokenStep, UserInfoStep,
};
use ostium_messages::error::TokenErrorCode;
use ostium_messages::metadata::MetadataProfile;
use ostium_messages::redirect_uri::RedirectUri;
use ostium_messages::response::header;
use ostium_messages::{ClientId, ClientSecret, HttpResponse, Issuer, Scope};

const CLIENT_ID: &str = "ostium-rp";
/// A secret with characters that RFC 6749 §2.3.1's form-urlencoding changes.
const CLIENT_SECRET: &str = "s3cr3t:with+special/chars=&more";
const REDIRECT_URI: &str = "https://rp.example/cb";

const SERVER: &str = r#"
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: 'Jane Doe', email: 'jane@example.com', email_verified: true }),
  }),
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  issueRefreshToken: async () => true,
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['ostium-interop-cookie-key'] },
});

const handler = provider.callback();
server.on('request', async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      // The user logs in as user-1 and consents to everything asked.
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: 'user-1', clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res,
        { login: { accountId: 'user-1' }, consent: { grantId } },
        { mergeWithLastSubmission: false });
      return;
    }
    handler(req, res);
  } catch (error) {
    console.error(error);
    res.statusCode = 500;
    res.end(String(error));
  }
});
console.log(`READY ${port}`);
"#;

/// Kills the provider when the test ends, whatever happens.
struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn provider_module() -> Result<PathBuf, String> {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|e| format!("node is not available ({e})"))?;
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 18 {
        return Err(format!("node {version} is older than 18"));
    }
    let dir = std::env::var_os("OSTIUM_OIDC_PROVIDER_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/interop/oidc-provider"),
        PathBuf::from,
    );
    let module = dir.join("node_modules/oidc-provider/lib/index.js");
    if module.is_file() {
        Ok(module.canonicalize().map_err(|e| e.to_string())?)
    } else {
        Err(format!(
            "the npm package oidc-provider is not installed in {} \
             (npm install --prefix target/interop/oidc-provider oidc-provider@9.13.3)",
            dir.display()
        ))
    }
}

fn start_provider(module: &PathBuf) -> (Node, u16) {
    let dir = std::env::temp_dir().join(format!("ostium-oidc-provider-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("server.mjs");
    std::fs::write(&script, SERVER).unwrap();
    let mut child = Command::new("node")
        .arg(&script)
        .env("OIDC_PROVIDER_MODULE", module)
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env("REDIRECT_URI", REDIRECT_URI)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().unwrap();
    let node = Node(child);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line.strip_prefix("READY ") {
                let _ = sender.send(port.trim().parse::<u16>().ok());
            } else {
                // oidc-provider's development warnings.
                eprintln!("oidc-provider: {line}");
            }
        }
    });
    let port = receiver
        .recv_timeout(Duration::from_secs(30))
        .expect("oidc-provider did not start within 30 s")
        .expect("a port number");
    (node, port)
}

/// A raw HTTP response: status, headers (lowercase names, all values), body.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The response as ostium-client reads it: the headers it looks at, and the body.
    fn to_http_response(&self) -> HttpResponse {
        let mut response = HttpResponse::new(self.status).with_body(self.body.clone());
        for (name, value) in &self.headers {
            let known = match name.as_str() {
                "content-type" => header::CONTENT_TYPE,
                "www-authenticate" => header::WWW_AUTHENTICATE,
                "dpop-nonce" => header::DPOP_NONCE,
                "location" => header::LOCATION,
                _ => continue,
            };
            response = response.with_header(known, value.clone());
        }
        response
    }
}

/// The tiny HTTP/1.1 shim: one request per connection, `Connection: close`, Content-Length or
/// chunked bodies. Only for `http://127.0.0.1:<port>` URLs.
fn send(port: u16, method: &str, url: &str, headers: &[(&str, String)], body: &[u8]) -> Raw {
    let prefix = format!("http://127.0.0.1:{port}");
    let target = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} is not on the provider"));
    let target = if target.is_empty() { "/" } else { target };
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut rest = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        let mut body = Vec::new();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..line_end])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
            rest = rest[line_end + 2 + size + 2..].to_vec();
        }
        rest = body;
    }
    Raw {
        status,
        headers,
        body: rest,
    }
}

/// Sends a request the client built.
fn carry(port: u16, request: &OutboundRequest) -> HttpResponse {
    let headers: Vec<(&str, String)> = request
        .headers()
        .iter()
        .map(|(n, v)| (*n, v.clone()))
        .collect();
    send(
        port,
        request.method().as_str(),
        request.url(),
        &headers,
        request.body(),
    )
    .to_http_response()
}

/// The user agent: follows redirects with a cookie jar until the provider redirects to the
/// client's redirect URI, and returns that URI's query.
fn browse(port: u16, start: &str) -> String {
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let mut url = start.to_owned();
    for _ in 0..10 {
        let cookie = jar
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let headers = if cookie.is_empty() {
            Vec::new()
        } else {
            vec![("cookie", cookie)]
        };
        let response = send(port, "GET", &url, &headers, b"");
        for (name, value) in &response.headers {
            if name == "set-cookie" {
                let pair = value.split(';').next().unwrap();
                let (n, v) = pair.split_once('=').unwrap();
                jar.insert(n.trim().to_owned(), v.trim().to_owned());
            }
        }
        let location = response.header("location").unwrap_or_else(|| {
            panic!(
                "expected a redirect from {url}, got {}: {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            )
        });
        if let Some(query) = location.strip_prefix(&format!("{REDIRECT_URI}?")) {
            return query.to_owned();
        }
        url = if location.starts_with('/') {
            format!("http://127.0.0.1:{port}{location}")
        } else {
            location.to_owned()
        };
    }
    panic!("too many redirects");
}

fn tokens(step: TokenStep) -> TokenSet {
    match step {
        TokenStep::Tokens(tokens) => tokens,
        other => panic!("expected tokens, got {other:?}"),
    }
}

#[test]
fn authorization_code_pkce_id_token_userinfo_and_refresh_against_oidc_provider() {
    let module = match provider_module() {
        Ok(module) => module,
        // CI installs the provider and sets OSTIUM_REQUIRE_INTEROP, so there a skip is a failure.
        Err(reason) if std::env::var_os("OSTIUM_REQUIRE_INTEROP").is_some() => {
            panic!("OSTIUM_REQUIRE_INTEROP is set but the interop peer is unavailable: {reason}")
        }
        Err(reason) => {
            println!("SKIPPED client_oidc_provider_interop: {reason}");
            eprintln!("SKIPPED client_oidc_provider_interop: {reason}");
            return;
        }
    };
    let (_node, port) = start_provider(&module);
    let issuer = Issuer::danger_parse_allowing_http(&format!("http://127.0.0.1:{port}")).unwrap();
    // The provider is real: its tokens carry the wall-clock time, so the client is given it too.
    // The client's randomness can stay seeded (the provider does not care).
    let now = wall_clock;
    let mut rng = ostium_testkit::SeededRng::new(2026);

    // Discovery.
    let discovery = carry(port, &ProviderConfig::openid_discovery_request(&issuer));
    let provider = ProviderConfig::from_discovery(&issuer, &discovery, MetadataProfile::OpenId)
        .expect("oidc-provider's discovery document is accepted");
    assert!(
        provider.iss_parameter_supported,
        "oidc-provider supports RFC 9207"
    );
    let client = Client::new(
        provider,
        ClientId::parse(CLIENT_ID).unwrap(),
        ClientCredentials::ClientSecretBasic(ClientSecret::parse(CLIENT_SECRET).unwrap()),
    )
    .with_redirect_uri(RedirectUri::parse(REDIRECT_URI).unwrap());

    // Authorization request, user agent, callback.
    let start = client
        .authorization_request(
            AuthorizationOptions::new().with_scope(Scope::parse("openid profile email").unwrap()),
            &mut rng,
        )
        .unwrap();
    let query = browse(port, &start.url);
    assert!(query.contains("iss="), "RFC 9207 iss in {query}");
    let authorized = client
        .handle_callback_query(start.pending, &query)
        .expect("the callback checks out");

    // Code exchange: without keys the client asks for the JWK Set, then validates.
    let exchange = client
        .code_exchange_request(&authorized, &mut rng, now())
        .unwrap();
    let answer = carry(port, &exchange);
    assert!(matches!(
        client
            .code_exchange_response(&authorized, &answer, None, now())
            .unwrap(),
        TokenStep::RefreshJwks(_)
    ));
    let jwks = carry(port, &client.jwks_request().unwrap());
    let keys = ProviderJwks::from_response(&jwks, now()).unwrap();
    let tokens = tokens(
        client
            .code_exchange_response(&authorized, &answer, Some(&keys), now())
            .expect("oidc-provider's tokens and ID token are accepted"),
    );
    let id_token = tokens.id_token.clone().expect("an ID token");
    assert_eq!(id_token.subject(), "user-1");
    assert_eq!(id_token.issuer(), issuer.as_str());
    assert!(tokens.refresh_token.is_some());

    // UserInfo.
    let userinfo = carry(port, &client.userinfo_request(&tokens).unwrap());
    let UserInfoStep::UserInfo(info) = client.userinfo_response(&userinfo, &id_token).unwrap()
    else {
        panic!("no DPoP here");
    };
    assert_eq!(info.sub, "user-1");
    assert_eq!(info.claims.name.as_deref(), Some("Jane Doe"));
    assert_eq!(info.claims.email.as_deref(), Some("jane@example.com"));

    // Refresh: a new access token; a new ID token, if any, keeps iss and sub.
    let refresh = client
        .refresh_request(&tokens, None, &mut rng, now())
        .unwrap();
    let refreshed = tokens_of_refresh(&client, &tokens, &carry(port, &refresh), &keys, now());
    assert_ne!(
        refreshed.access_token.as_str(),
        tokens.access_token.as_str()
    );
    assert_eq!(refreshed.id_token.as_ref().unwrap().subject(), "user-1");
    let userinfo = carry(port, &client.userinfo_request(&refreshed).unwrap());
    assert!(matches!(
        client.userinfo_response(&userinfo, &id_token),
        Ok(UserInfoStep::UserInfo(_))
    ));

    // An ID token from this provider validates on its own, too.
    assert!(matches!(
        client.validate_id_token(
            id_token.token().as_str(),
            &ostium_client::IdTokenExpectations::default(),
            Some(&keys),
            now()
        ),
        Ok(IdTokenStep::Valid(_))
    ));

    // The code is single-use at the provider: the same request again is invalid_grant, and
    // (RFC 6749 §4.1.2) the tokens issued for it are revoked, which UserInfo now reports.
    let replay = carry(
        port,
        &client
            .code_exchange_request(&authorized, &mut rng, now())
            .unwrap(),
    );
    match client.code_exchange_response(&authorized, &replay, Some(&keys), now()) {
        Err(ClientError::Response(ResponseError::Server { error, .. })) => {
            assert_eq!(error.error, TokenErrorCode::InvalidGrant);
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }

    let revoked = carry(port, &client.userinfo_request(&refreshed).unwrap());
    let error = client.userinfo_response(&revoked, &id_token).unwrap_err();
    let ClientError::Response(error) = error else {
        panic!("expected a challenge, got {error:?}");
    };
    assert_eq!(
        error.resource_error(),
        Some(&ostium_messages::ResourceErrorCode::InvalidToken)
    );
}

#[allow(clippy::disallowed_methods)] // A live provider stamps its tokens with the wall clock.
fn wall_clock() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn tokens_of_refresh(
    client: &Client,
    previous: &TokenSet,
    response: &HttpResponse,
    keys: &ProviderJwks,
    now: time::OffsetDateTime,
) -> TokenSet {
    tokens(
        client
            .refresh_response(previous, response, Some(keys), now)
            .expect("oidc-provider's refresh response is accepted"),
    )
}
