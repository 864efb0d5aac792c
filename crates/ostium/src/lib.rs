//! Ostium facade. Work in progress.
