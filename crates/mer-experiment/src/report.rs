//! The report of an experiment, rebuilt from its runs: `report.md`, a self-contained
//! `report.html` (figures inline as SVG, no network), `figures/*.svg`, `summary.csv`,
//! `runs.csv` and `runs.json`. Every file is written atomically.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::figures;
use crate::runs::{ClipResult, RunRecord, RunStatus};
use crate::spec::{Experiment, ProtocolKind};
use crate::summary::{METRICS, MeanSd, Row, best_row, metric, ranking, rows};

/// What the report says besides the runs.
#[derive(Debug, Clone)]
pub struct ReportInfo {
    /// The command that made it.
    pub command: String,
    /// Runs in the whole grid.
    pub grid_total: usize,
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    mer_io::write_bytes(path, mer_io::Overwrite::Replace, bytes)?;
    Ok(())
}

/// `mean ± sd`; with one seed `mean ± –` (no spread to show). A value over fewer seeds than
/// the grid's `seeds` says so, `(n=2)`, so that cells over different seed counts are never
/// compared silently.
fn ms(m: Option<&MeanSd>, seeds: usize) -> String {
    let Some(m) = m else {
        return "–".into();
    };
    let mut s = if m.n < 2 {
        format!("{:.3} ± –", m.mean)
    } else {
        format!("{:.3} ± {:.3}", m.mean, m.sd)
    };
    if m.n < seeds {
        let _ = write!(s, " (n={})", m.n);
    }
    s
}

fn protocol_text(exp: &Experiment) -> String {
    match exp.protocol {
        ProtocolKind::Kfold => format!(
            "{}-fold cross-validation by song id (fold = fnv1a64(id) mod {}); per seed the test \
             clips of all folds are pooled",
            exp.folds, exp.folds
        ),
        ProtocolKind::Mediaeval2015 => format!(
            "MediaEval 2015 (DEAM): train on {} (15–45 s dynamic ratings), test on the \
             full-length songs 2001–2058",
            exp.dev_list.as_deref().map_or(
                "every DEAM song 1–2000 with dynamic ratings (no dev_list given)".to_string(),
                |l| format!("the development ids of {l}")
            )
        ),
        ProtocolKind::Holdout => format!(
            "holdout: test = the ids of {}",
            exp.test_list.as_deref().unwrap_or("?")
        ),
    }
}

/// The columns of the table that some row has.
fn columns(rows: &[Row]) -> Vec<&'static str> {
    METRICS
        .iter()
        .map(|m| m.name)
        .filter(|n| rows.iter().any(|r| r.values.contains_key(n)))
        .collect()
}

/// Per column, the row index holding the best mean.
fn best_per_column(rows: &[Row], cols: &[&'static str]) -> Vec<Option<usize>> {
    cols.iter()
        .map(|c| {
            let hi = metric(c).is_some_and(|m| m.higher_is_better);
            (0..rows.len())
                .filter(|&i| rows[i].values.get(c).is_some_and(|m| m.mean.is_finite()))
                .max_by(|&a, &b| {
                    let (x, y) = (rows[a].values[c].mean, rows[b].values[c].mean);
                    if hi { x.total_cmp(&y) } else { y.total_cmp(&x) }
                })
        })
        .collect()
}

/// The verdict: the best configuration and its margin over the best of each other model,
/// each with the seed spread (sd) of the ranking measure and the seeds (n) it is over, and
/// whether the margin exceeds the larger of the two sds.
fn verdict(rows: &[Row], seeds: usize) -> Option<String> {
    let (what, higher, v) = ranking(rows)?;
    let b = best_row(rows)?;
    let best = &rows[b];
    let cols = columns(rows);
    let vals: Vec<String> = cols
        .iter()
        .filter_map(|c| {
            best.values
                .get(c)
                .map(|m| format!("{c} {}", ms(Some(m), seeds)))
        })
        .collect();
    let bm = v[b]?;
    let mut s = format!(
        "Best by {what}: **{} at L = {} on {}** ({} of {seeds} seeds; {what} {}): {}.",
        best.key.model,
        best.key.seq_len,
        best.key.features,
        best.seeds.len(),
        ms(Some(&bm), 0),
        vals.join(", ")
    );
    let bv = bm.mean;
    // The best configuration of every other model, by the same measure.
    let mut others: Vec<(usize, f64)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let Some(x) = v[i].map(|m| m.mean) else {
            continue;
        };
        if r.key.model == best.key.model {
            continue;
        }
        match others
            .iter_mut()
            .find(|(j, _)| rows[*j].key.model == r.key.model)
        {
            Some(o) if (higher && x > o.1) || (!higher && x < o.1) => *o = (i, x),
            Some(_) => {}
            None => others.push((i, x)),
        }
    }
    others.sort_by(|a, b| {
        if higher {
            b.1.total_cmp(&a.1)
        } else {
            a.1.total_cmp(&b.1)
        }
    });
    if !others.is_empty() {
        s += " Margin over the best of each other model (same measure; positive = the winner is \
              better; sd = the seed spread of the measure, winner / other; n = seeds, winner / \
              other; \"> sd\" when the margin exceeds both sds):";
        for (i, x) in others {
            let r = &rows[i];
            let d = if higher { bv - x } else { x - bv };
            let om = v[i].unwrap_or(bm);
            let sd = |m: &MeanSd| {
                if m.n < 2 {
                    "–".to_string()
                } else {
                    format!("{:.4}", m.sd)
                }
            };
            let clear = bm.n > 1 && om.n > 1 && d > bm.sd.max(om.sd);
            let _ = write!(
                s,
                " {} (L = {}, {}) {:+.4} (sd {} / {}, n {} / {}{});",
                r.key.model,
                r.key.seq_len,
                r.key.features,
                d,
                sd(&bm),
                sd(&om),
                bm.n,
                om.n,
                if clear { ", > sd" } else { "" }
            );
        }
        s.pop();
        s.push('.');
    }
    Some(s)
}

#[derive(Serialize)]
struct RunJson<'a> {
    key: &'a crate::runs::RunKey,
    status: RunStatus,
    error: &'a Option<String>,
    metrics: &'a Option<mer_model::eval::EvalMetrics>,
    params: Option<usize>,
    n_train: usize,
    n_test: usize,
    epochs: usize,
    best_epoch: usize,
    train_s: f64,
    wall_s: f64,
    git_commit: &'a str,
    finished_unix_s: u64,
}

fn runs_csv(runs: &[RunRecord]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = [
        "features",
        "model",
        "seq_len",
        "seed",
        "fold",
        "status",
        "error",
        "n_train",
        "n_test",
        "params",
        "epochs",
        "best_epoch",
        "train_s",
        "wall_s",
        "git_commit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    head.extend(METRICS.iter().map(|m| m.name.to_string()));
    let csv_err = |e: csv::Error| Error::BadFile {
        path: "runs.csv".into(),
        reason: e.to_string(),
    };
    w.write_record(&head).map_err(csv_err)?;
    for r in runs {
        let mut row = vec![
            r.key.features.clone(),
            r.key.model.clone(),
            r.key.seq_len.to_string(),
            r.key.seed.to_string(),
            r.key.fold.to_string(),
            format!("{:?}", r.status).to_lowercase(),
            r.error.clone().unwrap_or_default(),
            r.n_train.to_string(),
            r.n_test.to_string(),
            r.params.map(|p| p.to_string()).unwrap_or_default(),
            r.epochs.to_string(),
            r.best_epoch.to_string(),
            format!("{:.2}", r.train_s),
            format!("{:.2}", r.wall_s),
            r.git_commit.clone(),
        ];
        for m in METRICS {
            row.push(
                r.metrics
                    .as_ref()
                    .and_then(|x| (m.get)(x))
                    .map(|v| format!("{v:.5}"))
                    .unwrap_or_default(),
            );
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| Error::BadFile {
        path: "runs.csv".into(),
        reason: e.to_string(),
    })
}

fn summary_csv(rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::BadFile {
        path: "summary.csv".into(),
        reason: e.to_string(),
    };
    let mut head: Vec<String> = [
        "features",
        "model",
        "seq_len",
        "seeds",
        "failed_runs",
        "params",
        "train_s_mean",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for m in METRICS {
        head.push(format!("{} mean", m.name));
        head.push(format!("{} sd", m.name));
        head.push(format!("{} n", m.name));
    }
    w.write_record(&head).map_err(csv_err)?;
    for r in rows {
        let mut row = vec![
            r.key.features.clone(),
            r.key.model.clone(),
            r.key.seq_len.to_string(),
            r.seeds.len().to_string(),
            r.failed.to_string(),
            r.params.map(|p| p.to_string()).unwrap_or_default(),
            r.train_s
                .map(|t| format!("{:.2}", t.mean))
                .unwrap_or_default(),
        ];
        for m in METRICS {
            let v = r.values.get(m.name);
            row.push(v.map(|v| format!("{:.5}", v.mean)).unwrap_or_default());
            row.push(v.map(|v| format!("{:.5}", v.sd)).unwrap_or_default());
            row.push(v.map(|v| v.n.to_string()).unwrap_or_default());
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| Error::BadFile {
        path: "summary.csv".into(),
        reason: e.to_string(),
    })
}

/// A figure: file name, caption, SVG text.
struct Figure {
    file: String,
    caption: String,
    svg: String,
}

fn make_figures(exp: &Experiment, runs: &[RunRecord], rows: &[Row]) -> Result<Vec<Figure>> {
    let mut figs = Vec::new();
    let has = |m: &str| rows.iter().any(|r| r.values.contains_key(m));
    let mut pairs: Vec<([&str; 2], &str)> = Vec::new();
    if has("RMSE A") {
        pairs.push((["RMSE A", "RMSE V"], "rmse"));
        pairs.push((["r A", "r V"], "r"));
    } else if has("static r A") {
        pairs.push((["static r A", "static r V"], "static-r"));
    }
    if !has("RMSE A") && has("4Q acc") {
        pairs.push((["4Q acc", "4Q acc"], "4q"));
    }
    for f in exp.features.to_vec() {
        if !rows.iter().any(|r| r.key.features == f) {
            continue;
        }
        for (pair, slug) in &pairs {
            figs.push(Figure {
                file: format!("{slug}-vs-length-{f}.svg"),
                caption: format!(
                    "{} against sequence length on {f}, one line per model; the band is ± one \
                     sd over seeds.",
                    pair.join(" and ")
                ),
                svg: figures::metric_vs_length(rows, &f, *pair, &exp.models)?,
            });
        }
    }
    let Some(b) = best_row(rows) else {
        return Ok(figs);
    };
    let best = &rows[b];
    let Some(seed) = best.seeds.first().map(|s| s.seed) else {
        return Ok(figs);
    };
    let clips: Vec<&ClipResult> = runs
        .iter()
        .filter(|r| {
            r.status == RunStatus::Ok
                && r.key.features == best.key.features
                && r.key.model == best.key.model
                && r.key.seq_len == best.key.seq_len
                && r.key.seed == seed
        })
        .flat_map(|r| &r.clips)
        .collect();
    let mut dynamic: Vec<&ClipResult> = clips
        .iter()
        .copied()
        .filter(|c| c.dynamic.is_some())
        .collect();
    dynamic.sort_by(|a, b| a.id.cmp(&b.id));
    // Three test songs spread over the sorted ids.
    let pick: Vec<&ClipResult> = match dynamic.len() {
        0 => Vec::new(),
        n if n <= 3 => dynamic.clone(),
        n => vec![dynamic[0], dynamic[n / 2], dynamic[n - 1]],
    };
    let what = format!(
        "{} L = {} on {}, seed {seed}",
        best.key.model, best.key.seq_len, best.key.features
    );
    if !pick.is_empty() {
        figs.push(Figure {
            file: "series.svg".into(),
            caption: format!(
                "Predicted (solid) and annotated (dashed) arousal and valence of three test songs, \
                 best configuration ({what}; held-out predictions)."
            ),
            svg: figures::series(&pick, &format!("Test songs, {what}"))?,
        });
    }
    figs.push(Figure {
        file: "va-plane.svg".into(),
        caption: format!(
            "Valence–arousal plane of every test clip, best configuration ({what}): listeners' \
             rating (hollow) joined to the prediction (dot); clips labelled with a quadrant only \
             as dots coloured by their true quadrant."
        ),
        svg: figures::va_plane(&clips, &format!("Predictions vs ratings, {what}"))?,
    });
    Ok(figs)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown bold → HTML.
fn md_inline(s: &str) -> String {
    let e = escape(s);
    let mut out = String::new();
    for (i, part) in e.split("**").enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<b>{part}</b>");
        } else {
            out += part;
        }
    }
    out.replace('`', "")
}

/// Rewrites the report of `exp` in `dir` from `runs` (the runs of the current grid).
pub fn write_report(
    dir: &Path,
    exp: &Experiment,
    runs: &[RunRecord],
    info: &ReportInfo,
) -> Result<()> {
    let folds_needed = match exp.protocol {
        ProtocolKind::Kfold => exp.folds,
        _ => 1,
    };
    let rows = rows(runs, folds_needed);
    let cols = columns(&rows);
    let best = best_per_column(&rows, &cols);
    let n_ok = runs.iter().filter(|r| r.status == RunStatus::Ok).count();
    let n_failed = runs.len() - n_ok;
    let pending = info.grid_total.saturating_sub(runs.len());
    let mut commits: Vec<&str> = runs.iter().map(|r| r.git_commit.as_str()).collect();
    commits.sort_unstable();
    commits.dedup();
    let figs = make_figures(exp, runs, &rows)?;
    let t = &exp.train;

    // Header lines shared by both formats, as (label, text).
    let seeds: Vec<String> = exp.seeds().iter().map(u64::to_string).collect();
    let lens: Vec<String> = exp.seq_lens.iter().map(usize::to_string).collect();
    let facts: Vec<(&str, String)> = vec![
        ("Protocol", protocol_text(exp)),
        (
            "Data",
            exp.data.join(", ")
                + &exp
                    .limit
                    .map_or(String::new(), |l| format!(" (at most {l} clips each)")),
        ),
        ("Features", exp.features.to_vec().join(", ")),
        ("Models", exp.models.join(", ")),
        ("Sequence lengths", lens.join(", ")),
        ("Seeds", seeds.join(", ")),
        (
            "Training",
            format!(
                "at most {} epochs, patience {}, batch {}, Adam lr {}, {} branches; 15 % of the \
                 training clips held out for early stopping",
                t.epochs,
                t.patience,
                t.batch,
                t.lr,
                if t.separate_branches {
                    "separate"
                } else {
                    "joint"
                }
            ),
        ),
        ("Command", format!("`{}`", info.command)),
        ("Commit", commits.join(", ")),
        (
            "Status",
            format!(
                "{n_ok} of {} runs finished, {n_failed} failed, {pending} not run yet{}",
                info.grid_total,
                if pending > 0 || n_failed > 0 {
                    " (partial report)"
                } else {
                    ""
                }
            ),
        ),
    ];
    let n_seeds = exp.seeds().len();
    let verdict = verdict(&rows, n_seeds);
    let metric_note = "Mean ± sd over seeds (sample sd). Per seed, the metrics are those of all \
        its test clips pooled over folds, as MediaEval 2015 reports them: RMSE and Pearson r per \
        song, averaged over songs (dynamic, 2 Hz), Lin's CCC per song likewise; static r over \
        clips (static rating, or the mean of the dynamic ratings); 4Q accuracy of the predicted \
        song mean's quadrant. Best of each column in bold. A seed counts once all its folds \
        finished; a value over fewer seeds than the grid has is marked with its count, (n=2).";

    // --- Markdown ---
    let mut md = format!("# {}\n\n{}\n\n", exp.name, exp.description);
    for (k, v) in &facts {
        let _ = writeln!(md, "- **{k}**: {v}");
    }
    md += "\n## Results\n\n";
    md += metric_note;
    md += "\n\n";
    if let Some(v) = &verdict {
        md += v;
        md += "\n\n";
    }
    let mut head = "| features | model | L | seeds |".to_string();
    let mut rule = "|---|---|---|---|".to_string();
    for c in &cols {
        let _ = write!(head, " {c} |");
        rule += "---|";
    }
    md += &head;
    md += "\n";
    md += &rule;
    md += "\n";
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            md,
            "| {} | {} | {} | {} |",
            r.key.features,
            r.key.model,
            r.key.seq_len,
            r.seeds.len()
        );
        for (ci, c) in cols.iter().enumerate() {
            let cell = ms(r.values.get(c), n_seeds);
            if best[ci] == Some(i) {
                let _ = write!(md, " **{cell}** |");
            } else {
                let _ = write!(md, " {cell} |");
            }
        }
        md += "\n";
    }
    md += "\n## Parameters and training time\n\n| features | model | L | trainable parameters | training time per run (s, mean ± sd) | runs |\n|---|---|---|---|---|---|\n";
    for r in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            r.key.features,
            r.key.model,
            r.key.seq_len,
            r.params.map_or("–".into(), |p| p.to_string()),
            r.train_s
                .map_or("–".into(), |t| format!("{:.1} ± {:.1}", t.mean, t.sd)),
            r.finished
        );
    }
    md += "\n## Figures\n\n";
    for f in &figs {
        let _ = writeln!(md, "![{}](figures/{})\n\n{}\n", f.file, f.file, f.caption);
    }
    let failed: Vec<&RunRecord> = runs
        .iter()
        .filter(|r| r.status == RunStatus::Failed)
        .collect();
    if !failed.is_empty() {
        md += "## Failed runs\n\n| run | error |\n|---|---|\n";
        for r in &failed {
            let _ = writeln!(
                md,
                "| {} | {} |",
                r.key.label(),
                r.error.as_deref().unwrap_or("?").replace('|', "/")
            );
        }
        md += "\n";
    }
    md += "Every run: `runs.csv` / `runs.json` (config, metrics, wall time, git commit); per \
           configuration: `summary.csv`; the runs themselves, with every test clip's prediction: \
           `runs/`.\n";

    // --- HTML ---
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\n\
         body{{font-family:sans-serif;max-width:1240px;margin:24px auto;padding:0 16px;color:#222;line-height:1.45}}\n\
         table{{border-collapse:collapse;margin:12px 0;font-size:13px}}\n\
         th,td{{border:1px solid #ccc;padding:4px 8px;text-align:right;white-space:nowrap}}\n\
         th{{background:#f2f2f2}} td.l,th.l{{text-align:left}} td.best{{font-weight:bold;background:#e6f4e6}}\n\
         tr:nth-child(even) td{{background-color:#fafafa}} tr:nth-child(even) td.best{{background:#e6f4e6}}\n\
         figure{{margin:18px 0}} figcaption{{font-size:13px;color:#555;max-width:1000px}}\n\
         .facts dt{{font-weight:bold;float:left;clear:left;width:150px}} .facts dd{{margin-left:160px}}\n\
         .verdict{{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px}}\n\
         code{{background:#f4f4f4;padding:1px 4px}}\n</style></head><body>\n<h1>{}</h1>\n<p>{}</p>\n<dl class=\"facts\">\n",
        escape(&exp.name),
        escape(&exp.name),
        escape(&exp.description)
    );
    for (k, v) in &facts {
        let v = if *k == "Command" {
            format!("<code>{}</code>", escape(&info.command))
        } else {
            md_inline(v)
        };
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h += "</dl>\n<h2>Results</h2>\n";
    let _ = writeln!(h, "<p>{}</p>", escape(metric_note));
    if let Some(v) = &verdict {
        let _ = writeln!(h, "<p class=\"verdict\">{}</p>", md_inline(v));
    }
    h += "<table><tr><th class=\"l\">features</th><th class=\"l\">model</th><th>L</th><th>seeds</th>";
    for c in &cols {
        let _ = write!(h, "<th>{c}</th>");
    }
    h += "</tr>\n";
    for (i, r) in rows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td>",
            escape(&r.key.features),
            escape(&r.key.model),
            r.key.seq_len,
            r.seeds.len()
        );
        for (ci, c) in cols.iter().enumerate() {
            let class = if best[ci] == Some(i) {
                " class=\"best\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", ms(r.values.get(c), n_seeds));
        }
        h += "</tr>\n";
    }
    h += "</table>\n<h2>Parameters and training time</h2>\n<table><tr><th class=\"l\">features</th><th class=\"l\">model</th><th>L</th><th>trainable parameters</th><th>training time per run (s)</th><th>runs</th></tr>\n";
    for r in &rows {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.key.features),
            escape(&r.key.model),
            r.key.seq_len,
            r.params.map_or("–".into(), |p| p.to_string()),
            r.train_s
                .map_or("–".into(), |t| format!("{:.1} ± {:.1}", t.mean, t.sd)),
            r.finished
        );
    }
    h += "</table>\n<h2>Figures</h2>\n";
    for f in &figs {
        // The SVG inline, without its XML prolog.
        let body = f.svg.find("<svg").map_or(f.svg.as_str(), |i| &f.svg[i..]);
        let _ = writeln!(
            h,
            "<figure>{body}<figcaption>{}</figcaption></figure>",
            escape(&f.caption)
        );
    }
    if !failed.is_empty() {
        h += "<h2>Failed runs</h2>\n<table><tr><th class=\"l\">run</th><th class=\"l\">error</th></tr>\n";
        for r in &failed {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                escape(&r.key.label()),
                escape(r.error.as_deref().unwrap_or("?"))
            );
        }
        h += "</table>\n";
    }
    h += "<p>Every run: <code>runs.csv</code> / <code>runs.json</code>; per configuration: <code>summary.csv</code>; the runs with every test clip's prediction: <code>runs/</code>.</p>\n</body></html>\n";

    // --- files ---
    std::fs::create_dir_all(dir.join("figures")).map_err(|e| Error::Io {
        path: dir.join("figures"),
        reason: e.to_string(),
    })?;
    for f in &figs {
        write(&dir.join("figures").join(&f.file), f.svg.as_bytes())?;
    }
    let runs_json: Vec<RunJson<'_>> = runs
        .iter()
        .map(|r| RunJson {
            key: &r.key,
            status: r.status,
            error: &r.error,
            metrics: &r.metrics,
            params: r.params,
            n_train: r.n_train,
            n_test: r.n_test,
            epochs: r.epochs,
            best_epoch: r.best_epoch,
            train_s: r.train_s,
            wall_s: r.wall_s,
            git_commit: &r.git_commit,
            finished_unix_s: r.finished_unix_s,
        })
        .collect();
    let json = serde_json::to_vec_pretty(&serde_json::json!({
        "experiment": exp,
        "command": info.command,
        "runs": runs_json,
    }))
    .map_err(|e| Error::BadFile {
        path: dir.join("runs.json"),
        reason: e.to_string(),
    })?;
    write(&dir.join("runs.json"), &json)?;
    write(&dir.join("runs.csv"), &runs_csv(runs)?)?;
    write(&dir.join("summary.csv"), &summary_csv(&rows)?)?;
    write(&dir.join("report.md"), md.as_bytes())?;
    write(&dir.join("report.html"), h.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runs::RunKey;
    use mer_model::Prediction;

    /// A finished run of `model` whose predictions are the ratings shifted by `offset` (so
    /// its per-song RMSE is `offset`), on two clips with dynamic ratings.
    fn run(model: &str, seed: u64, offset: f32) -> RunRecord {
        let clips = (0..2)
            .map(|c| {
                let a: Vec<f32> = (0..6)
                    .map(|k| 0.1 * k as f32 - 0.2 + 0.1 * c as f32)
                    .collect();
                let v: Vec<f32> = a.iter().map(|x| -x).collect();
                let shift = |s: &[f32]| s.iter().map(|x| x + offset).collect::<Vec<f32>>();
                let (pa, pv) = (shift(&a), shift(&v));
                let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len() as f32;
                ClipResult {
                    id: format!("deam/{c}"),
                    prediction: Prediction {
                        static_av: [mean(&pa), mean(&pv)],
                        arousal: pa,
                        valence: pv,
                    },
                    dynamic: Some((a, v)),
                    static_av: None,
                    quadrant: None,
                }
            })
            .collect();
        RunRecord {
            key: RunKey {
                features: "logmel".into(),
                model: model.into(),
                seq_len: 10,
                seed,
                fold: 0,
            },
            fingerprint: String::new(),
            status: RunStatus::Ok,
            error: None,
            metrics: None,
            params: Some(10),
            n_train: 4,
            n_test: 2,
            epochs: 1,
            best_epoch: 1,
            train_s: 1.0,
            wall_s: 1.0,
            git_commit: "test".into(),
            finished_unix_s: 0,
            clips,
        }
    }

    /// Model `a` over seeds 1–3 (RMSE 0.10, 0.11, 0.12), model `b` over seeds 1–2 only
    /// (0.30, 0.33): b's cells say n=2, a's do not, and the verdict names both counts.
    fn uneven() -> Vec<RunRecord> {
        vec![
            run("a", 1, 0.10),
            run("a", 2, 0.11),
            run("a", 3, 0.12),
            run("b", 1, 0.30),
            run("b", 2, 0.33),
        ]
    }

    #[test]
    fn cells_over_fewer_seeds_than_the_grid_show_their_n() {
        let rows = rows(&uneven(), 1);
        let (a, b) = (&rows[0], &rows[1]);
        assert_eq!((a.key.model.as_str(), b.key.model.as_str()), ("a", "b"));
        assert_eq!(ms(a.values.get("RMSE A"), 3), "0.110 ± 0.010");
        assert_eq!(ms(b.values.get("RMSE A"), 3), "0.315 ± 0.021 (n=2)");
        assert_eq!(ms(b.values.get("RMSE V"), 2), "0.315 ± 0.021");
        let one = MeanSd::of(&[0.5]).unwrap();
        assert_eq!(ms(Some(&one), 3), "0.500 ± – (n=1)");
        assert_eq!(ms(None, 3), "–");

        let v = verdict(&rows, 3).unwrap();
        assert!(v.contains("**a at L = 10 on logmel** (3 of 3 seeds"), "{v}");
        // Margin 0.315 − 0.110, far beyond both seed spreads (0.010, 0.021).
        assert!(
            v.contains("b (L = 10, logmel) +0.2050 (sd 0.0100 / 0.0212, n 3 / 2, > sd)"),
            "{v}"
        );
    }

    #[test]
    fn a_margin_within_the_seed_spread_is_not_called_clear() {
        let runs = vec![
            run("a", 1, 0.10),
            run("a", 2, 0.20),
            run("b", 1, 0.14),
            run("b", 2, 0.18),
        ];
        let v = verdict(&rows(&runs, 1), 2).unwrap();
        // a: 0.15 ± 0.071, b: 0.16 ± 0.028: a wins by 0.01, less than either sd.
        assert!(v.contains("+0.0100 (sd 0.0707 / 0.0283, n 2 / 2)."), "{v}");
        assert!(!v.contains("> sd)"), "{v}");
    }

    #[test]
    fn the_written_report_marks_the_seed_count_of_each_cell() {
        let tmp = tempfile::tempdir().unwrap();
        let exp: Experiment = serde_json::from_value(serde_json::json!({
            "name": "uneven", "data": ["deam=x"], "protocol": "kfold", "folds": 1,
            "features": "logmel", "models": ["a", "b"], "seq_lens": [10], "seeds": [1, 2, 3]
        }))
        .unwrap();
        let info = ReportInfo {
            command: "mer experiment uneven.json".into(),
            grid_total: 6,
        };
        write_report(tmp.path(), &exp, &uneven(), &info).unwrap();
        let md = std::fs::read_to_string(tmp.path().join("report.md")).unwrap();
        let row_b = md
            .lines()
            .find(|l| l.starts_with("| logmel | b | 10 |"))
            .unwrap();
        assert!(row_b.starts_with("| logmel | b | 10 | 2 |"), "{row_b}");
        assert!(row_b.contains("0.315 ± 0.021 (n=2)"), "{row_b}");
        let row_a = md
            .lines()
            .find(|l| l.starts_with("| logmel | a | 10 |"))
            .unwrap();
        assert!(!row_a.contains("(n="), "{row_a}");
        let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
        assert!(html.contains("<td>0.315 ± 0.021 (n=2)</td>"), "{html}");
        let csv = std::fs::read_to_string(tmp.path().join("summary.csv")).unwrap();
        let head: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let col = head.iter().position(|h| *h == "RMSE A n").unwrap();
        let ns: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(col).unwrap())
            .collect();
        assert_eq!(ns, ["3", "2"]);
    }
}
