//! One file's musicnn embedding time split into decode + resample, log-mel, model load and
//! the 2 Hz embeddings (`taskset -c 0 target/release/examples/time_musicnn FILE`).

fn main() {
    let p = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let t = std::time::Instant::now();
    let a = mer_audio::load(&p, Some(16000)).unwrap();
    let t1 = t.elapsed();
    let lm = mer_musicnn::frontend::logmel(&a.samples).unwrap();
    let t2 = t.elapsed();
    let e = mer_musicnn::MusicnnEmbedder::new().unwrap();
    let t3 = t.elapsed();
    let m = e.embed_2hz_logmel(&lm).unwrap();
    let t4 = t.elapsed();
    println!(
        "{} frames; decode {:?} mel {:?} load {:?} embed {:?}",
        m.rows,
        t1,
        t2 - t1,
        t3 - t2,
        t4 - t3
    );
}
