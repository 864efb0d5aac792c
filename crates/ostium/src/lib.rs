#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use ostium_rand as rand;

#[cfg(feature = "jose")]
#[cfg_attr(docsrs, doc(cfg(feature = "jose")))]
pub use ostium_jose as jose;
#[cfg(feature = "messages")]
#[cfg_attr(docsrs, doc(cfg(feature = "messages")))]
pub use ostium_messages as messages;
#[cfg(feature = "pkce")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkce")))]
pub use ostium_pkce as pkce;
#[cfg(feature = "scope")]
#[cfg_attr(docsrs, doc(cfg(feature = "scope")))]
pub use ostium_scope as scope;
