//! A call the user made (`ringfence_core::outgoing`) as an FFI record.

use ringfence_core as core;

/// A call the user made, as the engine read it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutgoingCall {
    /// The number dialled, E.164 (`+41117`).
    pub number: String,
    /// When, Unix seconds.
    pub at: i64,
    /// It was an emergency number: the callback window is open.
    pub emergency: bool,
}

impl From<core::OutgoingCall> for OutgoingCall {
    fn from(c: core::OutgoingCall) -> Self {
        OutgoingCall { number: c.number.to_string(), at: c.at, emergency: c.emergency }
    }
}
