//! Containers: the persisted record, the in-memory registry, and the
//! lifecycle operations (one file each).

pub mod attach;
pub mod create;
pub mod exec;
pub mod lifecycle;
pub mod logs;
pub mod names;
pub mod record;
pub mod registry;
pub mod remove;
pub mod resources;
pub mod restart;
pub mod security;
pub mod start;
pub mod stats;
pub mod top;
pub mod user;
pub mod view;

pub use record::{ContainerRecord, Status};
pub use registry::{ContainerEntry, Registry};
