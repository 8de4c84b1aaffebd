//! A neutral `Reply` as Discord embeds, buttons and files.

use etl_commands::{Page, Reply};
use twilight_model::channel::message::component::{ActionRow, Button, ButtonStyle};
use twilight_model::channel::message::embed::{EmbedField, EmbedFooter};
use twilight_model::channel::message::{Component, Embed};
use twilight_model::http::attachment::Attachment;

pub fn embed(page: &Page) -> Embed {
    Embed {
        author: None,
        color: Some(page.colour),
        description: page.embed_description(),
        fields: page
            .fields
            .iter()
            .map(|f| EmbedField {
                inline: f.inline,
                name: f.name.clone(),
                value: f.value.clone(),
            })
            .collect(),
        flags: None,
        footer: page.footer.as_ref().map(|text| EmbedFooter {
            icon_url: None,
            proxy_icon_url: None,
            text: text.clone(),
        }),
        image: None,
        kind: "rich".to_owned(),
        provider: None,
        thumbnail: None,
        timestamp: None,
        title: Some(page.title.clone()),
        url: None,
        video: None,
    }
}

/// First / previous / next / last, for a reply of more than one page.
pub fn page_buttons(key: u64, page: usize, pages: usize) -> Vec<Component> {
    if pages <= 1 {
        return Vec::new();
    }
    let button = |action: &str, label: &str, disabled: bool| {
        Component::Button(Button {
            custom_id: Some(format!("page:{key}:{action}")),
            disabled,
            emoji: None,
            id: None,
            label: Some(label.to_owned()),
            sku_id: None,
            style: ButtonStyle::Secondary,
            url: None,
        })
    };
    let first = page == 0;
    let last = page + 1 >= pages;
    vec![Component::ActionRow(ActionRow {
        components: vec![
            button("first", "⏮ First", first),
            button("prev", "◀ Previous", first),
            button("next", "Next ▶", last),
            button("last", "Last ⏭", last),
        ],
        id: None,
    })]
}

pub fn attachments(reply: &Reply) -> Vec<Attachment> {
    reply
        .attachments
        .iter()
        .enumerate()
        .map(|(id, a)| Attachment::from_bytes(a.filename.clone(), a.bytes.clone(), id as u64))
        .collect()
}
