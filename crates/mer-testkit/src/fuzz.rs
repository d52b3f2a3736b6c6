//! A small, seeded mutation fuzzer that runs inside `cargo test` on stable Rust.
//!
//! It starts from real, valid inputs (the *corpus*: a model file, an MP3 header, a dataset
//! CSV), applies random byte-level mutations (bit flips, "interesting" integers, deletions,
//! duplications, insertions, truncations, splices of two corpus entries, dictionary tokens),
//! and calls the target on each mutant. A panic in the target is a failure: the input is saved
//! and the test fails naming the file. Aborts (a huge allocation, a stack overflow) end the
//! test process, which fails the test as well.
//!
//! Budget: `iterations` per call, multiplied by `$MER_FUZZ_SCALE` (a positive integer,
//! default 1), so the suite stays fast while anyone can run a long campaign:
//!
//! ```text
//! MER_FUZZ_SCALE=1000 cargo test --release -p mer-model --test fuzz -- --nocapture
//! ```
//!
//! The seed makes every run repeatable; `$MER_FUZZ_SEED` overrides it for a new campaign.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What one fuzzing run did, for the test's output and for closing notes.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target's name.
    pub name: String,
    /// Mutants run (the corpus entries themselves included).
    pub runs: usize,
    /// Mutants the target accepted (returned `true`): a fuzzer that only ever produces
    /// rejected inputs tests the first check and nothing behind it.
    pub accepted: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// The slowest single input.
    pub slowest: Duration,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz {}: {} inputs, 0 panics, {} accepted, {:.1} s (slowest input {:.1} ms)",
            self.name,
            self.runs,
            self.accepted,
            self.elapsed.as_secs_f64(),
            self.slowest.as_secs_f64() * 1e3
        )
    }
}

/// Budget multiplier from `$MER_FUZZ_SCALE` (default 1).
pub fn scale() -> usize {
    std::env::var("MER_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(1)
}

/// Runs `target` on every corpus entry and then on `iterations × scale()` mutants of them.
/// `target` returns whether it accepted the input (parsed it without error). Tokens in `dict`
/// (magic numbers, field names, keywords) are inserted or overwritten at random places.
///
/// Panics (failing the calling test) on the first input that makes `target` panic, after
/// saving that input under the system temp folder and naming the file; prints the
/// [`Report`] and returns it otherwise.
pub fn fuzz(
    name: &str,
    corpus: &[Vec<u8>],
    dict: &[&[u8]],
    iterations: usize,
    seed: u64,
    target: impl Fn(&[u8]) -> bool,
) -> Report {
    assert!(!corpus.is_empty(), "fuzz {name}: empty corpus");
    let seed = std::env::var("MER_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(seed);
    let mut rng = fastrand::Rng::with_seed(seed);
    let total = iterations * scale();
    let t0 = Instant::now();
    let mut report = Report {
        name: name.to_string(),
        runs: 0,
        accepted: 0,
        elapsed: Duration::ZERO,
        slowest: Duration::ZERO,
    };
    let run_one = |input: &[u8], report: &mut Report| {
        let t = Instant::now();
        match catch_unwind(AssertUnwindSafe(|| target(input))) {
            Ok(accepted) => report.accepted += usize::from(accepted),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(non-string panic)".into());
                let path = save_crash(name, seed, report.runs, input);
                panic!(
                    "fuzz {name}: input {} (seed {seed}) panicked: {msg}; input saved to {}",
                    report.runs,
                    path.display()
                );
            }
        }
        report.slowest = report.slowest.max(t.elapsed());
        report.runs += 1;
    };
    for c in corpus {
        run_one(c, &mut report);
    }
    for _ in 0..total {
        let mutant = mutate(&mut rng, corpus, dict);
        run_one(&mutant, &mut report);
    }
    report.elapsed = t0.elapsed();
    println!("{report}");
    report
}

fn save_crash(name: &str, seed: u64, index: usize, input: &[u8]) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let path = std::env::temp_dir().join(format!("mer-fuzz-{safe}-seed{seed}-{index}.bin"));
    // Best effort: the panic message names the path either way.
    let _ = mer_io::write_bytes(&path, mer_io::Overwrite::Replace, input);
    path
}

/// Integers at the edges of every width, the values that break size and offset arithmetic.
const INTERESTING: [u64; 14] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
];

/// One mutant of a random corpus entry: 1–4 stacked mutations.
pub fn mutate(rng: &mut fastrand::Rng, corpus: &[Vec<u8>], dict: &[&[u8]]) -> Vec<u8> {
    let mut data = corpus[rng.usize(..corpus.len())].clone();
    for _ in 0..rng.usize(1..=4) {
        mutate_once(rng, &mut data, corpus, dict);
    }
    data
}

fn mutate_once(rng: &mut fastrand::Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>], dict: &[&[u8]]) {
    let len = data.len();
    match rng.u8(..10) {
        // Flip one bit.
        0 if len > 0 => {
            let i = rng.usize(..len);
            data[i] ^= 1 << rng.u8(..8);
        }
        // A random byte.
        1 if len > 0 => {
            let i = rng.usize(..len);
            data[i] = rng.u8(..);
        }
        // An interesting integer, 1/2/4/8 bytes, either endianness.
        2 if len > 0 => {
            let width = [1usize, 2, 4, 8][rng.usize(..4)].min(len);
            let v = INTERESTING[rng.usize(..INTERESTING.len())];
            let bytes = if rng.bool() {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            let at = rng.usize(..=len - width);
            let src = if rng.bool() {
                &bytes[..width]
            } else {
                &bytes[8 - width..]
            };
            data[at..at + width].copy_from_slice(src);
        }
        // Delete a range.
        3 if len > 0 => {
            let at = rng.usize(..len);
            let n = rng.usize(1..=(len - at).min(64));
            data.drain(at..at + n);
        }
        // Duplicate a range in place.
        4 if len > 0 => {
            let at = rng.usize(..len);
            let n = rng.usize(1..=(len - at).min(64));
            let chunk: Vec<u8> = data[at..at + n].to_vec();
            let to = rng.usize(..=len);
            data.splice(to..to, chunk);
        }
        // Insert random bytes.
        5 => {
            let to = rng.usize(..=len);
            let n = rng.usize(1..=16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
            data.splice(to..to, bytes);
        }
        // Truncate.
        6 if len > 0 => data.truncate(rng.usize(..len)),
        // Splice: our head, another entry's tail.
        7 => {
            let other = &corpus[rng.usize(..corpus.len())];
            let cut = rng.usize(..=len);
            let from = rng.usize(..=other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // A dictionary token, inserted or overwriting.
        8 | 9 if !dict.is_empty() => {
            let tok = dict[rng.usize(..dict.len())];
            let at = rng.usize(..=len);
            if rng.bool() || at + tok.len() > len {
                data.splice(at..at, tok.iter().copied());
            } else {
                data[at..at + tok.len()].copy_from_slice(tok);
            }
        }
        _ => {
            let to = rng.usize(..=len);
            data.insert(to, rng.u8(..));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_are_repeatable_and_differ_from_the_corpus() {
        let corpus = vec![b"frameTime;a;b\n0.5;1;2\n".to_vec(), vec![0u8; 40]];
        let mut a = fastrand::Rng::with_seed(7);
        let mut b = fastrand::Rng::with_seed(7);
        let ma: Vec<_> = (0..200).map(|_| mutate(&mut a, &corpus, &[b";"])).collect();
        let mb: Vec<_> = (0..200).map(|_| mutate(&mut b, &corpus, &[b";"])).collect();
        assert_eq!(ma, mb);
        let changed = ma.iter().filter(|m| !corpus.contains(m)).count();
        assert!(changed > 180, "only {changed} of 200 mutants differ");
    }

    #[test]
    fn a_panicking_target_fails_and_saves_the_input() {
        let corpus = vec![b"ok".to_vec()];
        let r = catch_unwind(|| {
            fuzz("selftest", &corpus, &[], 1000, 1, |b| {
                assert!(b != b"ok!!", "boom");
                // Panic on any input with a byte >= 0x80: reached within a few mutants.
                assert!(b.iter().all(|&x| x < 0x80), "high byte");
                true
            })
        });
        let msg = r.expect_err("the target panics on some mutant");
        let msg = msg.downcast_ref::<String>().expect("a formatted message");
        assert!(msg.contains("input saved to"), "{msg}");
        assert!(msg.contains("high byte"), "{msg}");
    }
}
