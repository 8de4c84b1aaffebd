//! A neutral reply: what a command answers, before Discord or a terminal
//! renders it. Discord's embed limits hold by construction: the builder pages
//! long content at row and line boundaries, never in the middle of one.

use serde::Serialize;

/// Discord's embed limits.
pub mod limits {
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4096;
    pub const FIELDS: usize = 25;
    pub const FIELD_NAME: usize = 256;
    pub const FIELD_VALUE: usize = 1024;
    pub const FOOTER: usize = 2048;
    pub const EMBED_TOTAL: usize = 6000;
}

/// Colours (Discord embed sidebar), readable on a dark theme.
pub mod colour {
    pub const INFO: u32 = 0x5865F2;
    pub const SUCCESS: u32 = 0x57F287;
    pub const WARNING: u32 = 0xFEE75C;
    pub const ERROR: u32 = 0xED4245;
    pub const AXIS: u32 = 0xE67E22;
    pub const ALLIES: u32 = 0x3498DB;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Monospace text: columns padded, numbers right-aligned.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate().take(columns) {
                if let Some(width) = widths.get_mut(index) {
                    *width = (*width).max(cell.chars().count());
                }
            }
        }
        let line = |cells: &[String]| -> String {
            let mut out = String::new();
            for (index, width) in widths.iter().enumerate() {
                let cell = cells.get(index).map(String::as_str).unwrap_or("");
                let pad = width.saturating_sub(cell.chars().count());
                if index > 0 {
                    out.push_str("  ");
                }
                match self.align.get(index).copied().unwrap_or(Align::Left) {
                    Align::Left => {
                        out.push_str(cell);
                        out.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        out.extend(std::iter::repeat_n(' ', pad));
                        out.push_str(cell);
                    }
                }
            }
            out.trim_end().to_owned()
        };
        let mut lines = vec![line(&self.headers)];
        lines.push(
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  "),
        );
        lines.extend(self.rows.iter().map(|row| line(row)));
        lines.join("\n")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    pub title: String,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    pub table: Option<Table>,
    pub footer: Option<String>,
    pub colour: u32,
}

impl Page {
    /// The description as it goes into the embed: the text, then the table as a code block.
    pub fn embed_description(&self) -> Option<String> {
        let table = self
            .table
            .as_ref()
            .map(|t| format!("```\n{}\n```", t.render()));
        match (&self.description, table) {
            (Some(text), Some(table)) => Some(format!("{text}\n{table}")),
            (Some(text), None) => Some(text.clone()),
            (None, table) => table,
        }
    }

    /// Characters Discord counts toward the 6000 limit.
    pub fn embed_size(&self) -> usize {
        self.title.chars().count()
            + self.embed_description().map_or(0, |d| d.chars().count())
            + self.footer.as_ref().map_or(0, |f| f.chars().count())
            + self
                .fields
                .iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub size: usize,
}

impl Attachment {
    pub fn new(
        filename: impl Into<String>,
        content_type: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Self {
        Self {
            filename: filename.into(),
            content_type: content_type.into(),
            size: bytes.len(),
            bytes,
        }
    }
}

/// What a command answers: one or more pages, and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub pages: Vec<Page>,
    pub attachments: Vec<Attachment>,
}

impl Reply {
    pub fn builder(title: impl Into<String>) -> ReplyBuilder {
        ReplyBuilder::new(title)
    }

    /// A one-page reply with just a message.
    pub fn message(title: impl Into<String>, text: impl Into<String>, colour: u32) -> Self {
        Self::builder(title)
            .description(text)
            .colour(colour)
            .build()
    }

    /// Plain text for a terminal: every page, tables aligned.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (index, page) in self.pages.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            out.push_str(&page.title);
            out.push('\n');
            out.push_str(&"=".repeat(page.title.chars().count().min(80)));
            out.push('\n');
            if let Some(text) = &page.description {
                out.push_str(text);
                out.push('\n');
            }
            if let Some(table) = &page.table {
                out.push('\n');
                out.push_str(&table.render());
                out.push('\n');
            }
            for field in &page.fields {
                out.push('\n');
                out.push_str(&field.name);
                out.push_str(":\n");
                for line in field.value.lines() {
                    out.push_str("  ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            if let Some(footer) = &page.footer {
                out.push('\n');
                out.push_str(footer);
                out.push('\n');
            }
        }
        for attachment in &self.attachments {
            out.push_str(&format!(
                "[attachment {} ({} bytes)]\n",
                attachment.filename, attachment.size
            ));
        }
        out
    }
}

/// Builds a reply and pages it to fit Discord.
#[derive(Debug, Clone)]
pub struct ReplyBuilder {
    title: String,
    description: Option<String>,
    fields: Vec<Field>,
    table: Option<Table>,
    footer: Option<String>,
    colour: u32,
    attachments: Vec<Attachment>,
    rows_per_page: usize,
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl ReplyBuilder {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: clip(&title.into(), limits::TITLE - 12),
            description: None,
            fields: Vec::new(),
            table: None,
            footer: None,
            colour: colour::INFO,
            attachments: Vec::new(),
            rows_per_page: 15,
        }
    }

    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// A field; a value longer than Discord allows continues in further fields,
    /// split between lines.
    pub fn field(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        inline: bool,
    ) -> Self {
        let name = clip(&name.into(), limits::FIELD_NAME - 10);
        let value = value.into();
        let value = if value.trim().is_empty() {
            "-".to_owned()
        } else {
            value
        };
        let mut chunk = String::new();
        let mut first = true;
        for line in value.lines() {
            let line = clip(line, limits::FIELD_VALUE);
            if !chunk.is_empty()
                && chunk.chars().count() + line.chars().count() + 1 > limits::FIELD_VALUE
            {
                self.fields.push(Field {
                    name: if first {
                        name.clone()
                    } else {
                        format!("{name} (cont.)")
                    },
                    value: std::mem::take(&mut chunk),
                    inline,
                });
                first = false;
            }
            if !chunk.is_empty() {
                chunk.push('\n');
            }
            chunk.push_str(&line);
        }
        self.fields.push(Field {
            name: if first {
                name
            } else {
                format!("{name} (cont.)")
            },
            value: chunk,
            inline,
        });
        self
    }

    pub fn table(mut self, headers: &[&str], align: &[Align], rows: Vec<Vec<String>>) -> Self {
        self.table = Some(Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            align: align.to_vec(),
            rows,
        });
        self
    }

    pub fn rows_per_page(mut self, rows: usize) -> Self {
        self.rows_per_page = rows.max(1);
        self
    }

    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(clip(&text.into(), limits::FOOTER - 20));
        self
    }

    pub fn colour(mut self, colour: u32) -> Self {
        self.colour = colour;
        self
    }

    pub fn attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }

    pub fn build(self) -> Reply {
        let description = self.description.map(|d| clip(&d, limits::DESCRIPTION / 2));
        let table_pages: Vec<Option<Table>> = match &self.table {
            None => vec![None],
            Some(table) => {
                let mut pages = Vec::new();
                let mut rows: Vec<Vec<String>> = Vec::new();
                for row in &table.rows {
                    rows.push(row.clone());
                    let candidate = Table {
                        rows: rows.clone(),
                        ..table.clone()
                    };
                    let too_long = candidate.render().chars().count() + 8 > limits::DESCRIPTION / 2;
                    if rows.len() > self.rows_per_page || too_long {
                        let last = rows.pop();
                        pages.push(Some(Table {
                            rows: std::mem::take(&mut rows),
                            ..table.clone()
                        }));
                        rows.extend(last);
                    }
                }
                if !rows.is_empty() || pages.is_empty() {
                    pages.push(Some(Table {
                        rows,
                        ..table.clone()
                    }));
                }
                pages
            }
        };
        // Fields go on the first page while they fit, then on pages of their own.
        let mut field_pages: Vec<Vec<Field>> = vec![Vec::new()];
        let mut size = 0;
        for field in self.fields {
            let field_size = field.name.chars().count() + field.value.chars().count();
            let full = field_pages
                .last()
                .is_some_and(|p| p.len() >= limits::FIELDS)
                || size + field_size > limits::EMBED_TOTAL - limits::DESCRIPTION / 2 - 600;
            if full {
                field_pages.push(Vec::new());
                size = 0;
            }
            size += field_size;
            if let Some(page) = field_pages.last_mut() {
                page.push(field);
            }
        }
        let count = table_pages.len().max(field_pages.len());
        let mut table_pages = table_pages.into_iter();
        let mut field_pages = field_pages.into_iter();
        let mut pages = Vec::with_capacity(count);
        for index in 0..count {
            let footer = match (&self.footer, count) {
                (Some(text), 1) => Some(text.clone()),
                (Some(text), _) => Some(format!("{text} · page {}/{count}", index + 1)),
                (None, 1) => None,
                (None, _) => Some(format!("page {}/{count}", index + 1)),
            };
            pages.push(Page {
                title: self.title.clone(),
                description: description.clone(),
                fields: field_pages.next().unwrap_or_default(),
                table: table_pages.next().flatten(),
                footer,
                colour: self.colour,
            });
        }
        Reply {
            pages,
            attachments: self.attachments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tables_are_paged_between_rows_and_pages_fit_discord() {
        let rows: Vec<Vec<String>> = (0..200)
            .map(|i| vec![format!("player {i}"), i.to_string()])
            .collect();
        let reply = Reply::builder("Leaderboard")
            .description("kills")
            .table(&["player", "kills"], &[Align::Left, Align::Right], rows)
            .build();
        assert_eq!(reply.pages.len(), 14);
        let shown: usize = reply
            .pages
            .iter()
            .map(|p| p.table.as_ref().unwrap().rows.len())
            .sum();
        assert_eq!(shown, 200, "every row once");
        for page in &reply.pages {
            assert!(page.embed_size() <= limits::EMBED_TOTAL);
            assert!(page.embed_description().unwrap().chars().count() <= limits::DESCRIPTION);
        }
        assert_eq!(reply.pages[13].footer.as_deref(), Some("page 14/14"));
    }

    #[test]
    fn long_fields_continue_between_lines_and_many_fields_page() {
        let value: String = (0..300).map(|i| format!("line {i}\n")).collect();
        let mut builder = Reply::builder("x").field("big", value, false);
        for i in 0..40 {
            builder = builder.field(format!("f{i}"), "v", true);
        }
        let reply = builder.build();
        for page in &reply.pages {
            assert!(page.fields.len() <= limits::FIELDS);
            assert!(
                page.fields
                    .iter()
                    .all(|f| f.value.chars().count() <= limits::FIELD_VALUE)
            );
            assert!(page.embed_size() <= limits::EMBED_TOTAL);
        }
        let lines: usize = reply
            .pages
            .iter()
            .flat_map(|p| &p.fields)
            .filter(|f| f.name.starts_with("big"))
            .map(|f| f.value.lines().count())
            .sum();
        assert_eq!(lines, 300);
    }
}
