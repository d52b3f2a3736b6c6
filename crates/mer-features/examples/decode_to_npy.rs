//! Decodes a file to mono samples and writes them as a float32 `.npy` `[n, 1]` — for comparing
//! the decoder with other tools. Usage: `decode_to_npy IN [RATE] OUT.npy`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, rate, out) = match args.as_slice() {
        [i, o] => (PathBuf::from(i), None, PathBuf::from(o)),
        [i, r, o] => (PathBuf::from(i), Some(r.parse()?), PathBuf::from(o)),
        _ => return Err("usage: decode_to_npy IN [RATE] OUT.npy".into()),
    };
    let audio = mer_audio::load(&input, rate)?;
    for w in &audio.warnings {
        eprintln!("warning: {w}");
    }
    let n = audio.samples.len();
    let m = mer_features::Matrix::new(n, 1, audio.samples);
    mer_features::output::write_npy(&out, &m, mer_io::Overwrite::Replace)?;
    eprintln!("{} samples at {} Hz", n, audio.sample_rate);
    Ok(())
}
