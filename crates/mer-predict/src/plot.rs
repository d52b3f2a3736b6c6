//! Plots of one prediction: arousal and valence over time (left) and the song's trajectory
//! on the valence–arousal plane (right), as SVG or PNG (plotters).
//!
//! Text is drawn with the embedded DejaVu Sans (assets/, Bitstream Vera licence), so plots
//! look the same on every machine and need no system fonts.

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use image::ImageEncoder;
use mer_io::Overwrite;

use crate::error::{PredictError, Result};
use crate::output::quadrant_words;
use crate::predictor::SongPrediction;
use crate::scale::Scale;

/// Image format of a plot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlotFormat {
    /// Scalable vector graphics (default).
    #[default]
    Svg,
    /// Portable network graphics (1400×600 px).
    Png,
}

impl PlotFormat {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Svg => "svg",
            PlotFormat::Png => "png",
        }
    }
}

/// Plot size, pixels.
const SIZE: (u32, u32) = (1400, 600);
/// DejaVu Sans (`assets/DejaVuSans.ttf`, licence beside it), the one copy of the font the
/// workspace's plots measure text with; other crates register it with [`register_font`].
pub static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// The family name [`register_font`] registers [`FONT`] under (SVG output names it; the
/// browser draws it with its own sans-serif).
pub const FONT_NAME: &str = "sans-serif";
const AROUSAL: RGBColor = RGBColor(214, 39, 40);
const VALENCE: RGBColor = RGBColor(31, 119, 180);

/// Registers [`FONT`] with plotters as [`FONT_NAME`] (normal and bold), once per process.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is a valid TrueType file; a failure would only lose text.
        let _ = plotters::style::register_font(FONT_NAME, FontStyle::Normal, FONT);
        let _ = plotters::style::register_font(FONT_NAME, FontStyle::Bold, FONT);
    });
}

/// The plot file name for a prediction: `<file stem>.<ext>` (`prediction.<ext>` for samples).
/// Two songs in different folders can share it: see [`write_plot`].
pub fn plot_name(p: &SongPrediction, format: PlotFormat) -> String {
    let stem = p
        .path
        .as_deref()
        .and_then(Path::file_stem)
        .map_or_else(|| "prediction".into(), |s| s.to_string_lossy().into_owned());
    format!("{stem}.{}", format.extension())
}

/// Writes the plot of `p` (values shown on `scale`) into `dir` as [`plot_name`] (replacing a
/// file of that name) and returns its path. For many predictions, plan their file names with
/// `mer_io::OutputPlan` (two songs can share a stem) and call [`plot_to`].
pub fn write_plot(
    p: &SongPrediction,
    dir: &Path,
    format: PlotFormat,
    scale: Scale,
) -> Result<PathBuf> {
    let path = dir.join(plot_name(p, format));
    plot_to(p, &path, format, scale, Overwrite::Replace)?;
    Ok(path)
}

/// Writes the plot of `p` to `path` in `format`, atomically (rendered in memory, then written
/// through mer-io) under the `overwrite` policy.
pub fn plot_to(
    p: &SongPrediction,
    path: &Path,
    format: PlotFormat,
    scale: Scale,
    overwrite: Overwrite,
) -> Result<()> {
    let bytes = render(p, format, scale).map_err(|reason| PredictError::Write {
        path: path.to_path_buf(),
        reason,
    })?;
    Ok(mer_io::write_bytes(path, overwrite, &bytes)?)
}

/// The plot of `p` as the bytes of an SVG or PNG file.
pub fn render(
    p: &SongPrediction,
    format: PlotFormat,
    scale: Scale,
) -> std::result::Result<Vec<u8>, String> {
    register_font();
    match format {
        PlotFormat::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
                draw(&root, p, scale)?;
                root.present().map_err(|e| e.to_string())?;
            }
            Ok(svg.into_bytes())
        }
        PlotFormat::Png => {
            let (w, h) = SIZE;
            // RGB, row-major: shape [h, w, 3].
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
                draw(&root, p, scale)?;
                root.present().map_err(|e| e.to_string())?;
            }
            let mut png = Vec::new();
            image::codecs::png::PngEncoder::new(&mut png)
                .write_image(&rgb, w, h, image::ColorType::Rgb8)
                .map_err(|e| e.to_string())?;
            Ok(png)
        }
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &SongPrediction,
    scale: Scale,
) -> std::result::Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    root.fill(&WHITE).map_err(e)?;
    let title = p
        .path
        .as_deref()
        .and_then(Path::file_name)
        .map_or_else(|| "samples".into(), |s| s.to_string_lossy().into_owned());
    let root = root
        .titled(
            &format!(
                "{title} — arousal {:.2}, valence {:.2} (scale {}), Q{} {}",
                scale.from_unit(p.arousal),
                scale.from_unit(p.valence),
                scale.name(),
                p.quadrant,
                quadrant_words(p.quadrant)
            ),
            (FONT_NAME, 22),
        )
        .map_err(e)?;
    let (left, right) = root.split_horizontally(SIZE.0 * 58 / 100);
    let (lo, mid, hi) = scale.range();
    let n = p.dynamic_arousal.len();
    let t_end = p.start_s + (n.max(1) as f64) * p.hop_s;
    let t = |k: usize| p.start_s + (k as f64 + 0.5) * p.hop_s;

    // Left: arousal and valence over time.
    let mut chart = ChartBuilder::on(&left)
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .caption("Arousal and valence over time", (FONT_NAME, 20))
        .build_cartesian_2d(p.start_s..t_end, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc(format!("value (scale {})", scale.name()))
        .label_style((FONT_NAME, 15))
        .axis_desc_style((FONT_NAME, 17))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            [(p.start_s, mid), (t_end, mid)],
            BLACK.mix(0.4).stroke_width(1),
        ))
        .map_err(e)?;
    for (series, color, label) in [
        (&p.dynamic_arousal, AROUSAL, "arousal"),
        (&p.dynamic_valence, VALENCE, "valence"),
    ] {
        chart
            .draw_series(LineSeries::new(
                series
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| (t(k), scale.from_unit(v))),
                color.stroke_width(3),
            ))
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 25, y)], color.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT_NAME, 16))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(e)?;

    // Right: the valence–arousal plane with the trajectory.
    let mut plane = ChartBuilder::on(&right)
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .caption("Valence–arousal plane", (FONT_NAME, 20))
        .build_cartesian_2d(lo..hi, lo..hi)
        .map_err(e)?;
    plane
        .configure_mesh()
        .x_desc("valence (negative → positive)")
        .y_desc("arousal (calm → energetic)")
        .label_style((FONT_NAME, 15))
        .axis_desc_style((FONT_NAME, 17))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(e)?;
    for line in [[(lo, mid), (hi, mid)], [(mid, lo), (mid, hi)]] {
        plane
            .draw_series(LineSeries::new(line, BLACK.mix(0.5).stroke_width(1)))
            .map_err(e)?;
    }
    let span = hi - lo;
    let quad_label = |q: u8, x: f32, y: f32| {
        Text::new(
            format!("Q{q}"),
            (x, y),
            (FONT_NAME, 18).into_font().color(&BLACK.mix(0.45)),
        )
    };
    plane
        .draw_series([
            quad_label(1, hi - 0.1 * span, hi - 0.03 * span),
            quad_label(2, lo + 0.03 * span, hi - 0.03 * span),
            quad_label(3, lo + 0.03 * span, lo + 0.08 * span),
            quad_label(4, hi - 0.1 * span, lo + 0.08 * span),
        ])
        .map_err(e)?;
    let pts: Vec<(f32, f32)> = p
        .dynamic_valence
        .iter()
        .zip(&p.dynamic_arousal)
        .map(|(&v, &a)| (scale.from_unit(v), scale.from_unit(a)))
        .collect();
    let n_pts = pts.len().max(2) - 1;
    // The trajectory, its colour fading from light (start) to dark (end).
    for (k, w) in pts.windows(2).enumerate() {
        let f = k as f64 / n_pts as f64;
        let c = RGBColor(
            (120.0 * (1.0 - f)) as u8 + 40,
            (120.0 * (1.0 - f)) as u8 + 40,
            (100.0 * (1.0 - f)) as u8 + 120,
        );
        plane
            .draw_series(LineSeries::new(w.to_vec(), c.stroke_width(2)))
            .map_err(e)?;
    }
    if let (Some(&first), Some(&last)) = (pts.first(), pts.last()) {
        plane
            .draw_series([Circle::new(first, 7, RGBColor(120, 200, 120).filled())])
            .map_err(e)?
            .label("start")
            .legend(|(x, y)| Circle::new((x + 10, y), 6, RGBColor(120, 200, 120).filled()));
        plane
            .draw_series([TriangleMarker::new(last, 9, BLACK.filled())])
            .map_err(e)?
            .label("end")
            .legend(|(x, y)| TriangleMarker::new((x + 10, y), 7, BLACK.filled()));
    }
    let song = (scale.from_unit(p.valence), scale.from_unit(p.arousal));
    plane
        .draw_series([Cross::new(song, 10, AROUSAL.stroke_width(4))])
        .map_err(e)?
        .label("song (mean)")
        .legend(|(x, y)| Cross::new((x + 10, y), 6, AROUSAL.stroke_width(3)));
    plane
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerMiddle)
        .label_font((FONT_NAME, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(e)?;
    Ok(())
}
