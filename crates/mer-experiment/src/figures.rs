//! The report's figures as SVG text (plotters' SVG backend): metric vs sequence length per
//! model with ± sd bands, predicted vs annotated arousal/valence over time, and the
//! valence–arousal plane.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::runs::ClipResult;
use crate::summary::Row;

// The font plotters measures text with: mer-predict's copy (the SVG names `sans-serif`; the
// browser draws it).
use mer_predict::plot::{FONT_NAME, register_font};

const AROUSAL: RGBColor = RGBColor(214, 39, 40);
const VALENCE: RGBColor = RGBColor(31, 119, 180);
/// Tableau 10: one colour per model.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A chart of the report: f64 × f64 axes on an SVG.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// How a chart's axes are labelled.
struct Axes<'s> {
    x_desc: &'s str,
    y_desc: &'s str,
    /// Tick label font size (axis descriptions are one point larger).
    font: u32,
    /// Label x as whole numbers, about this many ticks (None: plotters' default labels).
    whole_x: Option<usize>,
}

/// Draws the grid every figure uses: light lines, the axis descriptions and their fonts.
fn draw_mesh(chart: &mut Chart<'_, '_>, axes: &Axes<'_>) -> std::result::Result<(), String> {
    let whole = |x: &f64| format!("{x:.0}");
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .label_style((FONT_NAME, axes.font))
        .axis_desc_style((FONT_NAME, axes.font + 1))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225));
    if let Some(n) = axes.whole_x {
        mesh.x_labels(n).x_label_formatter(&whole);
    }
    mesh.draw().map_err(|e| e.to_string())
}

/// Draws the legend box every figure uses at `position`.
fn draw_legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    position: SeriesLabelPosition,
    font: u32,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT_NAME, font))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|e| e.to_string())
}

/// A legend key: a short line in `style`.
fn key_line(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style)
}

/// Colour of the `i`-th model.
pub fn model_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn svg(
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> std::result::Result<(), String>,
) -> Result<String> {
    register_font();
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        let r = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.to_string()));
        r.map_err(|reason| Error::Figure {
            name: name.into(),
            reason,
        })?;
    }
    Ok(s)
}

fn range_of(vals: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = (hi - lo).max(1e-3);
    (lo - pad * span, hi + pad * span)
}

/// Metric (a pair, e.g. RMSE A and RMSE V, side by side) against sequence length, one line
/// per model of `features` with a band of ± sd over seeds. A model run at one length only
/// (ridge) is drawn flat across the lengths, dashed.
pub fn metric_vs_length(
    rows: &[Row],
    features: &str,
    metrics: [&str; 2],
    models: &[String],
) -> Result<String> {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.key.features == features).collect();
    let lens: Vec<usize> = {
        let mut l: Vec<usize> = rows.iter().map(|r| r.key.seq_len).collect();
        l.sort_unstable();
        l.dedup();
        l
    };
    let (x0, x1) = match (lens.first(), lens.last()) {
        (Some(&a), Some(&b)) if a != b => (a as f64, b as f64),
        (Some(&a), _) => (a as f64 - 5.0, a as f64 + 5.0),
        _ => (0.0, 1.0),
    };
    let name = format!("{} vs length ({features})", metrics.join(", "));
    svg(&name, (1200, 460), |root| {
        let panels = root.split_evenly((1, 2));
        for (area, metric) in panels.iter().zip(metrics) {
            let vals = rows
                .iter()
                .filter_map(|r| r.values.get(metric))
                .flat_map(|m| [m.mean - m.sd, m.mean + m.sd]);
            let (y0, y1) = range_of(vals, 0.08);
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{metric} ({features})"), (FONT_NAME, 20))
                .margin(12)
                .x_label_area_size(42)
                .y_label_area_size(58)
                .build_cartesian_2d(x0..x1, y0..y1)
                .map_err(|e| e.to_string())?;
            draw_mesh(
                &mut chart,
                &Axes {
                    x_desc: "sequence length L (frames at 2 Hz)",
                    y_desc: &format!("{metric} (mean ± sd over seeds)"),
                    font: 14,
                    whole_x: Some(12),
                },
            )?;
            for (mi, model) in models.iter().enumerate() {
                let color = model_color(mi);
                let mut pts: Vec<(f64, f64, f64)> = rows
                    .iter()
                    .filter(|r| &r.key.model == model)
                    .filter_map(|r| {
                        r.values
                            .get(metric)
                            .map(|m| (r.key.seq_len as f64, m.mean, m.sd))
                    })
                    .collect();
                if pts.is_empty() {
                    continue;
                }
                let flat = pts.len() == 1 && lens.len() > 1;
                if flat {
                    let (_, m, s) = pts[0];
                    pts = vec![(x0, m, s), (x1, m, s)];
                }
                let mut band: Vec<(f64, f64)> = pts.iter().map(|&(x, m, s)| (x, m + s)).collect();
                band.extend(pts.iter().rev().map(|&(x, m, s)| (x, m - s)));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        color.mix(0.15).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                let line: Vec<(f64, f64)> = pts.iter().map(|&(x, m, _)| (x, m)).collect();
                let style = color.stroke_width(3);
                let legend = key_line(style);
                if flat {
                    chart
                        .draw_series(DashedLineSeries::new(line, 10, 6, style))
                        .map_err(|e| e.to_string())?
                        .label(format!("{model} (one length)"))
                        .legend(legend);
                } else {
                    chart
                        .draw_series(LineSeries::new(line.clone(), style))
                        .map_err(|e| e.to_string())?
                        .label(model.clone())
                        .legend(legend);
                    chart
                        .draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))
                        .map_err(|e| e.to_string())?;
                }
            }
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 13)?;
        }
        Ok(())
    })
}

/// Predicted (solid) vs annotated (dashed) arousal and valence over time for each clip of
/// `clips` (one panel per clip); time counts from the clip's first rated frame.
pub fn series(clips: &[&ClipResult], title: &str) -> Result<String> {
    let n = clips.len().max(1);
    svg("series", (1200, 250 * n as u32 + 30), |root| {
        let root = root
            .titled(title, (FONT_NAME, 19))
            .map_err(|e| e.to_string())?;
        let panels = root.split_evenly((n, 1));
        for (area, c) in panels.iter().zip(clips) {
            let p = &c.prediction;
            let len = p.arousal.len().max(2);
            let t1 = len as f64 * 0.5;
            let mut chart = ChartBuilder::on(area)
                .caption(&c.id, (FONT_NAME, 16))
                .margin(8)
                .x_label_area_size(36)
                .y_label_area_size(50)
                // Room on the right for the legend, clear of the lines.
                .build_cartesian_2d(0.0..t1 * 1.22, -1.0f64..1.0)
                .map_err(|e| e.to_string())?;
            draw_mesh(
                &mut chart,
                &Axes {
                    x_desc: "time from the first rated frame (s)",
                    y_desc: "value [-1, 1]",
                    font: 13,
                    whole_x: Some(10),
                },
            )?;
            let pts = |v: &[f32]| -> Vec<(f64, f64)> {
                v.iter()
                    .enumerate()
                    .map(|(k, &x)| ((k as f64 + 0.5) * 0.5, f64::from(x)))
                    .collect()
            };
            if let Some((a, v)) = &c.dynamic {
                for (s, color, label) in [
                    (a, AROUSAL, "arousal annotated"),
                    (v, VALENCE, "valence annotated"),
                ] {
                    let style = color.mix(0.75).stroke_width(2);
                    chart
                        .draw_series(DashedLineSeries::new(pts(s), 7, 4, style))
                        .map_err(|e| e.to_string())?
                        .label(label)
                        .legend(key_line(style));
                }
            }
            for (s, color, label) in [
                (&p.arousal, AROUSAL, "arousal predicted"),
                (&p.valence, VALENCE, "valence predicted"),
            ] {
                let style = color.stroke_width(3);
                chart
                    .draw_series(LineSeries::new(pts(s), style))
                    .map_err(|e| e.to_string())?
                    .label(label)
                    .legend(key_line(style));
            }
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 12)?;
        }
        Ok(())
    })
}

/// The valence–arousal plane: each clip with a rating (static, or the mean of its dynamic
/// ratings) as a hollow circle joined to its prediction (the mean of the predicted series,
/// a dot); clips with only a quadrant label as small dots coloured by their true quadrant.
pub fn va_plane(clips: &[&ClipResult], title: &str) -> Result<String> {
    const QUAD: [RGBColor; 4] = [
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(31, 119, 180),
        RGBColor(148, 103, 189),
    ];
    svg("va-plane", (640, 640), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT_NAME, 17))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d(-1.0f64..1.0, -1.0f64..1.0)
            .map_err(|e| e.to_string())?;
        draw_mesh(
            &mut chart,
            &Axes {
                x_desc: "valence",
                y_desc: "arousal",
                font: 13,
                whole_x: None,
            },
        )?;
        for line in [[(-1.0, 0.0), (1.0, 0.0)], [(0.0, -1.0), (0.0, 1.0)]] {
            chart
                .draw_series(LineSeries::new(line, BLACK.mix(0.4).stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
        let mut quad_only = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        let mut rated = Vec::new();
        for c in clips {
            let pred = (
                f64::from(c.prediction.static_av[1]),
                f64::from(c.prediction.static_av[0]),
            );
            match c.truth().clip_av() {
                Some([a, v]) => rated.push(((f64::from(v), f64::from(a)), pred)),
                None => {
                    if let Some(q) = c.quadrant.filter(|q| (1..=4).contains(q)) {
                        quad_only[usize::from(q - 1)].push(pred);
                    }
                }
            }
        }
        for (qi, pts) in quad_only.iter().enumerate() {
            if pts.is_empty() {
                continue;
            }
            let color = QUAD[qi];
            chart
                .draw_series(
                    pts.iter()
                        .map(|&p| Circle::new(p, 3, color.mix(0.6).filled())),
                )
                .map_err(|e| e.to_string())?
                .label(format!("prediction, true Q{}", qi + 1))
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        if !rated.is_empty() {
            chart
                .draw_series(rated.iter().map(|&(t, p)| {
                    PathElement::new(vec![t, p], RGBColor(90, 90, 90).mix(0.45).stroke_width(1))
                }))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(
                    rated
                        .iter()
                        .map(|&(t, _)| Circle::new(t, 4, BLACK.mix(0.7).stroke_width(1))),
                )
                .map_err(|e| e.to_string())?
                .label("rating (listeners)")
                .legend(|(x, y)| Circle::new((x + 10, y), 4, BLACK.stroke_width(1)));
            chart
                .draw_series(
                    rated
                        .iter()
                        .map(|&(_, p)| Circle::new(p, 3, RGBColor(255, 127, 14).filled())),
                )
                .map_err(|e| e.to_string())?
                .label("prediction (joined to its rating)")
                .legend(|(x, y)| Circle::new((x + 10, y), 4, RGBColor(255, 127, 14).filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 12)?;
        Ok(())
    })
}
