//! mer-data (being built; see its issue).
