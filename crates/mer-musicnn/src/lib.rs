//! mer-musicnn (being built; see its issue).
