//! Trains and cross-validates the shipped models on the shared data.
//!
//! ```text
//! cargo run --release -p mer-predict --example train_models -- <data dir> <cache dir> <out dir> [cv|train] [names...]
//! ```
//! `cv NAMES`: 5-fold CV of each preset name (plus `probe` for the ridge probes);
//! `train NAMES`: trains presets on all clips and writes `<out>/<name>.mermodel`.

use std::path::PathBuf;

use mer_data::FeatureCache;
use mer_predict::InputKind;
use mer_predict::training::{Preset, SharedData, cross_validate, linear_probe_cv, train_preset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data_dir = PathBuf::from(&args[0]);
    let cache = FeatureCache::new(&args[1])?;
    let out = PathBuf::from(&args[2]);
    std::fs::create_dir_all(&out)?;
    let mode = args[3].as_str();
    let t0 = std::time::Instant::now();
    let musicnn = std::env::var_os("WITH_MUSICNN").is_some();
    let data = SharedData::load(&data_dir, Some(&cache), musicnn)?;
    eprintln!(
        "{} clips ({} failed) in {:.0} s",
        data.clips.len(),
        data.failures.len(),
        t0.elapsed().as_secs_f64()
    );
    for (id, e) in &data.failures {
        eprintln!("  failed {id}: {e}");
    }
    for name in &args[4..] {
        match (mode, name.as_str()) {
            ("cv", "probe") => {
                for kind in InputKind::ALL
                    .into_iter()
                    .filter(|k| musicnn || !k.needs_musicnn())
                {
                    for lambda in [0.01, 0.1, 1.0] {
                        let r = linear_probe_cv(&data, kind, lambda, 5)?;
                        println!("{}", serde_json::to_string(&r)?);
                    }
                }
            }
            ("cv", n) => {
                let (base, ens) = match n.split_once("-x") {
                    Some((b, e)) => (b, e.parse::<usize>()?),
                    None => (n, 1),
                };
                let mut p = Preset::named(base)?;
                p.ensemble = ens;
                p.name = n.into();
                let r = cross_validate(&p, &data, 5)?;
                println!("{}", serde_json::to_string(&r)?);
            }
            ("train", n) => {
                let p = Preset::named(n)?;
                let t = std::time::Instant::now();
                let m = train_preset(&p, &data.examples(p.kind), true)?;
                let path = out.join(format!("{n}.mermodel"));
                m.save_file(&path)?;
                eprintln!(
                    "{n}: {} in {:.0} s",
                    path.display(),
                    t.elapsed().as_secs_f64()
                );
            }
            (m, _) => return Err(format!("unknown mode {m}").into()),
        }
    }
    Ok(())
}
