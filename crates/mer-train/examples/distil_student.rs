//! Issue 18, item 1: distil MSD_musicnn's 2 Hz embeddings into a small log-mel student
//! (`mer_model::student`), then score the default's recipe (ridge head, nested CV + holdout,
//! `mer_train::protocol`) on the student's embeddings beside the teacher's, and time both.
//!
//! ```text
//! # teacher embeddings from the feature cache (MER_CACHE), full-rate log-mel cached in OUT/logmel
//! RAYON_NUM_THREADS=1 nice cargo run --release -p mer -p mer-train --example distil_student -- \
//!     train DATA OUT [MINUTES]          # trains for MINUTES (default 35), saves OUT/student.bpk
//! # resume: start from FROM/student.bpk (its standardisation kept), cosine restart at
//! # STUDENT_LR (default 3e-4); STUDENT_MEAN_W weighs a crop-mean embedding loss term
//! ... --example distil_student -- train DATA OUT MINUTES FROM
//! ... --example distil_student -- eval DATA OUT         # per-dim r, nested CV student vs teacher
//! ... --example distil_student -- speed DATA OUT [N]    # CPU s per clip on N 4Q holdout clips
//! ```
//!
//! The fixed holdout (`experiments/holdout-shared.txt`) is left out of the student's training
//! too, so its per-dimension r and its holdout scores are on clips the student never saw.

use std::path::{Path, PathBuf};
use std::time::Instant;

use mer_data::{FeatureCache, Matrix};
use mer_kernels::Precision;
use mer_model::burn::module::Module;
use mer_model::burn::optim::{AdamConfig, GradientsParams};
use mer_model::burn::store::ModuleRecord;
use mer_model::burn::tensor::{Bytes, Device, Tensor, TensorData};
use mer_model::student::{FastStudent, Student, StudentConfig, output_frames, window_start};
use mer_musicnn::embed::patch_start_2hz;
use mer_train::cv::cross_validate_preset;
use mer_train::protocol::{Grid, committed_holdout, nested_cv};
use mer_train::shared::labelled_items;
use mer_train::{Preset, SharedData};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const N_MELS: usize = 96;
/// Silent (log-mel 0) frames before each track: every patch, and `MARGIN` before it, is inside.
const PAD: usize = 120;
/// Silent frames after each track.
const PAD_END: usize = 128;
/// Input frames of context kept around a training crop's patches.
const MARGIN: usize = 20;

/// A track: raw padded log-mel `[tp, 96]` (time-major), teacher embeddings `[n, 200]`.
struct Track {
    id: String,
    mel: Vec<f32>,
    tp: usize,
    teacher: Matrix,
    holdout: bool,
}

impl Track {
    fn n(&self) -> usize {
        self.teacher.rows
    }
}

/// First padded input frame of 2 Hz frame `k`'s patch.
fn patch_a(k: usize) -> usize {
    (patch_start_2hz(k) + PAD as i64) as usize
}

/// Per-band and per-dimension standardisation fitted on the training tracks.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stats {
    config: StudentConfig,
    band_mean: Vec<f32>,
    band_std: Vec<f32>,
    emb_mean: Vec<f32>,
    emb_std: Vec<f32>,
}

fn mean_std(rows: impl Iterator<Item = Vec<f32>>, dim: usize) -> (Vec<f32>, Vec<f32>) {
    let mut s = vec![0f64; dim];
    let mut s2 = vec![0f64; dim];
    let mut n = 0f64;
    for r in rows {
        for (d, &v) in r.iter().enumerate() {
            s[d] += f64::from(v);
            s2[d] += f64::from(v) * f64::from(v);
        }
        n += 1.0;
    }
    let mean: Vec<f32> = s.iter().map(|x| (x / n) as f32).collect();
    let std = s2
        .iter()
        .zip(&s)
        .map(|(q, x)| ((q / n - (x / n).powi(2)).max(0.0).sqrt() as f32).max(1e-3))
        .collect();
    (mean, std)
}

/// Teacher embeddings (feature cache) and full-rate log-mel (OUT/logmel cache) of every clip.
fn load_tracks(data_dir: &Path, out: &Path) -> Res<(SharedData, Vec<Track>)> {
    let t0 = Instant::now();
    let cache = FeatureCache::open_default()?;
    let data = SharedData::load_logged(data_dir, &cache)?;
    let holdout = committed_holdout()?;
    let paths: std::collections::HashMap<String, PathBuf> = labelled_items(data_dir)?
        .into_iter()
        .map(|(name, it)| (mer_train::example::clip_id(name, &it), it.audio))
        .collect();
    let mel_cache = FeatureCache::new(out.join("logmel"))?;
    let key = format!(
        "musicnn-logmel-full/v1;{};resampler={}",
        mer_musicnn::frontend::mel_config().describe(),
        mer_audio::RESAMPLER
    );
    let tracks: Vec<Track> = data
        .clips
        .par_iter()
        .map(|c| -> Res<Track> {
            let path = paths.get(&c.id).ok_or(format!("{}: no audio path", c.id))?;
            let e = mel_cache.get_or_compute_entry(path, &key, || {
                let a = mer_audio::load(path, Some(mer_featureset::RATE_16K))?;
                mer_musicnn::frontend::logmel(&a.samples)
                    .map(|m| (m, a.warnings))
                    .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
            })?;
            let teacher = c
                .musicnn
                .clone()
                .ok_or(format!("{}: no teacher embeddings", c.id))?;
            let rows = e.matrix.rows;
            let tp = PAD + rows + PAD_END;
            let mut mel = vec![0f32; tp * N_MELS];
            mel[PAD * N_MELS..(PAD + rows) * N_MELS].copy_from_slice(&e.matrix.data);
            Ok(Track {
                id: c.id.clone(),
                mel,
                tp,
                teacher,
                holdout: holdout.contains(&c.id),
            })
        })
        .collect::<Res<Vec<_>>>()?;
    eprintln!(
        "log-mel of {} tracks ({} holdout) in {:.0} s",
        tracks.len(),
        tracks.iter().filter(|t| t.holdout).count(),
        t0.elapsed().as_secs_f64()
    );
    Ok((data, tracks))
}

fn fit_stats(tracks: &[Track], config: StudentConfig) -> Stats {
    let train = || tracks.iter().filter(|t| !t.holdout);
    let (band_mean, band_std) = mean_std(
        train().flat_map(|t| {
            t.mel[PAD * N_MELS..(t.tp - PAD_END) * N_MELS]
                .chunks_exact(N_MELS)
                .map(<[f32]>::to_vec)
        }),
        N_MELS,
    );
    let dim = config.n_out;
    let (emb_mean, emb_std) = mean_std(
        train().flat_map(|t| t.teacher.data.chunks_exact(dim).map(<[f32]>::to_vec)),
        dim,
    );
    Stats {
        config,
        band_mean,
        band_std,
        emb_mean,
        emb_std,
    }
}

/// SplitMix64.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
}

/// Standardised log-mel of raw log-mel `v` in band `b`, with `gain_db` applied to the mel
/// power first (`log10(10000 x + 1)` inverted, scaled, re-applied).
fn norm_value(v: f32, b: usize, gain_db: f32, s: &Stats) -> f32 {
    let v = if gain_db == 0.0 {
        v
    } else {
        ((10f32.powf(v) - 1.0) * 10f32.powf(gain_db / 10.0) + 1.0).log10()
    };
    (v - s.band_mean[b]) / s.band_std[b]
}

/// Input frames of a crop of `k` consecutive 2 Hz frames (multiple of 4).
fn crop_len(k: usize) -> usize {
    let span = (31.25 * (k - 1) as f64).ceil() as usize + 1 + 187 + 2 * MARGIN + 4;
    span.div_ceil(4) * 4
}

/// Input `[b, len, 96]`, its `len`, windows `(crop, first output frame)`, targets `[b·k, 200]`.
type HostBatch = (Vec<f32>, usize, Vec<(usize, usize)>, Vec<f32>);

/// A batch of crops `(track, first 2 Hz frame)` of `k` frames: input `[b, len, 96]`, windows,
/// standardised targets `[b·k, 200]`. `aug`: random gain and spectral tilt (± dB) per crop.
fn make_batch(
    tracks: &[Track],
    picks: &[(usize, usize)],
    k: usize,
    s: &Stats,
    mut aug: Option<(&mut Rng, f32)>,
) -> HostBatch {
    let len = crop_len(k);
    let dim = s.config.n_out;
    let mut x = vec![0f32; picks.len() * len * N_MELS];
    let mut windows = Vec::with_capacity(picks.len() * k);
    let mut y = Vec::with_capacity(picks.len() * k * dim);
    for (bi, &(ti, k0)) in picks.iter().enumerate() {
        let t = &tracks[ti];
        let c0 = (patch_a(k0) - MARGIN) / 4 * 4;
        let mut gain_tilt = (0.0, 0.0);
        if let Some((rng, db)) = aug.as_mut()
            && *db > 0.0
            && rng.below(2) == 0
        {
            gain_tilt = (rng.uniform(-*db, *db), rng.uniform(-*db, *db));
        }
        let (gain, tilt) = gain_tilt;
        for f in 0..len {
            let src = c0 + f;
            if src >= t.tp {
                break;
            }
            let row = &t.mel[src * N_MELS..(src + 1) * N_MELS];
            let dst = &mut x[(bi * len + f) * N_MELS..(bi * len + f + 1) * N_MELS];
            for b in 0..N_MELS {
                let g = gain + tilt * (b as f32 / (N_MELS - 1) as f32 - 0.5);
                dst[b] = norm_value(row[b], b, g, s);
            }
        }
        for kk in k0..k0 + k {
            windows.push((bi, window_start(patch_a(kk) - c0)));
            for (d, &v) in t.teacher.row(kk).iter().enumerate() {
                y.push((v - s.emb_mean[d]) / s.emb_std[d]);
            }
        }
    }
    (x, len, windows, y)
}

/// How the student's embeddings are computed: burn's forward (the reference) or
/// `FastStudent` (mer-kernels) in one precision.
enum Runner<'a> {
    Burn(&'a Student, &'a Device),
    Fast(&'a FastStudent),
}

impl Runner<'_> {
    fn name(&self) -> String {
        match self {
            Runner::Burn(..) => "burn".into(),
            Runner::Fast(f) => format!("fast {} ({})", f.precision().name(), f.isa().name()),
        }
    }
}

/// The student's embeddings `[n, 200]` (de-standardised) of a whole track.
fn embed_track(run: &Runner, t: &Track, s: &Stats) -> Matrix {
    let mut x = vec![0f32; t.mel.len()];
    for (dst, src) in x.chunks_exact_mut(N_MELS).zip(t.mel.chunks_exact(N_MELS)) {
        for b in 0..N_MELS {
            dst[b] = norm_value(src[b], b, 0.0, s);
        }
    }
    embed_normalised(run, x, t.tp, t.n(), s)
}

/// Embeddings `[n, 200]` (de-standardised) of standardised padded log-mel `x` (`[tp, 96]`).
fn embed_normalised(run: &Runner, x: Vec<f32>, tp: usize, n: usize, s: &Stats) -> Matrix {
    let starts: Vec<usize> = (0..n).map(|k| window_start(patch_a(k))).collect();
    debug_assert!(starts.last().is_none_or(|&j| j + 46 <= output_frames(tp)));
    let mut v: Vec<f32> = match run {
        Runner::Burn(net, device) => {
            let x = Tensor::<3>::from_data(TensorData::new(x, [1, tp, N_MELS]), *device)
                .swap_dims(1, 2);
            net.embed(x, &starts)
                .into_data()
                .try_to_vec::<f32>()
                .expect("f32 output")
        }
        Runner::Fast(f) => f.embed(&x, tp, &starts),
    };
    let dim = s.config.n_out;
    for row in v.chunks_exact_mut(dim) {
        for (d, x) in row.iter_mut().enumerate() {
            *x = *x * s.emb_std[d] + s.emb_mean[d];
        }
    }
    Matrix::new(n, dim, v)
}

fn load_student(out: &Path, device: &Device) -> Res<(Student, Stats)> {
    let s: Stats = serde_json::from_slice(&std::fs::read(out.join("student.json"))?)?;
    let bytes = std::fs::read(out.join("student.bpk"))?;
    let rec = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))?;
    let net = s.config.init(device).try_load_record(rec)?;
    Ok((net, s))
}

/// `STUDENT_*` environment knob `name` parsed as `T`, `default` when unset.
fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Res<T> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name}={v:?}: not a number").into()),
        Err(_) => Ok(default),
    }
}

/// Trains for `minutes` into `out`; `from`: a directory with a `student.bpk`/`student.json` to
/// start from (its standardisation is kept, the cosine schedule restarts at `STUDENT_LR`,
/// default 3e-4, with a fresh Adam state). `STUDENT_MEAN_W` (default 0) weighs an extra loss
/// term: the squared error of each crop's mean embedding (the static answer's input is a
/// clip's mean embedding).
fn train(data_dir: &Path, out: &Path, minutes: f64, from: Option<&Path>) -> Res<()> {
    let (_, tracks) = load_tracks(data_dir, out)?;
    let device = Device::flex();
    let ad = device.clone().autodiff();
    ad.seed(18);
    let (mut net, s, lr0, seed) = match from {
        Some(dir) => {
            let (net, s) = load_student(dir, &ad)?;
            eprintln!("resuming from {}", dir.display());
            (net, s, env_or("STUDENT_LR", 3e-4)?, 1818)
        }
        None => {
            let config = StudentConfig::default();
            let s = fit_stats(&tracks, config.clone());
            (config.init(&ad), s, env_or("STUDENT_LR", 1e-3)?, 18)
        }
    };
    let config = s.config.clone();
    eprintln!(
        "student {config:?}: {:.2} M MAC per second of audio",
        config.macs_per_second() / 1e6
    );
    let train_idx: Vec<usize> = (0..tracks.len()).filter(|&i| !tracks[i].holdout).collect();
    let hold_idx: Vec<usize> = (0..tracks.len()).filter(|&i| tracks[i].holdout).collect();
    let (batch, k) = (16usize, 12usize);
    let aug_db: f32 = env_or("STUDENT_AUG_DB", 3.0)?;
    let mean_w: f32 = env_or("STUDENT_MEAN_W", 0.0)?;
    eprintln!("lr {lr0:.1e}, aug ±{aug_db} dB, crop-mean loss weight {mean_w}");
    let mut optim = AdamConfig::new().init();
    let mut rng = Rng(seed);
    // A fixed validation set: 4 batches of holdout crops.
    let mut vrng = Rng(7);
    let val: Vec<_> = (0..4)
        .map(|_| {
            let picks: Vec<(usize, usize)> = (0..batch)
                .map(|_| {
                    let ti = hold_idx[vrng.below(hold_idx.len())];
                    (ti, vrng.below(tracks[ti].n() - k + 1))
                })
                .collect();
            make_batch(&tracks, &picks, k, &s, None)
        })
        .collect();
    let val_loss = |net: &Student| -> f64 {
        let valid = net.valid();
        let mut sum = 0.0;
        for (x, len, w, y) in &val {
            let xt =
                Tensor::<3>::from_data(TensorData::new(x.clone(), [batch, *len, N_MELS]), &device)
                    .swap_dims(1, 2);
            let yt = Tensor::<2>::from_data(
                TensorData::new(y.clone(), [w.len(), s.config.n_out]),
                &device,
            );
            let l: f32 = (valid.forward(xt, w) - yt).square().mean().into_scalar();
            sum += f64::from(l);
        }
        sum / val.len() as f64
    };
    let save = |net: &Student, s: &Stats, log: &[String]| -> Res<()> {
        let bytes = net.valid().into_record().into_bytes()?.to_vec();
        std::fs::write(out.join("student.bpk.tmp"), bytes)?;
        std::fs::rename(out.join("student.bpk.tmp"), out.join("student.bpk"))?;
        std::fs::write(out.join("student.json"), serde_json::to_vec_pretty(s)?)?;
        std::fs::write(out.join("train.log"), log.join("\n") + "\n")?;
        Ok(())
    };
    let budget = minutes * 60.0;
    let t0 = Instant::now();
    let mut step = 0usize;
    let mut run = 0.0;
    let mut log = Vec::new();
    eprintln!("val loss at start {:.4}", val_loss(&net));
    loop {
        let elapsed = t0.elapsed().as_secs_f64();
        if elapsed > budget {
            break;
        }
        let lr = lr0 * 0.5 * (1.0 + (std::f64::consts::PI * elapsed / budget).cos()) + 1e-5;
        let picks: Vec<(usize, usize)> = (0..batch)
            .map(|_| {
                let ti = train_idx[rng.below(train_idx.len())];
                (ti, rng.below(tracks[ti].n().saturating_sub(k) + 1))
            })
            .collect();
        let picks: Vec<_> = picks.into_iter().filter(|p| tracks[p.0].n() >= k).collect();
        let (x, len, w, y) = make_batch(&tracks, &picks, k, &s, Some((&mut rng, aug_db)));
        let xt = Tensor::<3>::from_data(TensorData::new(x, [picks.len(), len, N_MELS]), &ad)
            .swap_dims(1, 2);
        let yt = Tensor::<2>::from_data(TensorData::new(y, [w.len(), s.config.n_out]), &ad);
        let err = net.forward(xt, &w) - yt; // [b·k, 200], crop by crop
        let frame = err.clone().square().mean();
        let lv: f32 = frame.clone().into_scalar();
        let loss = if mean_w > 0.0 {
            let crop = err
                .reshape([picks.len(), k, s.config.n_out])
                .mean_dim(1)
                .square()
                .mean();
            frame + crop * mean_w
        } else {
            frame
        };
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optim.step(lr, net, grads);
        run += f64::from(lv);
        step += 1;
        if step.is_multiple_of(100) {
            let vl = val_loss(&net);
            let line = format!(
                "step {step} {:.0} s lr {lr:.2e} train mse {:.4} holdout mse {vl:.4}",
                t0.elapsed().as_secs_f64(),
                run / 100.0
            );
            eprintln!("{line}");
            log.push(line);
            run = 0.0;
            // A checkpoint, so a stopped run keeps its progress.
            save(&net, &s, &log)?;
        }
    }
    let vl = val_loss(&net);
    let line = format!(
        "done: {step} steps of {batch}×{k} frames in {:.0} s; holdout mse {vl:.4}",
        t0.elapsed().as_secs_f64()
    );
    eprintln!("{line}");
    log.push(line);
    save(&net, &s, &log)
}

/// Per-dimension r between teacher and student over `rows` (each a pair of 200-d rows):
/// (median, 10th percentile, mean, dims with a defined r).
fn per_dim_r(pairs: &[(&[f32], &[f32])], dim: usize) -> (f64, f64, f64, usize) {
    let mut rs: Vec<f64> = (0..dim)
        .map(|d| {
            let a: Vec<f32> = pairs.iter().map(|p| p.0[d]).collect();
            let b: Vec<f32> = pairs.iter().map(|p| p.1[d]).collect();
            mer_model::metrics::pearson(&a, &b)
        })
        .filter(|r| r.is_finite())
        .collect();
    rs.sort_by(f64::total_cmp);
    let n = rs.len();
    let q = |p: f64| rs[((p * (n - 1) as f64).round() as usize).min(n - 1)];
    (q(0.5), q(0.1), rs.iter().sum::<f64>() / n as f64, n)
}

fn clip_mean(m: &Matrix) -> Vec<f32> {
    let mut v = vec![0f32; m.cols];
    for r in 0..m.rows {
        for (d, x) in m.row(r).iter().enumerate() {
            v[d] += x / m.rows as f32;
        }
    }
    v
}

/// `STUDENT_EVAL`: comma-separated list of what to score (default `teacher,burn`): `teacher`
/// (the default's recipe on the teacher's embeddings), student runners `burn` (the reference)
/// and `f32`, `bf16`, `int8` (`FastStudent` in that precision).
fn eval(data_dir: &Path, out: &Path) -> Res<()> {
    let (data, tracks) = load_tracks(data_dir, out)?;
    let device = Device::flex();
    let (net, s) = load_student(out, &device)?;
    let kinds: Vec<String> = std::env::var("STUDENT_EVAL")
        .unwrap_or_else(|_| "teacher,burn".into())
        .split(',')
        .map(str::to_owned)
        .collect();
    let with_teacher = kinds.iter().any(|k| k == "teacher");
    let fast: Vec<Option<FastStudent>> = kinds
        .iter()
        .filter(|k| *k != "teacher")
        .map(|k| -> Res<_> {
            Ok(match k.as_str() {
                "burn" => None,
                p => Some(FastStudent::new(&net, p.parse()?)),
            })
        })
        .collect::<Res<_>>()?;
    let holdout = committed_holdout()?;
    let base = Preset::named("default")?;
    // STUDENT_GRID=fixed: the shipped default's settings in every fold (no search: ~80× less
    // work than the 80-point grid, ~25 min per nested CV on one thread).
    let (grid, grid_name) = match std::env::var("STUDENT_GRID").as_deref() {
        Ok("fixed") => (Grid::fixed(&base)?, "fixed settings"),
        _ => (Grid::default_recipe(), "80-point grid"),
    };
    let dim = s.config.n_out;
    let mut rows = Vec::new();
    let mut reports = Vec::new();
    let mut score = |name: String, d: &SharedData| -> Res<()> {
        let r = nested_cv(&base, &grid, d, &holdout, 5)?;
        let old = cross_validate_preset(&base, d, 5)?;
        for (p, n, x) in [
            (format!("nested 5×4 CV, {grid_name}"), r.n_rest, &r.outer),
            (format!("holdout, {grid_name}"), r.n_holdout, &r.holdout),
            (
                "old 5-fold CV, all clips (fast's REPORT row)".into(),
                d.clips.len(),
                &old,
            ),
        ] {
            let line = format!(
                "| {name} | {p} | {n} | {:.3} | {:.3} | {:.3} |",
                x.musifeast_r_arousal, x.musifeast_r_valence, x.fourq_accuracy
            );
            eprintln!("{line}");
            rows.push(line);
        }
        reports.push((name, r, old));
        Ok(())
    };
    if with_teacher {
        score("teacher (MSD_musicnn)".into(), &data)?;
    }
    for f in &fast {
        let run = match f {
            None => Runner::Burn(&net, &device),
            Some(f) => Runner::Fast(f),
        };
        let t0 = Instant::now();
        let student: Vec<Matrix> = tracks
            .par_iter()
            .map(|t| embed_track(&run, t, &s))
            .collect();
        println!(
            "student {}: embeddings of {} tracks in {:.1} s",
            run.name(),
            tracks.len(),
            t0.elapsed().as_secs_f64()
        );
        for (name, hold) in [("holdout", true), ("training", false)] {
            let frames: Vec<(&[f32], &[f32])> = tracks
                .iter()
                .zip(&student)
                .filter(|(t, _)| t.holdout == hold)
                .flat_map(|(t, m)| (0..t.n()).map(move |r| (t.teacher.row(r), m.row(r))))
                .collect();
            let (med, p10, mean, n) = per_dim_r(&frames, dim);
            println!(
                "per-dim r, 2 Hz frames, {name} clips ({} frames): median {med:.3}, p10 {p10:.3}, mean {mean:.3} over {n} dims",
                frames.len()
            );
            let means: Vec<(Vec<f32>, Vec<f32>)> = tracks
                .iter()
                .zip(&student)
                .filter(|(t, _)| t.holdout == hold)
                .map(|(t, m)| (clip_mean(&t.teacher), clip_mean(m)))
                .collect();
            let pairs: Vec<(&[f32], &[f32])> = means
                .iter()
                .map(|(a, b)| (a.as_slice(), b.as_slice()))
                .collect();
            let (med, p10, mean, n) = per_dim_r(&pairs, dim);
            println!(
                "per-dim r, clip means, {name} clips ({} clips): median {med:.3}, p10 {p10:.3}, mean {mean:.3} over {n} dims",
                pairs.len()
            );
        }
        // The default's recipe on the student's embeddings.
        let mut data_s = data.clone();
        for (c, (t, m)) in data_s.clips.iter_mut().zip(tracks.iter().zip(student)) {
            assert_eq!(c.id, t.id);
            c.musicnn = Some(m);
        }
        score(format!("student, {}", run.name()), &data_s)?;
    }
    println!("| embeddings | protocol | clips | MUSIFEAST r A | r V | 4Q acc |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    std::fs::write(out.join("eval.json"), serde_json::to_vec_pretty(&reports)?)?;
    Ok(())
}

/// CPU seconds used so far by all threads of this process (Linux).
fn cpu_seconds() -> f64 {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
                .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    ns as f64 * 1e-9
}

/// Standardised, padded student input `[PAD + rows + PAD_END, 96]` of raw log-mel `logmel`.
fn student_input(logmel: &Matrix, s: &Stats) -> (Vec<f32>, usize) {
    let rows = logmel.rows;
    let tp = PAD + rows + PAD_END;
    let zero: Vec<f32> = (0..N_MELS).map(|b| norm_value(0.0, b, 0.0, s)).collect();
    let mut x = vec![0f32; tp * N_MELS];
    for (u, dst) in x.chunks_exact_mut(N_MELS).enumerate() {
        if (PAD..PAD + rows).contains(&u) {
            let src = logmel.row(u - PAD);
            for b in 0..N_MELS {
                dst[b] = norm_value(src[b], b, 0.0, s);
            }
        } else {
            dst.copy_from_slice(&zero);
        }
    }
    (x, tp)
}

/// Mean CPU seconds of `g` over `reps` runs after one warm-up run.
fn timed(reps: u32, g: &mut dyn FnMut()) -> f64 {
    g();
    let t = cpu_seconds();
    for _ in 0..reps {
        g();
    }
    (cpu_seconds() - t) / f64::from(reps)
}

fn speed(data_dir: &Path, out: &Path, n_clips: usize) -> Res<()> {
    let device = Device::flex();
    let (net, s) = load_student(out, &device)?;
    let fast32 = FastStudent::new(&net, Precision::F32);
    let fast16 = FastStudent::new(&net, Precision::Bf16);
    let fast8 = FastStudent::new(&net, Precision::Int8);
    let runners = [
        Runner::Burn(&net, &device),
        Runner::Fast(&fast32),
        Runner::Fast(&fast16),
        Runner::Fast(&fast8),
    ];
    let holdout = committed_holdout()?;
    let files: Vec<PathBuf> = labelled_items(data_dir)?
        .into_iter()
        .filter(|(name, it)| {
            *name == "4q" && holdout.contains(&mer_train::example::clip_id(name, it))
        })
        .map(|(_, it)| it.audio)
        .take(n_clips)
        .collect();
    let musicnn = mer_musicnn::MusicnnEmbedder::new()?;
    let fast = mer_predict::Predictor::load(&mer_predict::ModelChoice::Fast)?;
    let default = mer_predict::Predictor::load(&mer_predict::ModelChoice::Default)?;
    // decode, log-mel, 4 student runners, musicnn, fast, default.
    let mut tot = [0f64; 9];
    let reps = 3;
    let mut first_samples = Vec::new();
    for f in &files {
        let mut samples = Vec::new();
        let decode = timed(reps, &mut || {
            samples = mer_audio::load(f, Some(16_000)).expect("decode").samples
        });
        let mut logmel = Matrix::new(0, 0, Vec::new());
        let mel = timed(reps, &mut || {
            logmel = mer_musicnn::frontend::logmel(&samples).expect("log-mel")
        });
        let n = mer_features::frames_2hz(samples.len() as u64, 256, 16_000);
        let mut stu = [0f64; 4];
        for (t, run) in stu.iter_mut().zip(&runners) {
            *t = timed(reps, &mut || {
                let (x, tp) = student_input(&logmel, &s);
                embed_normalised(run, x, tp, n, &s);
            });
        }
        let teach = timed(reps, &mut || {
            musicnn.embed_2hz_logmel(&logmel).expect("musicnn");
        });
        let fast_t = timed(reps, &mut || {
            fast.predict_samples(&samples, 16_000).expect("fast");
        });
        let def_t = timed(reps, &mut || {
            default.predict_samples(&samples, 16_000).expect("default");
        });
        eprintln!(
            "{}: decode+resample {decode:.4} log-mel {mel:.4} student burn {:.4} fast f32 {:.4} fast bf16 {:.4} fast int8 {:.4} musicnn ({:?}) {teach:.4} fast predict_samples {fast_t:.4} default predict_samples {def_t:.4}",
            f.display(),
            stu[0],
            stu[1],
            stu[2],
            stu[3],
            musicnn.precision()
        );
        let all = [
            decode, mel, stu[0], stu[1], stu[2], stu[3], teach, fast_t, def_t,
        ];
        for (t, v) in tot.iter_mut().zip(all) {
            *t += v / files.len() as f64;
        }
        if first_samples.is_empty() {
            first_samples = samples;
        }
    }
    println!(
        "mean CPU s per 30 s clip over {} 4Q holdout clips, one thread: decode+resample {:.4} | log-mel {:.4} | musicnn net ({:?}) {:.4} | fast model from 16 kHz samples (log-mel + CRNN) {:.4} | default from 16 kHz samples {:.4}",
        files.len(),
        tot[0],
        tot[1],
        musicnn.precision(),
        tot[6],
        tot[7],
        tot[8]
    );
    for (i, run) in runners.iter().enumerate() {
        let e2e = tot[1] + tot[2 + i];
        println!(
            "  student {}: net {:.4} s (standardisation + net + pooling + head), from 16 kHz samples {e2e:.4} s = {:.2}× the fast model's time, {:.1}× less than the default's; from the file {:.4} s vs fast {:.4} s",
            run.name(),
            tot[2 + i],
            e2e / tot[7],
            tot[8] / e2e,
            tot[0] + e2e,
            tot[0] + tot[7]
        );
    }
    // A 5-minute track: the first clip's samples ten times over.
    let long: Vec<f32> = (0..10)
        .flat_map(|_| first_samples.iter().copied())
        .collect();
    let mut logmel = Matrix::new(0, 0, Vec::new());
    let mel = timed(1, &mut || {
        logmel = mer_musicnn::frontend::logmel(&long).expect("log-mel")
    });
    let n = mer_features::frames_2hz(long.len() as u64, 256, 16_000);
    let fast_t = timed(1, &mut || {
        fast.predict_samples(&long, 16_000).expect("fast");
    });
    println!(
        "5-minute track ({:.0} s, first clip ×10), CPU s, one thread: log-mel {mel:.3} | fast model from 16 kHz samples {fast_t:.3}",
        long.len() as f64 / 16_000.0
    );
    for run in &runners {
        let t = timed(1, &mut || {
            let (x, tp) = student_input(&logmel, &s);
            embed_normalised(run, x, tp, n, &s);
        });
        println!(
            "  student {}: net {t:.3} s, from 16 kHz samples {:.3} s = {:.2}× the fast model's time",
            run.name(),
            mel + t,
            (mel + t) / fast_t
        );
    }
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: distil_student train DATA OUT [MINUTES [FROM_DIR]] | eval DATA OUT | speed DATA OUT [N]";
    let (cmd, data, out) = match args.as_slice() {
        [c, d, o, ..] => (c.as_str(), PathBuf::from(d), PathBuf::from(o)),
        _ => return Err(usage.into()),
    };
    std::fs::create_dir_all(&out)?;
    match cmd {
        "train" => train(
            &data,
            &out,
            args.get(3).map_or(Ok(35.0), |m| m.parse())?,
            args.get(4).map(Path::new),
        ),
        "eval" => eval(&data, &out),
        "speed" => speed(&data, &out, args.get(3).map_or(Ok(8), |m| m.parse())?),
        _ => Err(usage.into()),
    }
}
