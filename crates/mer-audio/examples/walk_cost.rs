//! What the walker and content sniffing cost per file: `walk_cost DIR...` walks each folder
//! twice (warm cache) and prints files/s for the walk alone, by extension and by content,
//! the sniffing time per file (audio and not), and the files on which the two ways disagree.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mer_audio::walk::{has_audio_extension, sniff, walk};

fn main() {
    let roots: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if roots.is_empty() {
        eprintln!("usage: walk_cost DIR...");
        std::process::exit(2);
    }
    for round in 0..2 {
        let t = Instant::now();
        let mut files = Vec::new();
        let mut errors = 0;
        for r in &roots {
            for item in walk(r) {
                match item {
                    Ok(f) => files.push(f.path),
                    Err(_) => errors += 1,
                }
            }
        }
        let walk_time = t.elapsed();
        let t = Instant::now();
        let by_ext = files.iter().filter(|p| has_audio_extension(p)).count();
        let ext_time = t.elapsed();
        let (mut audio_t, mut other_t) = (Duration::ZERO, Duration::ZERO);
        let (mut n_audio, mut n_other, mut disagree) = (0, 0, Vec::new());
        for p in &files {
            let t = Instant::now();
            let s = sniff(p).ok().flatten();
            let dt = t.elapsed();
            if s.is_some() {
                n_audio += 1;
                audio_t += dt;
            } else {
                n_other += 1;
                other_t += dt;
            }
            if s.is_some() != has_audio_extension(p) {
                disagree.push(p.display().to_string());
            }
        }
        let us = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n.max(1) as f64;
        println!(
            "round {round}: {} files ({errors} walk errors): walk {:.1} µs/file; extension \
             {:.2} µs/file ({by_ext} audio); sniff {:.0} µs/file on audio ({n_audio}), {:.0} \
             µs/file on others ({n_other}); {} disagree{}",
            files.len(),
            us(walk_time, files.len()),
            us(ext_time, files.len()),
            us(audio_t, n_audio),
            us(other_t, n_other),
            disagree.len(),
            if disagree.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    disagree
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
}
