//! One connection of the listener (`http.rs` `serve_with`): HTTP/1.1 with keep-alive, until the
//! client closes it, shutdown closes it, or the client takes longer than the header-read timeout
//! to send a request's headers. Each request is answered by the function it is given (the
//! listener's `Frontend`), so this module knows nothing of what is served.
//!
//! The header-read timeout follows hyper's own rule: its clock runs while the connection waits
//! for a request's head (from the moment the connection opens, and again from the moment each
//! answer has been written out, when hyper drops the answer's body) and stops while a request is
//! being answered. hyper can keep that timeout itself, but it arms a new timer for every request
//! head (a boxed sleep inserted into tokio's timer wheel and taken out again), which cost about
//! 1,300 instructions per function call: a fifth of what the emulated function costs over a bare
//! handler (callgrind, issue 19). Here one sleep per connection is armed when the connection
//! opens and moved only when it fires, at most once per timeout; each request costs a count up
//! and down and a clock read.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Request, Response};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::time::Instant;

/// Serves one connection, each request answered by `answer`, until it ends or `stopping` says
/// the server stops.
pub(crate) async fn connection<I, A, F>(
    stream: I,
    answer: A,
    header_read_timeout: Duration,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    A: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let service = Watched {
        answer,
        activity: Arc::clone(&activity),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The timeout is kept below, not by hyper (see the module's doc).
    builder.header_read_timeout(None);
    let mut served = pin!(builder.serve_connection(TokioIo::new(stream), service));
    // A timeout no connection outlives is as good as none, and deadlines a year out cannot
    // overflow the clock (`serve --header-timeout-ms` takes any `u64`).
    let timeout = header_read_timeout.min(LONGEST_TIMEOUT);
    let mut deadline = pin!(tokio::time::sleep_until(activity.opened + timeout));
    loop {
        tokio::select! {
            // The connection first: a head that has arrived is read before the deadline is
            // judged, as hyper reads before it looks at its timer.
            biased;
            _ = served.as_mut() => return,
            _ = stopping.changed() => {
                // An idle connection closes now; one with a request in flight after its answer.
                served.as_mut().graceful_shutdown();
                let _ = served.await;
                return;
            }
            () = deadline.as_mut() => match activity.waiting_since() {
                // Dropping the connection closes it, as hyper does when its timer fires.
                Some(since) if since + timeout <= Instant::now() => return,
                Some(since) => deadline.as_mut().reset(since + timeout),
                // A request is being answered: no head is awaited; look again a timeout later.
                None => deadline.as_mut().reset(Instant::now() + timeout),
            },
        }
    }
}

/// The longest header-read timeout kept: a year.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// What one connection is doing, for its header-read deadline.
struct Activity {
    opened: Instant,
    /// Requests whose head has been read and whose answer is not yet written out.
    answering: AtomicU32,
    /// When the last answer was written out, in nanoseconds after `opened` (0: none yet).
    answered_at: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            answering: AtomicU32::new(0),
            answered_at: AtomicU64::new(0),
        }
    }

    /// Since when the connection has been waiting for a request's head; `None` while a request
    /// is being answered.
    fn waiting_since(&self) -> Option<Instant> {
        (self.answering.load(Ordering::Acquire) == 0)
            .then(|| self.opened + Duration::from_nanos(self.answered_at.load(Ordering::Acquire)))
    }

    fn begin(self: &Arc<Self>) -> Answering {
        self.answering.fetch_add(1, Ordering::AcqRel);
        Answering(Arc::clone(self))
    }
}

/// One request being answered: dropped when hyper drops the answer's body (written out) or the
/// request (the connection ended first).
struct Answering(Arc<Activity>);

impl Drop for Answering {
    fn drop(&mut self) {
        let activity = &self.0;
        let nanos = u64::try_from(activity.opened.elapsed().as_nanos()).unwrap_or(u64::MAX);
        activity.answered_at.store(nanos, Ordering::Release);
        activity.answering.fetch_sub(1, Ordering::AcqRel);
    }
}

/// hyper's service for one connection: `answer`, each request counted from its head to its
/// answer written out.
struct Watched<A> {
    answer: A,
    activity: Arc<Activity>,
}

impl<A, F> hyper::service::Service<Request<Incoming>> for Watched<A>
where
    A: Fn(Request<Incoming>) -> F,
    F: Future<Output = Response<Body>> + Unpin,
{
    type Response = Response<WatchedBody>;
    type Error = Infallible;
    type Future = WatchedAnswer<F>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        WatchedAnswer {
            answering: Some(self.activity.begin()),
            answer: (self.answer)(request),
        }
    }
}

/// The answer to one request, still counted as being answered.
struct WatchedAnswer<F> {
    answer: F,
    answering: Option<Answering>,
}

impl<F: Future<Output = Response<Body>> + Unpin> Future for WatchedAnswer<F> {
    type Output = Result<Response<WatchedBody>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let response = ready!(Pin::new(&mut this.answer).poll(cx));
        let answering = this.answering.take();
        Poll::Ready(Ok(response.map(|body| WatchedBody {
            body,
            _answering: answering,
        })))
    }
}

/// An answer's body, which ends the request's count when hyper drops it.
struct WatchedBody {
    body: Body,
    _answering: Option<Answering>,
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
