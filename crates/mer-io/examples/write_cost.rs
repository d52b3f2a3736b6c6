//! What atomic writing costs: `write_cost DIR [N] [KB]` writes N files of KB kilobytes into DIR
//! with `std::fs::write` and with `mer_io::write_bytes` (temporary file, fsync, rename, fsync
//! of the folder), three rounds each, and prints the time per file (min over rounds).

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: write_cost DIR [N] [KB]");
        std::process::exit(2);
    };
    let n: usize = args.get(1).map_or(200, |s| s.parse().expect("N"));
    let kb: usize = args.get(2).map_or(100, |s| s.parse().expect("KB"));
    std::fs::create_dir_all(&dir).expect("DIR");
    let bytes = vec![42u8; kb * 1024];
    let mut best = [f64::INFINITY; 2];
    for _ in 0..3 {
        for (k, atomic) in [false, true].into_iter().enumerate() {
            let t = Instant::now();
            for i in 0..n {
                let p = dir.join(format!("f{i}.npy"));
                if atomic {
                    mer_io::write_bytes(&p, mer_io::Overwrite::Replace, &bytes).expect("write");
                } else {
                    std::fs::write(&p, &bytes).expect("write");
                }
            }
            best[k] = best[k].min(t.elapsed().as_secs_f64() * 1e3 / n as f64);
        }
    }
    println!(
        "{n} files of {kb} KB: std::fs::write {:.3} ms/file, mer_io::write_bytes {:.3} ms/file \
         (x{:.1})",
        best[0],
        best[1],
        best[1] / best[0]
    );
}
