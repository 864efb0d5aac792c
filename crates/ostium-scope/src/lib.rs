//! OAuth 2.0 scopes (RFC 6749 §3.3). Work in progress.
