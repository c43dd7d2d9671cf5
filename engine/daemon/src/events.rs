//! The engine's event stream (`GET /events`): a broadcast channel plus a
//! bounded history for `since`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bollard_stubs::models::{
    EventActor, EventMessage, EventMessageScopeEnum, EventMessageTypeEnum,
};
use tokio::sync::broadcast;

const HISTORY: usize = 1024;

pub struct EventBus {
    tx: broadcast::Sender<EventMessage>,
    history: Mutex<VecDeque<EventMessage>>,
}

impl EventBus {
    pub fn new() -> Self {
        EventBus {
            tx: broadcast::channel(HISTORY).0,
            history: Mutex::new(VecDeque::with_capacity(HISTORY)),
        }
    }

    pub fn publish(
        &self,
        kind: EventMessageTypeEnum,
        action: &str,
        id: &str,
        attributes: HashMap<String, String>,
    ) {
        let now = chrono::Utc::now();
        let msg = EventMessage {
            typ: Some(kind),
            action: Some(action.to_string()),
            actor: Some(EventActor {
                id: Some(id.to_string()),
                attributes: Some(attributes),
            }),
            scope: Some(EventMessageScopeEnum::LOCAL),
            time: Some(now.timestamp()),
            time_nano: now.timestamp_nanos_opt(),
        };
        let mut history = self.history.lock().expect("event history lock");
        if history.len() == HISTORY {
            history.pop_front();
        }
        history.push_back(msg.clone());
        drop(history);
        let _ = self.tx.send(msg);
    }

    /// Past events (for `since`) and a receiver for what comes next, taken
    /// under one lock so nothing falls between them.
    pub fn subscribe(&self) -> (Vec<EventMessage>, broadcast::Receiver<EventMessage>) {
        let history = self.history.lock().expect("event history lock");
        let rx = self.tx.subscribe();
        (history.iter().cloned().collect(), rx)
    }
}

/// Docker's filters for events: type, event/action, container, image,
/// label; values within a key are ORed, keys ANDed.
pub fn event_matches(msg: &EventMessage, filters: &HashMap<String, Vec<String>>) -> bool {
    let attrs = msg
        .actor
        .as_ref()
        .and_then(|a| a.attributes.clone())
        .unwrap_or_default();
    let id = msg
        .actor
        .as_ref()
        .and_then(|a| a.id.clone())
        .unwrap_or_default();
    let typ = msg.typ.map(|t| t.to_string()).unwrap_or_default();
    let action = msg.action.clone().unwrap_or_default();
    filters.iter().all(|(key, values)| {
        values.iter().any(|v| match key.as_str() {
            "type" => typ == *v,
            "event" | "action" => action == *v || action.starts_with(&format!("{v}:")),
            "container" => {
                typ == "container" && (id.starts_with(v.as_str()) || attrs.get("name") == Some(v))
            }
            "image" => attrs.get("image") == Some(v) || (typ == "image" && id == *v),
            "label" => match v.split_once('=') {
                Some((k, val)) => attrs.get(k).map(|x| x == val).unwrap_or(false),
                None => attrs.contains_key(v),
            },
            _ => true,
        })
    })
}
