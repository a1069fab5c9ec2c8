//! Hand-written SVG charts for the HTML report: line charts, box plots and points with error
//! bars. Text is written as `<text>` elements, so no font file is needed, and every value
//! comes from the caller, so the output is deterministic. The `<svg>` elements carry no
//! namespace attribute, which HTML5 does not need for inline SVG.

use std::fmt::Write;

/// Margins around the plot area, pixels: left, right, top, bottom.
const MARGIN: (f64, f64, f64, f64) = (64.0, 16.0, 32.0, 48.0);

/// Colours of successive series (Okabe-Ito palette, readable with colour blindness).
pub(crate) const PALETTE: [&str; 6] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];

/// One named series of a line chart.
pub(crate) struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub dashed: bool,
}

/// A line chart.
pub(crate) struct LineChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: Vec<Series<'a>>,
    /// Draw the x axis from high to low values (the ppm convention of spectra).
    pub x_decreasing: bool,
    /// Fixed axis ranges; `None` fits the data.
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    pub size_px: (f64, f64),
}

/// Escapes text for XML content and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Range of the finite values, widened when all are equal; `(0, 1)` when there are none.
fn data_range<'a>(values: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    let (low, high) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    if high - low <= f64::EPSILON * low.abs().max(1.0) {
        return (low - 0.5, high + 0.5);
    }
    (low, high)
}

/// About `target` round tick values (steps of 1, 2 or 5 times a power of ten) inside
/// `[low, high]`.
fn ticks(low: f64, high: f64, target: usize) -> Vec<f64> {
    let span = high - low;
    if !(span.is_finite() && span > 0.0) {
        return vec![low];
    }
    let raw_step = span / target.max(1) as f64;
    let power = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Formats a tick value with as many decimals as its step needs.
fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let text = format!("{value:.decimals$}");
    if text == "-0" {
        "0".to_string()
    } else {
        text
    }
}

/// The plot area and the data-to-pixel maps of a chart.
pub(crate) struct Frame {
    width: f64,
    height: f64,
    x_range: (f64, f64),
    y_range: (f64, f64),
    x_decreasing: bool,
}

impl Frame {
    pub(crate) fn new(
        size_px: (f64, f64),
        x_range: (f64, f64),
        y_range: (f64, f64),
        x_decreasing: bool,
    ) -> Frame {
        Frame {
            width: size_px.0,
            height: size_px.1,
            x_range,
            y_range,
            x_decreasing,
        }
    }

    fn plot_width(&self) -> f64 {
        self.width - MARGIN.0 - MARGIN.1
    }

    fn plot_height(&self) -> f64 {
        self.height - MARGIN.2 - MARGIN.3
    }

    pub(crate) fn x(&self, value: f64) -> f64 {
        let (low, high) = self.x_range;
        let fraction = (value - low) / (high - low);
        let fraction = if self.x_decreasing {
            1.0 - fraction
        } else {
            fraction
        };
        MARGIN.0 + fraction * self.plot_width()
    }

    pub(crate) fn y(&self, value: f64) -> f64 {
        let (low, high) = self.y_range;
        let clamped = value.clamp(low, high);
        MARGIN.2 + (1.0 - (clamped - low) / (high - low)) * self.plot_height()
    }

    /// Opens the `<svg>` element and draws the title, axes, ticks and labels. `x_ticks` false
    /// leaves the x ticks to the caller (category axes).
    pub(crate) fn open(&self, title: &str, x_label: &str, y_label: &str, x_ticks: bool) -> String {
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">"#,
            w = self.width,
            h = self.height
        );
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{}</text>"#,
            self.width / 2.0,
            escape(title)
        );
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#444"/>"##,
            MARGIN.0,
            MARGIN.2,
            self.plot_width(),
            self.plot_height()
        );

        self.draw_y_ticks(&mut svg);
        if x_ticks {
            self.draw_x_ticks(&mut svg);
        }

        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            MARGIN.0 + self.plot_width() / 2.0,
            self.height - 8.0,
            escape(x_label)
        );
        let _ = write!(
            svg,
            r#"<text transform="translate(14,{:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            MARGIN.2 + self.plot_height() / 2.0,
            escape(y_label)
        );
        svg
    }

    /// Draws horizontal grid lines with labels at round y values.
    fn draw_y_ticks(&self, svg: &mut String) {
        let (left, right) = (MARGIN.0, MARGIN.0 + self.plot_width());
        let y_ticks = ticks(self.y_range.0, self.y_range.1, 6);
        let y_step = y_ticks.get(1).map_or(1.0, |t| t - y_ticks[0]);
        for tick in &y_ticks {
            let y = self.y(*tick);
            let _ = write!(
                svg,
                r##"<line x1="{left:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                left - 4.0,
                y + 4.0,
                tick_label(*tick, y_step)
            );
        }
    }

    /// Draws tick marks with labels at round x values below the plot area.
    fn draw_x_ticks(&self, svg: &mut String) {
        let bottom = self.bottom();
        let x_values = ticks(self.x_range.0, self.x_range.1, 8);
        let x_step = x_values.get(1).map_or(1.0, |t| t - x_values[0]);
        for tick in &x_values {
            let x = self.x(*tick);
            let _ = write!(
                svg,
                r##"<line x1="{x:.1}" y1="{bottom:.1}" x2="{x:.1}" y2="{:.1}" stroke="#444"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                bottom + 4.0,
                bottom + 16.0,
                tick_label(*tick, x_step)
            );
        }
    }

    /// Pixel x of the left edge and width of category slot `index` of `n`.
    pub(crate) fn slot(&self, index: usize, n: usize) -> (f64, f64) {
        let width = self.plot_width() / n.max(1) as f64;
        (MARGIN.0 + index as f64 * width, width)
    }

    pub(crate) fn bottom(&self) -> f64 {
        MARGIN.2 + self.plot_height()
    }
}

/// Renders a line chart with a legend.
pub(crate) fn line_chart(chart: &LineChart<'_>) -> String {
    let x_range = chart
        .x_range
        .unwrap_or_else(|| data_range(chart.series.iter().flat_map(|s| s.x.iter())));
    let y_range = chart
        .y_range
        .unwrap_or_else(|| data_range(chart.series.iter().flat_map(|s| s.y.iter())));
    let frame = Frame::new(chart.size_px, x_range, y_range, chart.x_decreasing);
    let mut svg = frame.open(chart.title, chart.x_label, chart.y_label, true);
    for (number, series) in chart.series.iter().enumerate() {
        let mut points = String::new();
        for (&x, &y) in series.x.iter().zip(series.y) {
            if x.is_finite() && y.is_finite() {
                let _ = write!(points, "{:.1},{:.1} ", frame.x(x), frame.y(y));
            }
        }
        let dash = if series.dashed {
            r#" stroke-dasharray="5,4""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1.3"{dash}/>"#,
            points.trim_end(),
            series.color
        );
        let legend_y = MARGIN.2 + 14.0 + 14.0 * number as f64;
        let legend_x = frame.width - MARGIN.1 - 130.0;
        let _ = write!(
            svg,
            r#"<line x1="{legend_x:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{}" stroke-width="2"{dash}/><text x="{:.1}" y="{legend_y:.1}">{}</text>"#,
            legend_y - 4.0,
            legend_x + 18.0,
            legend_y - 4.0,
            series.color,
            legend_x + 22.0,
            escape(series.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Quartiles and whiskers of one box (Tukey: whiskers at the most extreme values within 1.5
/// IQR of the box).
struct BoxStats {
    q1: f64,
    median: f64,
    q3: f64,
    whisker_low: f64,
    whisker_high: f64,
    outliers: Vec<f64>,
}

/// Quantile with linear interpolation between order statistics (Hyndman-Fan type 7).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (position - below as f64) * (sorted[above] - sorted[below])
}

fn box_stats(values: &[f64]) -> Option<BoxStats> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let q1 = quantile_sorted(&sorted, 0.25);
    let q3 = quantile_sorted(&sorted, 0.75);
    let fence_low = q1 - 1.5 * (q3 - q1);
    let fence_high = q3 + 1.5 * (q3 - q1);
    let inside = || {
        sorted
            .iter()
            .copied()
            .filter(|v| (fence_low..=fence_high).contains(v))
    };
    Some(BoxStats {
        q1,
        median: quantile_sorted(&sorted, 0.5),
        q3,
        whisker_low: inside().fold(f64::INFINITY, f64::min),
        whisker_high: inside().fold(f64::NEG_INFINITY, f64::max),
        outliers: sorted
            .iter()
            .copied()
            .filter(|v| !(fence_low..=fence_high).contains(v))
            .collect(),
    })
}

/// One category of a box plot: one box per method.
pub(crate) struct BoxCategory<'a> {
    pub label: &'a str,
    pub boxes: Vec<&'a [f64]>,
}

/// Renders grouped box plots: one slot per category, one box per method inside it, coloured
/// by method. The y axis reaches the highest whisker; outliers above it are drawn at the top
/// edge and counted in the box's tooltip.
pub(crate) fn box_plot(
    title: &str,
    y_label: &str,
    methods: &[&str],
    categories: &[BoxCategory<'_>],
    size_px: (f64, f64),
) -> String {
    let stats: Vec<Vec<Option<BoxStats>>> = categories
        .iter()
        .map(|c| c.boxes.iter().map(|b| box_stats(b)).collect())
        .collect();
    let top = stats
        .iter()
        .flatten()
        .flatten()
        .map(|s| s.whisker_high)
        .fold(0.0f64, f64::max);
    let y_range = (0.0, if top > 0.0 { top * 1.05 } else { 1.0 });
    let frame = Frame::new(size_px, (0.0, 1.0), y_range, false);
    let mut svg = frame.open(title, "", y_label, false);
    for (index, (category, boxes)) in categories.iter().zip(&stats).enumerate() {
        let (left, width) = frame.slot(index, categories.len());
        let box_width = width * 0.8 / boxes.len().max(1) as f64;
        for (method, stats) in boxes.iter().enumerate() {
            let Some(s) = stats else { continue };
            let color = PALETTE[method % PALETTE.len()];
            let x = left + width * 0.1 + method as f64 * box_width;
            let centre = x + box_width / 2.0;
            let clipped = s.outliers.iter().filter(|v| **v > y_range.1).count();
            let method_name = methods.get(method).copied().unwrap_or("");
            let _ = write!(
                svg,
                r#"<g><title>{} {}: median {:.3}, IQR {:.3}-{:.3}, {} outliers ({} above the axis)</title>"#,
                escape(category.label),
                escape(method_name),
                s.median,
                s.q1,
                s.q3,
                s.outliers.len(),
                clipped
            );
            let _ = write!(
                svg,
                r#"<line x1="{centre:.1}" y1="{:.1}" x2="{centre:.1}" y2="{:.1}" stroke="{color}"/>"#,
                frame.y(s.whisker_low),
                frame.y(s.whisker_high)
            );
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}" fill-opacity="0.35" stroke="{color}"/>"#,
                x + 1.0,
                frame.y(s.q3),
                (box_width - 2.0).max(1.0),
                (frame.y(s.q1) - frame.y(s.q3)).max(0.5)
            );
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="2"/>"#,
                x + 1.0,
                frame.y(s.median),
                x + box_width - 1.0,
                frame.y(s.median)
            );
            for outlier in &s.outliers {
                let _ = write!(
                    svg,
                    r#"<circle cx="{centre:.1}" cy="{:.1}" r="1.6" fill="none" stroke="{color}"/>"#,
                    frame.y(*outlier)
                );
            }
            svg.push_str("</g>");
        }
        let label_x = left + width / 2.0;
        let label_y = frame.bottom() + 12.0;
        let _ = write!(
            svg,
            r#"<text x="{label_x:.1}" y="{label_y:.1}" text-anchor="end" transform="rotate(-45 {label_x:.1} {label_y:.1})">{}</text>"#,
            escape(category.label)
        );
    }
    for (method, name) in methods.iter().enumerate() {
        let color = PALETTE[method % PALETTE.len()];
        let legend_x = frame.width - MARGIN.1 - 120.0;
        let legend_y = MARGIN.2 + 14.0 + 14.0 * method as f64;
        let _ = write!(
            svg,
            r#"<rect x="{legend_x:.1}" y="{:.1}" width="12" height="10" fill="{color}" fill-opacity="0.35" stroke="{color}"/><text x="{:.1}" y="{legend_y:.1}">{}</text>"#,
            legend_y - 9.0,
            legend_x + 16.0,
            escape(name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One point with a symmetric error bar on a category axis.
pub(crate) struct ErrorBarPoint<'a> {
    pub label: &'a str,
    pub value: f64,
    pub error: f64,
    /// Legend class of the point; points of one class share a colour.
    pub class: &'a str,
}

/// Renders points with error bars over categories, coloured by class, with a dashed
/// horizontal reference line at `reference` (for example the 0.5 decision threshold).
pub(crate) fn error_bar_chart(
    title: &str,
    y_label: &str,
    points: &[ErrorBarPoint<'_>],
    y_range: (f64, f64),
    reference: Option<f64>,
    size_px: (f64, f64),
) -> String {
    let frame = Frame::new(size_px, (0.0, 1.0), y_range, false);
    let mut svg = frame.open(title, "", y_label, false);
    let mut classes: Vec<&str> = Vec::new();
    for point in points {
        if !classes.contains(&point.class) {
            classes.push(point.class);
        }
    }
    if let Some(reference) = reference {
        let (left, _) = frame.slot(0, 1);
        let (_, width) = frame.slot(0, 1);
        let y = frame.y(reference);
        let _ = write!(
            svg,
            r##"<line x1="{left:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#888" stroke-dasharray="5,4"/>"##,
            left + width
        );
    }
    for (index, point) in points.iter().enumerate() {
        let (left, width) = frame.slot(index, points.len());
        let centre = left + width / 2.0;
        let class = classes.iter().position(|c| *c == point.class).unwrap_or(0);
        let color = PALETTE[class % PALETTE.len()];
        let _ = write!(
            svg,
            r#"<g><title>{}: {:.3} ± {:.3} ({})</title><line x1="{centre:.1}" y1="{:.1}" x2="{centre:.1}" y2="{:.1}" stroke="{color}"/><circle cx="{centre:.1}" cy="{:.1}" r="3.5" fill="{color}"/></g>"#,
            escape(point.label),
            point.value,
            point.error,
            escape(point.class),
            frame.y(point.value - point.error),
            frame.y(point.value + point.error),
            frame.y(point.value)
        );
        let label_y = frame.bottom() + 12.0;
        let _ = write!(
            svg,
            r#"<text x="{centre:.1}" y="{label_y:.1}" text-anchor="end" transform="rotate(-45 {centre:.1} {label_y:.1})">{}</text>"#,
            escape(point.label)
        );
    }
    for (number, class) in classes.iter().enumerate() {
        let color = PALETTE[number % PALETTE.len()];
        let legend_x = frame.width - MARGIN.1 - 130.0;
        let legend_y = MARGIN.2 + 14.0 + 14.0 * number as f64;
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{color}"/><text x="{:.1}" y="{legend_y:.1}">{}</text>"#,
            legend_x + 5.0,
            legend_y - 4.0,
            legend_x + 14.0,
            escape(class)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        // Span 0.94 over 5 ticks needs steps of 0.188, rounded up to 0.2.
        let values = ticks(0.03, 0.97, 5);
        assert_eq!(values.len(), 4);
        assert!((values[0] - 0.2).abs() < 1e-12);
        assert!((values[3] - 0.8).abs() < 1e-12);
        assert!(values.iter().all(|v| (0.03..=0.97).contains(v)));
    }

    #[test]
    fn box_stats_match_numpy_quartiles() {
        // numpy.percentile([1, 2, 3, 4, 100], [25, 50, 75]) = [2, 3, 4]; 100 lies above
        // the upper fence 4 + 1.5 * 2 = 7.
        let stats = box_stats(&[4.0, 1.0, 100.0, 3.0, 2.0]).expect("non-empty");
        assert!((stats.q1 - 2.0).abs() < 1e-12);
        assert!((stats.median - 3.0).abs() < 1e-12);
        assert!((stats.q3 - 4.0).abs() < 1e-12);
        assert!((stats.whisker_high - 4.0).abs() < 1e-12);
        assert_eq!(stats.outliers.len(), 1);
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
