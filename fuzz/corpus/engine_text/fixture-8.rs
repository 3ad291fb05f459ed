//! Exchanges with and without something that records they are in flight.

mod conn;
mod in_flight;

pub use conn::Conn;
pub use in_flight::{InFlight, Stats};
