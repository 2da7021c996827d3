//! Tokendesk core: the token authority without any user interface. The desktop app, the CLI
//! and the HTTP service are thin faces over this crate, so every rule lives (and is tested) here.

pub mod authority;
pub mod clipboard;
pub mod clock;
pub mod error;
pub mod feed;
pub mod jwt;
pub mod key_file;
pub mod legacy;
pub mod model;
pub mod password;
pub mod permissions;
pub mod policy;
pub mod secret;
pub mod secret_store;
pub mod service;
pub mod store;
pub mod token;
pub mod usage;
pub mod validate;
pub mod webhook;

pub use clock::{Clock, FakeClock, SystemClock};
pub use error::{ApiError, Error, ErrorCode, Result};
pub use service::{OpenOptions, Tokendesk};
