//! The session machine in the bot: fed by voice events, imported rounds and
//! commands; it switches monitoring and announces starts and ends.

use std::sync::Arc;
use std::time::Duration;

use etl_commands::{BoxFuture, SessionController, SessionState};
use etl_session::{Action, EndReason, Event, SessionConfig, SessionMachine, StartReason};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{info, warn};
use twilight_model::id::Id;

use super::Bot;

#[derive(Debug)]
enum Request {
    Event(Event, Option<oneshot::Sender<Vec<Action>>>),
    Status(oneshot::Sender<SessionState>),
    Shutdown,
}

/// The bot's side of the session machine; cheap to clone.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    requests: mpsc::UnboundedSender<Request>,
}

#[derive(Debug)]
pub struct SessionEvents {
    requests: mpsc::UnboundedReceiver<Request>,
    machine: SessionMachine,
}

impl SessionHandle {
    pub fn new(config: SessionConfig, watched: Vec<u64>) -> (Self, SessionEvents) {
        let (requests, receiver) = mpsc::unbounded_channel();
        (
            Self { requests },
            SessionEvents {
                requests: receiver,
                machine: SessionMachine::new(config, watched),
            },
        )
    }

    pub async fn voice(&self, user: u64, channel: Option<u64>, is_bot: bool) {
        let _ = self.requests.send(Request::Event(
            Event::Voice {
                user,
                channel,
                is_bot,
            },
            None,
        ));
    }

    pub async fn round_imported(&self) {
        let _ = self.requests.send(Request::Event(Event::Round, None));
    }

    pub async fn shutdown(&self) {
        let _ = self.requests.send(Request::Shutdown);
    }

    async fn command(&self, event: Event) -> Vec<Action> {
        let (tx, rx) = oneshot::channel();
        if self.requests.send(Request::Event(event, Some(tx))).is_err() {
            return Vec::new();
        }
        rx.await.unwrap_or_default()
    }
}

impl SessionController for SessionHandle {
    fn status(&self) -> BoxFuture<'_, SessionState> {
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            let _ = self.requests.send(Request::Status(tx));
            rx.await.unwrap_or(SessionState {
                monitoring: false,
                since: None,
                details: vec![("state".into(), "the session task has stopped".into())],
            })
        })
    }

    fn start(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let actions = self.command(Event::StartCommand).await;
            if actions.iter().any(|a| matches!(a, Action::StartSession(_))) {
                Ok("Session started: monitoring is on and rounds will be posted.".into())
            } else {
                Err("A session is already running.".into())
            }
        })
    }

    fn end(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let actions = self.command(Event::EndCommand).await;
            if actions.iter().any(|a| matches!(a, Action::EndSession(_))) {
                Ok("Session ended: its summary is posted in the stats channel.".into())
            } else {
                Err("No session is running.".into())
            }
        })
    }
}

/// Owns the machine: ticks every second, applies every request in order.
pub async fn run(
    bot: Arc<Bot>,
    mut events: SessionEvents,
    monitoring: watch::Sender<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let (event, answer) = tokio::select! {
            _ = tick.tick() => (Event::Tick, None),
            _ = stop.changed() => return,
            request = events.requests.recv() => match request {
                None | Some(Request::Shutdown) => return,
                Some(Request::Status(answer)) => {
                    let machine = &events.machine;
                    let _ = answer.send(SessionState {
                        monitoring: machine.monitoring(),
                        since: machine.session_since().map(|t| t.to_string()),
                        details: vec![("people in voice".into(), machine.people().to_string())],
                    });
                    continue;
                }
                Some(Request::Event(event, answer)) => (event, answer),
            },
        };
        let actions = events.machine.handle(jiff::Timestamp::now(), event);
        let _ = monitoring.send(events.machine.monitoring());
        for action in &actions {
            announce(&bot, *action).await;
        }
        if let Some(answer) = answer {
            let _ = answer.send(actions);
        }
    }
}

async fn announce(bot: &Bot, action: Action) {
    let Some(channel) = bot.config.discord.stats_channel_id.map(Id::new) else {
        return;
    };
    let text = match action {
        Action::StartSession(StartReason::Voice { people }) => {
            format!("Session started: {people} players in voice. Rounds will be posted here.")
        }
        Action::StartSession(StartReason::Command) => {
            "Session started by command. Rounds will be posted here.".to_owned()
        }
        Action::EndSession(EndReason::VoiceEmptied { people }) => {
            format!("Session ended: {people} left in voice.")
        }
        Action::EndSession(EndReason::Idle { minutes }) => {
            format!("Session ended: no new round for {minutes} minutes.")
        }
        Action::EndSession(EndReason::Command) => "Session ended by command.".to_owned(),
        Action::MonitoringOn => {
            info!("daily start: monitoring on");
            return;
        }
    };
    info!(%text, "session");
    let message = etl_commands::Reply::message("Session", text, etl_commands::reply::colour::INFO);
    // Retried like a round card: the night's start and its summary matter
    // as much. The session waits meanwhile, so posts stay in order.
    if let Err(error) = bot.post_until_taken(channel, &message, false).await {
        warn!(error = format!("{error:#}"), "cannot announce the session");
    }
    if matches!(action, Action::EndSession(_)) {
        // The summary of what was played meanwhile, once per end.
        let summary = bot
            .answer(etl_commands::Caller::default(), "last_session")
            .await;
        if let Err(error) = bot.post_until_taken(channel, &summary, false).await {
            warn!(
                error = format!("{error:#}"),
                "cannot post the session summary"
            );
        }
    }
}
