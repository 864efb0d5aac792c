//! Workspace-level integration tests for Ostium. The tests live in `tests/tests/`; this library is
//! empty on purpose.
