//! Stopping cleanly: Ctrl-C (SIGINT) or, from a service manager, SIGTERM lets the training
//! loop finish its step, checkpoint and print the summary.

use super::Shared;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::runtime::Runtime;

/// Sets `shared.stop` on the first SIGINT or SIGTERM.
pub(super) fn on_signal(rt: &Runtime, shared: Arc<Shared>) {
    rt.spawn(async move {
        let term = async {
            #[cfg(unix)]
            if let Ok(mut t) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            {
                t.recv().await;
                return;
            }
            std::future::pending::<()>().await
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => if r.is_err() { return },
            _ = term => {}
        }
        tracing::info!("stopping: finishing the step, checkpointing and printing the summary");
        shared.stop.store(true, Ordering::SeqCst);
    });
}
