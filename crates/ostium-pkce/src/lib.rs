//! Proof Key for Code Exchange (RFC 7636). Work in progress.
