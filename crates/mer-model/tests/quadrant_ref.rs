//! The quadrant head's learner against scikit-learn: fixtures/quadrant_logistic_ref.json made
//! by scripts/quadrant_logistic_ref.py (multinomial `LogisticRegression` with sample weights at
//! three C, and the temperature of its test logits by scipy). Tolerances: weights, intercepts
//! and probabilities within 1e-5 (both solvers run to a gradient ~1e-9..1e-12), temperature
//! within 1e-6 relative.

use mer_model::quadrant::{fit_logistic, fit_temperature, softmax};
use serde_json::Value;

fn v(x: &Value) -> Vec<f64> {
    x.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_f64().unwrap())
        .collect()
}

#[test]
fn logistic_head_matches_sklearn() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quadrant_logistic_ref.json"
    ))
    .unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    let f = r["n_features"].as_u64().unwrap() as usize;
    let (x, w, xt) = (v(&r["x"]), v(&r["w"]), v(&r["x_test"]));
    let class = |k: &Value| -> Vec<u8> { v(k).iter().map(|&c| c as u8).collect() };
    let (y, yt) = (class(&r["y"]), class(&r["y_test"]));
    for case in r["cases"].as_array().unwrap() {
        let c = case["C"].as_f64().unwrap();
        let m = fit_logistic(&x, f, &y, &w, c, 1e-10).unwrap();
        let close = |ours: &[f64], theirs: &[f64], what: &str| {
            assert_eq!(ours.len(), theirs.len());
            for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
                assert!(
                    (a - b).abs() < 1e-5,
                    "C {c}: {what}[{i}] ours {a} sklearn {b} ({} iterations)",
                    m.iterations
                );
            }
        };
        close(&m.weights, &v(&case["coef"]), "coef");
        close(&m.bias, &v(&case["intercept"]), "intercept");
        let logits: Vec<[f64; 4]> = xt.chunks_exact(f).map(|row| m.logits(row)).collect();
        let proba: Vec<f64> = logits.iter().flat_map(|l| softmax(*l)).collect();
        close(&proba, &v(&case["proba_test"]), "predict_proba");
        let t = fit_temperature(&logits, &yt);
        let t_ref = case["temperature"].as_f64().unwrap();
        assert!(
            ((t - t_ref) / t_ref).abs() < 1e-6,
            "C {c}: temperature ours {t} scipy {t_ref}"
        );
    }
}
