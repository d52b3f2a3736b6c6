//! Stand-alone twin of `mer features --kind smile-lld|mediaeval260` (same options), used by
//! `bench/smile_bench.sh` while the CLI wiring is pending.
//! Usage: `smile_features --kind smile-lld|smile-lld-de|mediaeval260 IN -o OUT.csv|OUT.npy`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut kind = None;
    let mut input = None;
    let mut output = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--kind" => kind = args.next(),
            "-o" | "--output" => output = args.next().map(PathBuf::from),
            _ => input = Some(PathBuf::from(a)),
        }
    }
    let usage = "usage: smile_features --kind smile-lld|smile-lld-de|mediaeval260 IN -o OUT";
    let kind = match kind.as_deref() {
        Some("smile-lld") => mer_smile::SmileKind::Lld,
        Some("smile-lld-de") => mer_smile::SmileKind::LldWithDeltas,
        Some("mediaeval260") => mer_smile::SmileKind::MediaEval260,
        _ => return Err(usage.into()),
    };
    let (Some(input), Some(output)) = (input, output) else {
        return Err(usage.into());
    };
    let table = mer_smile::compute_file(&input, None, kind)?;
    mer_smile::write_table(&table, &output)?;
    Ok(())
}
