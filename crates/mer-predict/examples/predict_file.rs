//! Predicts one file with the embedded default model, prints JSON and writes a PNG plot.
//!
//! `cargo run --release -p mer-predict --example predict_file -- SONG.mp3 [PLOT_DIR]`

use mer_predict::plot::{PlotFormat, write_plot};
use mer_predict::{Predictor, Scale};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().ok_or("usage: predict_file SONG [PLOT_DIR]")?);
    let predictor = Predictor::default_model()?;
    let p = predictor.predict_file(&path)?;
    let rec = mer_predict::output::json_record(&p, Scale::MinusOneToOne);
    println!("{}", serde_json::to_string(&rec)?);
    if let Some(dir) = args.next() {
        let f = write_plot(&p, dir.as_ref(), PlotFormat::Png, Scale::MinusOneToOne)?;
        eprintln!("plot: {}", f.display());
    }
    Ok(())
}
