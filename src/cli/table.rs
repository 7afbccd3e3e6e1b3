//! Terminal tables for people (comfy-table handles the width of Chinese characters).

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

/// A table with a header row, sized to the terminal.
pub fn new(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().copied());
    table
}
