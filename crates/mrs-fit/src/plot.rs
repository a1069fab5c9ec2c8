//! Figures of a fit: data, fit, baseline, residual and components on a ppm axis that
//! decreases to the right, as spectra are drawn in the field.

use crate::fit::FitResult;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use thiserror::Error;

/// Fonts tried, in order, when [`PlotOptions::font_path`] is not set (DejaVu Sans and
/// Liberation Sans as Debian, Ubuntu and Fedora install them).
pub const DEFAULT_FONT_PATHS: [&str; 3] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// A figure that could not be drawn or saved.
#[derive(Debug, Error)]
pub enum PlotError {
    /// Drawing failed.
    #[error("drawing {path} failed: {detail}")]
    Draw {
        /// Output file.
        path: PathBuf,
        /// The backend's message.
        detail: String,
    },
    /// The file could not be written or moved into place.
    #[error("writing {path} failed: {source}")]
    Io {
        /// Output file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The fit has no points to draw.
    #[error("the fit has no window points to draw")]
    Empty,
}

/// Figure settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Width and height in pixels. Default 1400 x 900.
    pub size_px: (u32, u32),
    /// TrueType font for labels; `None` tries [`DEFAULT_FONT_PATHS`]. Without a font the
    /// figure is drawn without text.
    pub font_path: Option<PathBuf>,
    /// Draw each entry's contribution under the spectrum. Default true.
    pub components: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            size_px: (1400, 900),
            font_path: None,
            components: true,
        }
    }
}

/// Registers the first readable font once per process; returns whether text can be drawn.
fn ensure_font(path: Option<&Path>) -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        let candidates: Vec<PathBuf> = match path {
            Some(p) => vec![p.to_path_buf()],
            None => DEFAULT_FONT_PATHS.iter().map(PathBuf::from).collect(),
        };
        for candidate in candidates {
            if let Ok(bytes) = std::fs::read(&candidate) {
                // plotters keeps fonts for the life of the process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// Draws `result` into a PNG at `path`, written to a temporary file in the same folder and
/// renamed into place, so a failure leaves any previous figure untouched.
///
/// # Errors
/// [`PlotError`] when drawing or writing fails, or the fit has no points.
pub fn write_png(path: &Path, result: &FitResult, options: &PlotOptions) -> Result<(), PlotError> {
    let spectra = &result.spectra;
    if spectra.ppm.is_empty() {
        return Err(PlotError::Empty);
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map_or("fit.png".into(), |n| n.to_string_lossy().into_owned());
    let temporary = folder.join(format!(".{file_name}.{}.tmp.png", std::process::id()));
    let draw_error = |e: &dyn std::fmt::Display| PlotError::Draw {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let text = ensure_font(options.font_path.as_deref());
    let drawn = draw(&temporary, result, options, text).map_err(|e| draw_error(&e));
    if let Err(error) = drawn {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        PlotError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw(path: &Path, result: &FitResult, options: &PlotOptions, text: bool) -> DrawResult {
    let spectra = &result.spectra;
    let root = BitMapBackend::new(path, options.size_px).into_drawing_area();
    root.fill(&WHITE)?;
    // Plot against -ppm so that ppm decreases to the right; labels print +ppm.
    let x: Vec<f64> = spectra.ppm.iter().map(|p| -p).collect();
    let (x_min, x_max) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let span = |values: &[f64]| {
        values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            })
    };
    let (data_low, data_high) = span(&spectra.data);
    let (fit_low, fit_high) = span(&spectra.fit);
    let high = data_high.max(fit_high);
    let low = data_low.min(fit_low);
    let height = (high - low).max(f64::MIN_POSITIVE);
    let (residual_low, residual_high) = span(&spectra.residual);
    // Residual above the spectrum, components below it.
    let residual_offset = high + 0.1 * height - residual_low;
    let component_offset = low - 0.1 * height;
    let mut component_low = component_offset;
    if options.components {
        for component in &spectra.components {
            let (c_low, _) = span(component);
            component_low = component_low.min(component_offset + c_low);
        }
    }
    let y_top = residual_offset + residual_high + 0.05 * height;
    let y_bottom = if options.components {
        component_low - 0.05 * height
    } else {
        low - 0.05 * height
    };

    let mut builder = ChartBuilder::on(&root);
    builder.margin(20);
    if text {
        builder
            .caption(
                format!(
                    "fit: SNR {:.0}, FWHM {:.3} ppm, {}",
                    result.report.snr, result.report.linewidth_fwhm_ppm, result.report.termination
                ),
                ("sans-serif", 22),
            )
            .x_label_area_size(45)
            .y_label_area_size(70);
    }
    let mut chart = builder.build_cartesian_2d(x_min..x_max, y_bottom..y_top)?;
    if text {
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("chemical shift (ppm)")
            .x_label_formatter(&|v| format!("{:.1}", -v))
            .y_label_formatter(&|v| format!("{v:.1e}"))
            .draw()?;
    }
    let series = |values: &[f64], offset: f64| -> Vec<(f64, f64)> {
        x.iter()
            .zip(values)
            .map(|(&xi, &v)| (xi, v + offset))
            .collect()
    };
    if options.components {
        for (k, component) in spectra.components.iter().enumerate() {
            let colour = Palette99::pick(k).mix(0.8);
            chart.draw_series(LineSeries::new(
                series(component, component_offset),
                colour.stroke_width(1),
            ))?;
        }
    }
    let labelled = [
        (
            &spectra.residual,
            residual_offset,
            RGBColor(120, 120, 120),
            1,
            "residual (offset)",
        ),
        (&spectra.data, 0.0, BLACK, 1, "data"),
        (&spectra.baseline, 0.0, BLUE, 2, "baseline"),
        (&spectra.fit, 0.0, RED, 2, "fit"),
    ];
    for (values, offset, colour, width, label) in labelled {
        chart
            .draw_series(LineSeries::new(
                series(values, offset),
                colour.stroke_width(width),
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
    }
    if text {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
