//! The change feed's wake-up on PostgreSQL: a connection of its own that `LISTEN`s on the
//! channel the `changes` trigger notifies. A notification only says "read the feed"; the rows
//! after the last applied sequence number are the truth, so nothing is lost across a reconnect.

use crate::{connect, db_err, CHANNEL};
use futures_executor::block_on;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;
use tokendesk_core::{Error, Result};
use tokio_postgres::Client;

pub struct Listener {
    client: Client,
    woken: Receiver<()>,
}

impl Listener {
    pub(crate) fn connect(
        rt: &tokio::runtime::Handle,
        config: &tokio_postgres::Config,
    ) -> Result<Listener> {
        let (tx, woken) = std::sync::mpsc::channel();
        let client = connect(rt, config, Some(tx))?;
        block_on(client.batch_execute(&format!("LISTEN {CHANNEL}"))).map_err(db_err)?;
        Ok(Listener { client, woken })
    }

    /// Waits up to `timeout` for a notification; true if one (or more) came. An error means
    /// the connection is gone: make a new listener.
    pub fn wait(&mut self, timeout: Duration) -> Result<bool> {
        let woke = match self.woken.recv_timeout(timeout) {
            Ok(()) => true,
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(Error::DatabaseUnavailable(
                    "the notification connection closed".into(),
                ))
            }
        };
        // One read of the feed answers every notification queued meanwhile.
        while self.woken.try_recv().is_ok() {}
        if self.client.is_closed() {
            return Err(Error::DatabaseUnavailable(
                "the notification connection closed".into(),
            ));
        }
        Ok(woke)
    }

    /// Asks the server something, so a dead connection is noticed even when nothing is written.
    pub fn ping(&self) -> Result<()> {
        block_on(self.client.simple_query(""))
            .map_err(db_err)
            .map(|_| ())
    }
}

impl tokendesk_core::store::sql::FeedWakeup for Listener {
    fn wait(&mut self, timeout: Duration) -> Result<bool> {
        Listener::wait(self, timeout)
    }
}
