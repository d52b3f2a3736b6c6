//! mer-model (being built; see its issue).
