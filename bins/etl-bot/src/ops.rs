//! The bot looking after itself: the `Operations` the `health` and `metrics`
//! commands ask, the periodic self-check that tells the admin channel about
//! a problem once (and once more when it clears), and the metrics endpoint.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use etl_commands::{BoxFuture, Operations, Reply};
use etl_ops::{Alert, AlertPolicy, Alerts, HealthReport, HealthSettings, MetricsSummary, Ops};
use etl_store::Store;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{debug, info, warn};
use twilight_gateway::Event;

use crate::config::MetricsConfig;

/// How long one scrape connection may stay open.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(30);

/// The running bot's health and metrics.
#[derive(Debug)]
pub struct BotOps {
    ops: Ops,
    store: Arc<Store>,
    settings: HealthSettings,
}

impl BotOps {
    pub fn new(store: Arc<Store>, settings: HealthSettings) -> Self {
        Self {
            ops: Ops::new(),
            store,
            settings,
        }
    }

    /// The shared numbers (for the monitor's status and the endpoint).
    pub fn ops(&self) -> &Ops {
        &self.ops
    }

    /// One answered command line; the series is the command's registry
    /// name, so typos and arguments do not make new ones.
    pub fn command_answered(&self, line: &str, took: Duration) {
        let name = etl_commands::args::tokenize(line.trim())
            .first()
            .and_then(|word| etl_commands::registry::find(word))
            .map_or("unknown", |spec| spec.name);
        self.ops.record_command(name, took);
    }

    /// Gateway sessions and closes, from the dispatch loop.
    pub fn gateway_event(&self, event: &Event) {
        match event {
            Event::Ready(_) => self.ops.gateway_session(false),
            Event::Resumed => self.ops.gateway_session(true),
            Event::GatewayClose(_) => self.ops.gateway_closed(),
            _ => {}
        }
    }
}

impl Operations for BotOps {
    fn health(&self) -> BoxFuture<'_, HealthReport> {
        Box::pin(self.ops.health(&self.store, &self.settings))
    }

    fn metrics(&self) -> MetricsSummary {
        self.ops.summary()
    }
}

/// Checks every `every` (the first after one interval, once the bot is up)
/// and hands each alert to `post`; every alert is also logged.
pub async fn self_check<P, F>(
    ops: Arc<BotOps>,
    every: Duration,
    policy: AlertPolicy,
    mut stop: watch::Receiver<bool>,
    post: P,
) where
    P: Fn(Reply) -> F,
    F: Future<Output = anyhow::Result<()>>,
{
    let mut alerts = Alerts::new(policy);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        let report = ops.health().await;
        for alert in alerts.observe(&report, jiff::Timestamp::now()) {
            match &alert {
                Alert::Raised { key, detail, .. } => warn!(check = %key, %detail, "health problem"),
                Alert::Cleared { key, detail, .. } => {
                    info!(check = %key, %detail, "health problem cleared")
                }
            }
            if let Err(error) = post(etl_commands::alert_card(&alert)).await {
                warn!(error = format!("{error:#}"), "cannot post the health alert");
            }
        }
    }
}

/// Binds the metrics endpoint now, so a taken port stops `serve` at start.
pub async fn bind_metrics(config: &MetricsConfig) -> anyhow::Result<TcpListener> {
    let address = config.address()?;
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for metrics on {address}"))?;
    info!(%address, "metrics endpoint: GET /metrics");
    Ok(listener)
}

/// Answers `GET /metrics` until `stop` turns true.
pub async fn serve_metrics(listener: TcpListener, ops: Ops, mut stop: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: breathe, then go on.
                    warn!(%error, "metrics endpoint cannot accept");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            },
            _ = stop.changed() => return,
        };
        let ops = ops.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let response = respond(&ops, &request);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            match tokio::time::timeout(SCRAPE_TIMEOUT, connection).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => debug!(%error, "metrics connection"),
                Err(_) => debug!("metrics connection timed out"),
            }
        });
    }
}

fn respond(ops: &Ops, request: &Request<Incoming>) -> Response<String> {
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (&Method::GET, "/metrics") => match ops.encode() {
            Ok(text) => (StatusCode::OK, etl_ops::METRICS_CONTENT_TYPE, text),
            Err(error) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                format!("{error}\n"),
            ),
        },
        (_, "/metrics") => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "GET only\n".to_owned(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "the metrics are at /metrics\n".to_owned(),
        ),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    debug!(
        path = request.uri().path(),
        status = status.as_u16(),
        "metrics request"
    );
    response
}
