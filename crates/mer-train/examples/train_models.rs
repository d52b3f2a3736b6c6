//! Trains and cross-validates the shipped models on the shared data.
//!
//! ```text
//! cargo run --release -p mer-train --example train_models -- <data dir> <cache dir> <out dir> [cv|train] [names...]
//! ```
//! `cv NAMES`: 5-fold CV of each preset name (plus `probe` for the ridge probes;
//! `TEACHER>STUDENT`, e.g. `default>fast-labels`, for a student trained on the teacher's
//! series; `fast` is `default>fast-labels`);
//! `mix A+B`: averages the held-out series that `cv A` and `cv B` dumped
//! to `<out>/<name>.held.json`; `train NAMES`: trains presets on all clips and writes `<out>/<name>.mermodel`.

use std::path::PathBuf;

use mer_data::FeatureCache;
use mer_featureset::FeatureSet;
use mer_train::cv::{
    SharedCvReport, cross_validate_mix, cross_validate_preset, linear_probe_cv, mix_held_out,
};
use mer_train::{Clip, Preset, SharedData, train_on_clips};

/// `NAME[@LAMBDA[,WQ[,SMOOTH]]][-xN]`: a preset, a ridge penalty, 4Q row weight and output
/// smoothing, an ensemble of N seeds.
fn parse_preset(n: &str) -> Result<Preset, Box<dyn std::error::Error>> {
    let (base, ens) = match n.split_once("-x") {
        Some((b, e)) => (b, e.parse::<usize>()?),
        None => (n, 1),
    };
    // TEACHER>STUDENT: the student distilled from the teacher (Preset::teacher).
    if let Some((teacher, student)) = base.split_once('>') {
        let mut p = parse_preset(student)?;
        p.teacher = Some(teacher.into());
        p.ensemble = ens;
        p.name = n.into();
        return Ok(p);
    }
    let (base, ridge) = match base.split_once('@') {
        Some((b, l)) => (b, Some(l)),
        None => (base, None),
    };
    let mut p = Preset::named(base)?;
    if let (Some(l), mer_model::ModelConfig::Ridge(rc)) = (ridge, &mut p.model) {
        let mut parts = l.split(',');
        rc.lambda = parts.next().unwrap_or_default().parse()?;
        if let Some(wq) = parts.next() {
            p.quadrant_weight = wq.parse()?;
        }
        if let Some(sm) = parts.next() {
            p.smooth_frames = sm.parse()?;
        }
    }
    p.ensemble = ens;
    p.name = n.into();
    Ok(p)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data_dir = PathBuf::from(&args[0]);
    let cache = FeatureCache::new(&args[1])?;
    let out = PathBuf::from(&args[2]);
    std::fs::create_dir_all(&out)?;
    let mode = args[3].as_str();
    let t0 = std::time::Instant::now();
    // musicnn embeddings when asked for, or when a named preset (or its teacher) reads them.
    let mut musicnn = std::env::var_os("WITH_MUSICNN").is_some();
    if matches!(mode, "cv" | "train") {
        for name in args[4..].iter().filter(|n| *n != "probe") {
            for member in name.split('+') {
                musicnn |= mer_train::recipe::needs_musicnn(&parse_preset(member)?)?;
            }
        }
    }
    let data = SharedData::load(&data_dir, Some(&cache), musicnn)?;
    eprintln!(
        "{} clips ({} failed) in {:.0} s",
        data.clips.len(),
        data.failures.len(),
        t0.elapsed().as_secs_f64()
    );
    for line in data.report_lines() {
        eprintln!("  {line}");
    }
    for name in &args[4..] {
        match (mode, name.as_str()) {
            ("cv", "probe") => {
                for kind in FeatureSet::ALL
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
                let members: Vec<Preset> =
                    n.split('+').map(parse_preset).collect::<Result<_, _>>()?;
                let r = if members.len() == 1 {
                    cross_validate_preset(&members[0], &data, 5)?
                } else {
                    cross_validate_mix(n, &members, &data, 5)?
                };
                println!("{}", serde_json::to_string(&r)?);
                let dump: Vec<_> = r.held_out.iter().collect();
                mer_io::write_bytes(
                    &out.join(format!("{n}.held.json")),
                    mer_io::Overwrite::Replace,
                    &serde_json::to_vec(&dump)?,
                )?;
            }
            ("mix", n) => {
                // Averages the held-out series dumped by earlier `cv` runs: NAME1+NAME2.
                let variants = n
                    .split('+')
                    .map(|v| -> Result<SharedCvReport, Box<dyn std::error::Error>> {
                        let bytes = std::fs::read(out.join(format!("{v}.held.json")))?;
                        Ok(SharedCvReport {
                            held_out: serde_json::from_slice(&bytes)?,
                            folds: 5,
                            ..SharedCvReport::default()
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let r = mix_held_out(n, &data, &variants);
                println!("{}", serde_json::to_string(&r)?);
            }
            ("train", n) => {
                let p = parse_preset(n)?;
                let t = std::time::Instant::now();
                let clips: Vec<&Clip> = data.clips.iter().collect();
                let m = train_on_clips(&p, &clips, true)?;
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
