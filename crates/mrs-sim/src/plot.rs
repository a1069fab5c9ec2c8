//! PNG plots of basis spectra (feature `plot`).

use mrs_core::BasisSet;
use plotters::prelude::*;
use std::path::Path;

/// Display settings of [`plot_basis_png`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOptions {
    /// Chemical-shift window, `(low, high)` in ppm; plotted decreasing to the right.
    pub ppm_range: (f64, f64),
    /// Image size in pixels; the height grows by `row_height_px` per entry.
    pub width_px: u32,
    /// Height of one stacked spectrum, in pixels.
    pub row_height_px: u32,
    /// TrueType font for labels. Without one the plot has no text, because plotters'
    /// `ab_glyph` backend finds no system fonts by itself.
    pub font: Option<&'static [u8]>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            ppm_range: (0.2, 5.5),
            width_px: 1000,
            row_height_px: 60,
            font: None,
        }
    }
}

/// Error raised while drawing or encoding the PNG, as text from plotters.
#[derive(Debug, thiserror::Error)]
#[error("cannot plot basis set to {path}: {message}")]
pub struct PlotError {
    /// Output path.
    pub path: String,
    /// The drawing backend's message.
    pub message: String,
}

/// Draws the real part of every entry's spectrum, stacked and each scaled to its own maximum
/// in the window, with the ppm axis decreasing to the right.
///
/// # Errors
/// [`PlotError`] when the font is invalid or the file cannot be written.
pub fn plot_basis_png(
    basis: &BasisSet,
    path: &Path,
    options: &PlotOptions,
) -> Result<(), PlotError> {
    let error = |message: String| PlotError {
        path: path.display().to_string(),
        message,
    };
    let with_text = match options.font {
        Some(bytes) => {
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| error("invalid TrueType font".to_string()))?;
            true
        }
        None => false,
    };

    let n_rows = basis.len().max(1) as u32;
    let height_px = 80 + n_rows * options.row_height_px;
    let root = BitMapBackend::new(path, (options.width_px, height_px)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(e.to_string()))?;

    let (low, high) = options.ppm_range;
    // The x coordinate is -ppm, so that ppm decreases to the right.
    let mut builder = ChartBuilder::on(&root);
    builder.margin(10);
    if with_text {
        builder.x_label_area_size(40).y_label_area_size(70);
    }
    let mut chart = builder
        .build_cartesian_2d(-high..-low, -0.5..(n_rows as f64 - 0.2))
        .map_err(|e| error(e.to_string()))?;
    if with_text {
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("chemical shift (ppm)")
            .x_label_formatter(&|x| format!("{:.1}", -x))
            .y_labels(basis.len())
            .y_label_formatter(&|y| {
                let index = y.round() as usize;
                basis
                    .entries()
                    .get(basis.len().saturating_sub(index + 1))
                    .map_or_else(String::new, |e| e.name.clone())
            })
            .draw()
            .map_err(|e| error(e.to_string()))?;
    }

    for (row, entry) in basis.entries().iter().enumerate() {
        let Some(fid) = basis.fid(&entry.name) else {
            continue;
        };
        let spectrum = fid.to_spectrum();
        let real = spectrum.real();
        let points: Vec<(f64, f64)> = spectrum
            .ppm_axis()
            .into_iter()
            .zip(real)
            .filter(|(ppm, _)| *ppm >= low && *ppm <= high)
            .collect();
        let scale = points.iter().fold(0.0f64, |m, (_, v)| m.max(v.abs()));
        let baseline = (basis.len() - 1 - row) as f64;
        let series = points.iter().map(|&(ppm, value)| {
            let normalised = if scale > 0.0 { value / scale } else { 0.0 };
            (-ppm, baseline + 0.9 * normalised)
        });
        chart
            .draw_series(LineSeries::new(series, &BLACK))
            .map_err(|e| error(e.to_string()))?;
    }

    root.present().map_err(|e| error(e.to_string()))?;
    Ok(())
}
