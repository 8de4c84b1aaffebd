//! Round cards: every round the fetcher imported, posted in order, once.
//!
//! The import itself queues the round (`round_announcements`, in its own
//! transaction), and a card leaves the queue only once Discord has it. So a
//! card is not lost when the bot is killed between the import and the post,
//! nor when Discord will not take it for longer than a post's retries last:
//! the queue is worked again at start, after each import and every minute.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use etl_ingest::IngestEvent;
use tokio::sync::mpsc;
use tracing::{info, warn};
use twilight_model::id::Id;
use twilight_model::id::marker::ChannelMarker;

use super::{Bot, worth_retrying};

/// How often a queue that could not be worked (Discord or the database
/// away) is tried again without a new import to wake it.
const RETRY_EVERY: Duration = Duration::from_secs(60);
/// Queue entries read at a time.
const BATCH: usize = 50;

/// When a round's file was written and imported, for the file-to-post metric
/// (known only for rounds this process imported).
struct Timing {
    modified: Option<SystemTime>,
    latency: Duration,
    received: Instant,
}

/// Posts the queued round cards; runs until the fetcher stops.
pub(super) async fn post_rounds(bot: Arc<Bot>, mut events: mpsc::UnboundedReceiver<IngestEvent>) {
    let mut timings: HashMap<i64, Timing> = HashMap::new();
    // The first card after a start or a failure may already be in the
    // channel: posted, then the process died (or the answer was lost)
    // before the queue heard of it.
    let mut look_first = true;
    let mut retry = tokio::time::interval(RETRY_EVERY);
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { return };
                super::log_trouble(&event);
                if let IngestEvent::NewRound { round_id, latency, modified, .. } = event {
                    bot.session.round_imported().await;
                    timings.insert(round_id, Timing { modified, latency, received: Instant::now() });
                }
            }
            _ = retry.tick() => {}
        }
        let Some(channel) = bot.config.discord.stats_channel_id else {
            continue;
        };
        look_first = !announce_waiting(&bot, Id::new(channel), &mut timings, look_first).await;
    }
}

/// Posts every waiting card, oldest first. False when it stopped on a card
/// Discord or the database did not take; that card is tried again later, and
/// the later ones wait behind it so the channel stays in play order.
async fn announce_waiting(
    bot: &Bot,
    channel: Id<ChannelMarker>,
    timings: &mut HashMap<i64, Timing>,
    mut look_first: bool,
) -> bool {
    loop {
        let waiting = match bot.store.waiting_announcements(BATCH).await {
            Ok(waiting) => waiting,
            Err(error) => {
                warn!(%error, "cannot read the round cards to post; trying again later");
                return false;
            }
        };
        if waiting.is_empty() {
            return true;
        }
        for entry in waiting {
            let round_id = entry.round_id;
            let age = entry
                .queued_at
                .map(|at| jiff::Timestamp::now().duration_since(at))
                .and_then(|age| Duration::try_from(age).ok());
            // A night's rounds posted the next evening would only confuse
            // the channel.
            let too_old = match (bot.config.discord.round_card_max_age(), age) {
                (Some(limit), Some(age)) => age > limit,
                (Some(_), None) => true,
                (None, _) => false,
            };
            let outcome = if too_old {
                info!(round_id, "a round card waited too long; not posting it");
                "too old to post".to_owned()
            } else {
                let card = match etl_commands::round_card(&bot.store, round_id).await {
                    Ok(card) => card,
                    Err(error) => {
                        warn!(round_id, %error, "cannot build the round card; trying again later");
                        return false;
                    }
                };
                match bot.post_until_taken(channel, &card, look_first).await {
                    Ok(()) => {
                        if let Some(timing) = timings.remove(&round_id) {
                            // From the file's mtime; without one, from the commit on.
                            bot.ops.ops().record_file_to_post(
                                timing
                                    .modified
                                    .and_then(|m| m.elapsed().ok())
                                    .unwrap_or_else(|| timing.latency + timing.received.elapsed()),
                            );
                        }
                        "posted".to_owned()
                    }
                    Err(error) if worth_retrying(&error) => {
                        warn!(
                            round_id,
                            error = format!("{error:#}"),
                            "cannot post the round card; it waits"
                        );
                        return false;
                    }
                    Err(error) => {
                        warn!(
                            round_id,
                            error = format!("{error:#}"),
                            "Discord refused the round card"
                        );
                        format!("refused by Discord: {error:#}")
                    }
                }
            };
            look_first = false;
            timings.remove(&round_id);
            if let Err(error) = bot.store.finish_announcement(round_id, &outcome).await {
                // Posted but still queued: the next look finds it in the channel.
                warn!(round_id, %error, "cannot record the round card; trying again later");
                return false;
            }
        }
    }
}
