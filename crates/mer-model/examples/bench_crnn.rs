//! Quick speed check of the CRNN (the CLI's `mer bench` is the real entry point):
//! `cargo run --release -p mer-model --example bench_crnn -- [nb] [threads]`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let opts = mer_model::bench::BenchOptions {
        branches: !args.iter().any(|a| a == "nb"),
        threads: args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1),
        ..Default::default()
    };
    match mer_model::bench::run_bench(&opts) {
        Ok(r) => println!("{}", serde_json::to_string(&r).expect("serialisable")),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
