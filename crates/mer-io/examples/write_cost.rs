//! What atomic writing costs: `write_cost DIR [N] [KB]` writes N files of KB kilobytes into DIR
//! with `std::fs::write`, with the atomic writer without fsync (as the feature cache) and with
//! `mer_io::write_bytes` (temporary file, fsync, rename, fsync of the folder), three rounds
//! each, and prints the time per file (min over rounds).

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
    let mut best = [f64::INFINITY; 3];
    for _ in 0..3 {
        for (k, best) in best.iter_mut().enumerate() {
            let t = Instant::now();
            for i in 0..n {
                let p = dir.join(format!("f{i}.npy"));
                match k {
                    0 => std::fs::write(&p, &bytes).expect("write"),
                    1 => {
                        let mut f = mer_io::AtomicFile::create(&p, mer_io::Overwrite::Replace)
                            .expect("create")
                            .without_fsync();
                        std::io::Write::write_all(&mut f, &bytes).expect("write");
                        f.commit().expect("commit");
                    }
                    _ => {
                        mer_io::write_bytes(&p, mer_io::Overwrite::Replace, &bytes).expect("write")
                    }
                }
            }
            *best = best.min(t.elapsed().as_secs_f64() * 1e3 / n as f64);
        }
    }
    println!(
        "{n} files of {kb} KB: std::fs::write {:.3} ms/file; atomic without fsync {:.3} \
         ms/file; atomic with fsync (the default) {:.3} ms/file (x{:.1} std::fs::write)",
        best[0],
        best[1],
        best[2],
        best[2] / best[0]
    );
}
