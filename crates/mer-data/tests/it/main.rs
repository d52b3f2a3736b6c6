//! Integration tests of mer-data, one binary (faster to link): real shared data, publisher
//! layouts built in temporary folders, bad data, splits and the feature cache.

mod bad_data;
mod cache;
mod common;
mod contract;
mod fixtures;
mod fuzz;
mod layouts;
mod real;
mod splits;
