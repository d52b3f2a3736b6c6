//! mer-smile (being built; see its issue).
