//! Writes the 65 ComParE LLDs (and deltas) of an audio file, for inspection against openSMILE.
//! Usage: `cargo run --release -p mer-smile --example smile_dump -- IN.wav OUT_PREFIX`
//! → `OUT_PREFIX.lld.npy`, `OUT_PREFIX.lld_de.npy` (float32 [frames, 65]).

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        return Err("usage: smile_dump IN OUT_PREFIX".into());
    }
    let audio = mer_audio::load(Path::new(&args[1]), None)?;
    let llds = mer_smile::compare_llds(&audio.samples, audio.sample_rate)?;
    for (m, suffix) in [(&llds.lld, "lld"), (&llds.delta, "lld_de")] {
        let table = mer_smile::Table {
            columns: (0..mer_smile::N_LLD).map(|i| i.to_string()).collect(),
            times_s: (0..m.n_frames).map(|t| t as f64 * m.period_s).collect(),
            values: m.values.clone(),
        };
        mer_smile::write_table(&table, Path::new(&format!("{}.{suffix}.npy", args[2])))?;
    }
    Ok(())
}
