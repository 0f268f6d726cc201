//! The digest's picture: refunds by reason, week by week, as stacked bars in a PNG. Drawn by
//! plotters into memory with the font shipped in `assets/` (no system fonts on a bare server),
//! then encoded by `png`.

use chrono::NaiveDate;
use plotters::prelude::*;
use std::sync::Once;

/// The picture's size in pixels.
pub const WIDTH: u32 = 960;
pub const HEIGHT: u32 = 480;

/// The font every label is drawn in, embedded in the binary.
static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const FAMILY: &str = "refund-bot-sans";

/// What the chart shows: for each week (oldest first), the refunds of each reason.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChartData {
    pub weeks: Vec<NaiveDate>,
    /// (reason label, one count per week), largest reason first.
    pub series: Vec<(String, Vec<u32>)>,
}

/// Colours for the reasons, in order; a seller rarely has more than six.
const COLOURS: [RGBColor; 7] = [
    RGBColor(66, 133, 244),
    RGBColor(219, 68, 55),
    RGBColor(244, 180, 0),
    RGBColor(15, 157, 88),
    RGBColor(171, 71, 188),
    RGBColor(0, 172, 193),
    RGBColor(120, 120, 120),
];

fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType font, checked by the tests.
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            tracing::error!("the chart font in assets/ does not load");
        }
    });
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing the chart: {0}")]
    Draw(String),
    #[error("encoding the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

/// The chart as PNG bytes, `WIDTH` x `HEIGHT`.
pub fn render_png(data: &ChartData, title: &str) -> Result<Vec<u8>, ChartError> {
    register_font();
    let mut rgb = vec![255u8; (WIDTH * HEIGHT * 3) as usize];
    draw(data, title, &mut rgb).map_err(|e| ChartError::Draw(e.to_string()))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(out)
}

fn draw(data: &ChartData, title: &str, rgb: &mut [u8]) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let weeks = data.weeks.len().max(1);
    let totals: Vec<u32> =
        (0..weeks).map(|w| data.series.iter().map(|(_, c)| c.get(w).copied().unwrap_or(0)).sum()).collect();
    let top = totals.iter().copied().max().unwrap_or(0).max(1);
    // Headroom above the highest bar for the legend.
    let y_max = top + top.div_ceil(2);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FAMILY, 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(44)
        // Bars centred on whole numbers, so the axis labels fall under them.
        .build_cartesian_2d(-0.5f64..weeks as f64 - 0.5, 0u32..y_max)?;
    let labels = data.weeks.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(weeks)
        .x_label_formatter(&|x| match labels.get(x.round().max(0.0) as usize) {
            Some(day) if (x - x.round()).abs() < 0.01 => day.format("%b %d").to_string(),
            _ => String::new(),
        })
        .y_labels(8)
        .light_line_style(WHITE)
        .y_desc("refunds")
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 14))
        .draw()?;
    let mut base = vec![0u32; weeks];
    for (i, (label, counts)) in data.series.iter().enumerate() {
        let colour = COLOURS[i.min(COLOURS.len() - 1)];
        let bars: Vec<Rectangle<(f64, u32)>> = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(w, n)| {
                let (x0, x1) = (w as f64 - 0.35, w as f64 + 0.35);
                let bar = Rectangle::new([(x0, base[w]), (x1, base[w] + n)], colour.filled());
                base[w] += n;
                bar
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(label.as_str())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FAMILY, 14))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_of_its_size_even_when_empty() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let weeks: Vec<NaiveDate> = (0..8).map(|w| day + chrono::Duration::weeks(w)).collect();
        let data = ChartData {
            weeks: weeks.clone(),
            series: vec![
                ("Something doesn't work".into(), vec![0, 1, 2, 9, 3, 0, 1, 4]),
                ("Changed my mind".into(), vec![1; 8]),
            ],
        };
        for data in [data, ChartData { weeks, series: vec![] }] {
            let png = render_png(&data, "Refunds by reason").unwrap();
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
            let decoder = png::Decoder::new(png.as_slice());
            let reader = decoder.read_info().unwrap();
            assert_eq!((reader.info().width, reader.info().height), (WIDTH, HEIGHT));
        }
    }
}
