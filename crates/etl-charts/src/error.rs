/// Why a chart could not be drawn or read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The chart has nothing to show (no players, no sessions, ...).
    #[error("the chart has no data: {0}")]
    NoData(&'static str),
    /// The data cannot be drawn as given (a date out of range, ...).
    #[error("the chart's data is invalid: {0}")]
    InvalidData(String),
    /// The embedded font could not be loaded.
    #[error("the embedded font could not be loaded")]
    Font,
    /// Drawing failed inside the plotting library.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Encoding or decoding the PNG failed.
    #[error("PNG: {0}")]
    Png(String),
    /// The PNG carries no chart data, or data this version cannot read.
    #[error("the PNG carries no readable chart data: {0}")]
    NotAChart(String),
}
