//! `Guarded<C>` around a client you do not own: dropped after every poll, the next request
//! never reads another request's reply; and the bb8 / deadpool adaptors never hand a cut
//! connection out again.

use std::future::Future;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cancelsafe::testing::{block_on, cancel_at_every_poll, poll_n, MemStream, Outcome, Server};
use cancelsafe::Guarded;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufStream};

type Stream = BufStream<MemStream>;

/// The library's call (its source is not yours to annotate): write, flush, read a line.
/// Not cancel-safe: dropped after the write, it leaves the reply on the stream.
async fn library_get(stream: &mut Stream, key: &str) -> io::Result<String> {
    stream.write_all(format!("GET {key}\n").as_bytes()).await?;
    stream.flush().await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    Ok(line.trim_end().to_owned())
}

/// `GET k` -> `VALUE k`, in small pieces each way so the call has many points to cut at.
fn server() -> Server {
    Server::lines(|req| format!("VALUE {}", req.trim_start_matches("GET ")))
        .write_chunk(3)
        .read_chunk(3)
}

/// The wrapper's refusal and the call's error, as one `io::Result` for the harness.
async fn guarded_get(conn: &mut Guarded<Stream>, key: &str) -> io::Result<String> {
    conn.exchange(|s| library_get(s, key)).await?
}

#[test]
fn unwrapped_library_call_desyncs() {
    let report = cancel_at_every_poll(
        &server(),
        BufStream::new,
        |s| Box::pin(async { drop(library_get(s, "a").await) }),
        |s| Box::pin(library_get(s, "b")),
        &"VALUE b".to_owned(),
    );
    assert!(
        report.desyncs() > 0,
        "the harness must see the bug:\n{report}"
    );
}

#[test]
fn guarded_library_call_is_refused_never_desynced() {
    let report = cancel_at_every_poll(
        &server(),
        |s| Guarded::new(BufStream::new(s)),
        |c| Box::pin(async { drop(guarded_get(c, "a").await) }),
        |c| Box::pin(guarded_get(c, "b")),
        &"VALUE b".to_owned(),
    );
    report.assert_no_desync();
    assert!(report.polls_to_complete > 4, "nothing to cut at:\n{report}");
    // Dropped before its first poll, the call sent nothing: the next one proceeds.
    assert_eq!(report.cases[0].outcome, Outcome::Clean, "{report}");
    // Every drop after it started poisons, even one that may not have written yet: the
    // wrapper does not look inside the future.
    assert_eq!(report.refused(), report.polls_to_complete - 1, "{report}");
}

#[test]
fn an_ok_clears_the_mark_an_err_keeps_it() {
    let mut conn = Guarded::new(());
    let ok: io::Result<u8> = block_on(conn.exchange(|_| async { Ok(1) }))
        .expect("ready")
        .expect("not refused");
    assert_eq!(ok.unwrap(), 1);
    assert!(!conn.is_poisoned());

    let failed = block_on(conn.exchange(|_| async { Err::<(), _>(io::ErrorKind::BrokenPipe) }));
    assert!(matches!(failed, Some(Ok(Err(_)))));
    assert!(conn.is_poisoned(), "an error may have cut a reply in half");

    let called = AtomicBool::new(false);
    let refused = block_on(conn.exchange(|_| async {
        called.store(true, Ordering::Relaxed);
        Ok::<(), io::Error>(())
    }))
    .expect("ready");
    let refusal = refused.expect_err("a poisoned connection is refused");
    assert!(
        !called.load(Ordering::Relaxed),
        "the request ran on a poisoned connection"
    );
    assert!(!refusal.nested_call() && !refusal.torn_write());
}

#[test]
fn a_panic_in_the_exchange_poisons() {
    let mut conn = Guarded::new(());
    let panicked = catch_unwind(AssertUnwindSafe(|| {
        block_on(conn.exchange(|_| async {
            tokio::task::yield_now().await;
            panic!("the library panicked mid-reply");
            #[allow(unreachable_code)]
            Ok::<(), io::Error>(())
        }))
    }));
    assert!(panicked.is_err());
    assert!(conn.is_poisoned());
}

/// A connection that counts which one it is, and a call with one await point to cut at.
#[derive(Debug)]
struct Conn {
    id: usize,
}

impl Conn {
    async fn id(&mut self) -> Result<usize, io::Error> {
        tokio::task::yield_now().await;
        Ok(self.id)
    }
}

/// A pool manager for `Conn`: numbers connections from 1; its check on checkout waits
/// forever while `check_hangs` is set.
#[derive(Debug, Default)]
struct Counting {
    made: AtomicUsize,
    check_hangs: Arc<AtomicBool>,
}

impl Counting {
    fn connect(&self) -> Conn {
        Conn {
            id: self.made.fetch_add(1, Ordering::SeqCst) + 1,
        }
    }

    async fn check(&self) {
        if self.check_hangs.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    }
}

#[async_trait::async_trait]
impl bb8::ManageConnection for Counting {
    type Connection = Conn;
    type Error = io::Error;

    async fn connect(&self) -> io::Result<Conn> {
        Ok(Counting::connect(self))
    }

    async fn is_valid(&self, _: &mut Conn) -> io::Result<()> {
        self.check().await;
        Ok(())
    }

    fn has_broken(&self, _: &mut Conn) -> bool {
        false
    }
}

#[async_trait::async_trait]
impl deadpool::managed::Manager for Counting {
    type Type = Conn;
    type Error = io::Error;

    async fn create(&self) -> io::Result<Conn> {
        Ok(Counting::connect(self))
    }

    async fn recycle(&self, _: &mut Conn) -> deadpool::managed::RecycleResult<io::Error> {
        self.check().await;
        Ok(())
    }
}

/// Polls `fut` once (it reaches its await point) and drops it: a timeout firing mid-call.
fn cut<F: Future>(fut: F) {
    assert_eq!(poll_n(fut, 1), None, "the call completed before the cut");
}

async fn bb8_pool(
    manager: Counting,
    test_on_check_out: bool,
) -> bb8::Pool<cancelsafe::bb8::GuardedManager<Counting>> {
    bb8::Pool::builder()
        .max_size(1)
        .test_on_check_out(test_on_check_out)
        .build(cancelsafe::bb8::GuardedManager::new(manager))
        .await
        .expect("pool")
}

#[tokio::test]
async fn bb8_reuses_a_connection_whose_exchanges_completed() {
    let pool = bb8_pool(Counting::default(), false).await;
    for _ in 0..3 {
        let mut conn = pool.get().await.expect("checkout");
        assert_eq!(conn.exchange(|c| c.id()).await.unwrap().unwrap(), 1);
    }
}

#[tokio::test]
async fn bb8_discards_a_connection_whose_exchange_was_cut() {
    let pool = bb8_pool(Counting::default(), false).await;
    {
        let mut conn = pool.get().await.expect("checkout");
        cut(conn.exchange(|c| c.id()));
        assert!(conn.is_poisoned());
    } // back to the pool: `has_broken`
    let mut conn = pool.get().await.expect("checkout");
    assert_eq!(conn.exchange(|c| c.id()).await.unwrap().unwrap(), 2);
    assert_eq!(pool.state().connections, 1);
}

#[tokio::test]
async fn bb8_discards_a_connection_whose_checkout_check_was_cut() {
    let check_hangs = Arc::new(AtomicBool::new(false));
    let manager = Counting {
        check_hangs: check_hangs.clone(),
        ..Counting::default()
    };
    let pool = bb8_pool(manager, true).await;
    drop(pool.get().await.expect("checkout")); // connection 1, idle in the pool
    check_hangs.store(true, Ordering::SeqCst);
    // A timeout around the checkout fires during the check (bb8 has already taken the
    // connection out of the pool, and puts it back when the `get` is dropped).
    let cut = tokio::time::timeout(Duration::from_millis(20), pool.get()).await;
    assert!(cut.is_err(), "the check did not hang");
    check_hangs.store(false, Ordering::SeqCst);
    let mut conn = pool.get().await.expect("checkout");
    assert_eq!(conn.exchange(|c| c.id()).await.unwrap().unwrap(), 2);
}

#[tokio::test]
async fn bb8_check_replaces_a_poisoned_connection_it_is_handed() {
    use bb8::ManageConnection;
    // bb8 never checks a connection `has_broken` rejected; if it did, the check must not
    // pass the poisoned connection on.
    let manager = cancelsafe::bb8::GuardedManager::new(Counting::default());
    let mut conn = manager.connect().await.expect("connect");
    cut(conn.exchange(|c| c.id()));
    assert!(manager.has_broken(&mut conn));
    manager.is_valid(&mut conn).await.expect("check");
    assert!(!conn.is_poisoned());
    assert_eq!(conn.exchange(|c| c.id()).await.unwrap().unwrap(), 2);
}

fn deadpool_pool() -> deadpool::managed::Pool<cancelsafe::deadpool::GuardedManager<Counting>> {
    deadpool::managed::Pool::builder(cancelsafe::deadpool::GuardedManager::new(
        Counting::default(),
    ))
    .max_size(1)
    .build()
    .expect("pool")
}

#[tokio::test]
async fn deadpool_reuses_a_connection_whose_exchanges_completed() {
    let pool = deadpool_pool();
    for _ in 0..3 {
        let mut conn = pool.get().await.expect("checkout");
        assert_eq!(conn.exchange(|c| c.id()).await.unwrap().unwrap(), 1);
    }
}

#[tokio::test]
async fn deadpool_recycle_refuses_a_connection_whose_exchange_was_cut() {
    let pool = deadpool_pool();
    {
        let mut conn = pool.get().await.expect("checkout");
        cut(conn.exchange(|c| c.id()));
        assert!(conn.is_poisoned());
    } // back to the pool; `recycle` judges it on the next checkout
    let mut conn = pool.get().await.expect("checkout");
    assert_eq!(conn.exchange(|c| c.id()).await.unwrap().unwrap(), 2);
    assert_eq!(pool.status().size, 1);
}
