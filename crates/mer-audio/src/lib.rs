//! Audio in.
