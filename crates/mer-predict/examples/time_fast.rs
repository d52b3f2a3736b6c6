//! Where the fast model's time goes for one file, on the calling thread (mean of 5 runs after
//! a warm-up): decode alone, decode + resample to 16 kHz, the model on samples in memory, and
//! `predict_file` end to end. A breakdown for REPORT.md, not a benchmark against a reference.
//!
//! ```text
//! cargo build --release -p mer-predict --example time_fast
//! taskset -c 0 target/release/examples/time_fast FILE
//! ```

fn main() {
    let p = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: time_fast FILE"));
    let n = 5;
    let pr = mer_predict::Predictor::fast_model().unwrap();
    let _ = pr.predict_file(&p).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..n {
        mer_audio::load(&p, None).unwrap();
    }
    let t1 = t.elapsed() / n;
    let t = std::time::Instant::now();
    let mut a = None;
    for _ in 0..n {
        a = Some(mer_audio::load(&p, Some(16000)).unwrap());
    }
    let t2 = t.elapsed() / n;
    let a = a.unwrap();
    let t = std::time::Instant::now();
    for _ in 0..n {
        pr.predict_samples(&a.samples, 16000).unwrap();
    }
    let t3 = t.elapsed() / n;
    let t = std::time::Instant::now();
    for _ in 0..n {
        pr.predict_file(&p).unwrap();
    }
    let t4 = t.elapsed() / n;
    println!("decode {t1:?} decode+resample16k {t2:?} predict_samples {t3:?} predict_file {t4:?}");
}
