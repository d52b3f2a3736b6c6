//! Metrics against numpy: fixtures/metrics_ref.json made by scripts/model_metrics_ref.py.

use mer_model::metrics::{dynamic_metrics, quadrant_metrics, static_metrics};
use serde_json::Value;

fn v(x: &Value) -> Vec<f64> {
    x.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_f64().unwrap())
        .collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: ours {a} numpy {b}");
}

#[test]
fn metrics_match_numpy() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metrics_ref.json"
    ))
    .unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();

    let d = &r["dynamic"];
    let songs: Vec<(Vec<f64>, Vec<f64>)> = d["songs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (v(&s["pred"]), v(&s["truth"])))
        .collect();
    let m = dynamic_metrics(&songs);
    let f = |k: &str| d[k].as_f64().unwrap();
    close(m.rmse_per_song.mean, f("rmse_mean"), "rmse mean");
    close(m.rmse_per_song.std, f("rmse_std"), "rmse std");
    close(m.r_per_song.mean, f("r_mean"), "r mean");
    close(m.r_per_song.std, f("r_std"), "r std");
    assert_eq!(
        m.r_per_song.n as u64,
        d["r_n"].as_u64().unwrap(),
        "constant song skipped"
    );
    close(m.ccc_per_song.mean, f("ccc_mean"), "ccc mean");
    close(m.ccc_per_song.std, f("ccc_std"), "ccc std");
    close(m.rmse_pooled, f("rmse_pooled"), "rmse pooled");
    close(m.r_pooled, f("r_pooled"), "r pooled");
    close(m.ccc_pooled, f("ccc_pooled"), "ccc pooled");

    let s = &r["static"];
    let m = static_metrics(&v(&s["pred"]), &v(&s["truth"]));
    close(m.r, s["r"].as_f64().unwrap(), "static r");
    close(m.rmse, s["rmse"].as_f64().unwrap(), "static rmse");
    close(m.r2, s["r2"].as_f64().unwrap(), "static r2");
    close(m.ccc, s["ccc"].as_f64().unwrap(), "static ccc");

    let q = &r["quadrant"];
    let pairs: Vec<(u8, u8)> = v(&q["truth"])
        .into_iter()
        .zip(v(&q["pred"]))
        .map(|(t, p)| (t as u8, p as u8))
        .collect();
    let m = quadrant_metrics(&pairs);
    close(m.accuracy, q["accuracy"].as_f64().unwrap(), "accuracy");
    close(m.macro_f1, q["macro_f1"].as_f64().unwrap(), "macro f1");
    let conf: Vec<Vec<usize>> = q["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| v(row).into_iter().map(|x| x as usize).collect())
        .collect();
    for (i, row) in conf.iter().enumerate() {
        assert_eq!(&m.confusion[i].to_vec(), row, "confusion row {i}");
    }
}
