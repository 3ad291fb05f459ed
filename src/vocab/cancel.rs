//! The cited cancel-safety table: what dropping a pending call of a tokio, tokio-util,
//! tokio-stream or futures method costs, with the line of the source that says so.
//!
//! Every line was read in tokio 1.54.1, tokio-util 0.7.20, tokio-stream 0.1.19 and
//! futures-util 0.3.34 (the versions in the registry this was checked against). Rows marked
//! "inferred" have no `# Cancel safety` section; the citation points at the code the verdict
//! is read from.

/// What dropping a pending call costs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode,
)]
pub enum Cost {
    /// A queue place is lost (fair locks, semaphores, `reserve`): nothing is corrupted.
    LosesQueuePlace,
    /// The item being sent is dropped with the future.
    LosesItem,
    /// Bytes already moved are lost: the stream desyncs.
    LosesData,
}

impl Cost {
    pub fn describe(self) -> &'static str {
        match self {
            Cost::LosesQueuePlace => "loses its place in the queue",
            Cost::LosesItem => "loses the item",
            Cost::LosesData => "loses data",
        }
    }
}

/// A method's verdict when its future is dropped before it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing happened yet, or what happened is kept outside the future.
    Safe,
    /// Partial progress is kept in the caller's buffer; calling again continues.
    Resumable,
    Loses(Cost),
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelFact {
    pub method: String,
    /// The type the row is about (`Sender`, `UdpSocket`); a row with a matching receiver
    /// type wins over the first row of the same name.
    pub owner: String,
    /// Number of arguments, when the name alone is ambiguous (`RwLock::read()` takes none,
    /// `AsyncReadExt::read(buf)` one).
    pub args: Option<usize>,
    pub verdict: Verdict,
    /// `crate-version/path:line` of the `# Cancel safety` section (or of the code).
    pub source: String,
}

use Cost::*;
use Verdict::*;

const TOKIO: &str = "tokio-1.54.1/src/";
const UTIL: &str = "tokio-util-0.7.20/src/";
const STREAM: &str = "tokio-stream-0.1.19/src/";

/// (method, owner, args, verdict, crate prefix, path:line).
type Row = (
    &'static str,
    &'static str,
    Option<usize>,
    Verdict,
    &'static str,
    &'static str,
);

/// The built-in table. The first row of a name is the verdict when the receiver's type is
/// not known.
#[rustfmt::skip]
const CANCEL_COSTS: &[Row] = &[
    // Reads: `tokio::io::AsyncReadExt`, `AsyncBufReadExt`.
    ("read", "AsyncReadExt", Some(1), Safe, TOKIO, "io/util/async_read_ext.rs:148"),
    ("read_buf", "AsyncReadExt", None, Safe, TOKIO, "io/util/async_read_ext.rs:216"),
    ("read_exact", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:293"),
    ("read_u8", "AsyncReadExt", None, Safe, TOKIO, "io/util/async_read_ext.rs:349"),
    ("read_i8", "AsyncReadExt", None, Safe, TOKIO, "io/util/async_read_ext.rs:393"),
    ("read_u16", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:438"),
    ("read_i16", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:482"),
    ("read_u32", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:526"),
    ("read_i32", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:570"),
    ("read_u64", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:613"),
    ("read_i64", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:658"),
    ("read_u128", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:701"),
    ("read_i128", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:747"),
    ("read_f32", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:793"),
    ("read_f64", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:836"),
    ("read_u16_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:881"),
    ("read_i16_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:925"),
    ("read_u32_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:969"),
    ("read_i32_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1013"),
    ("read_u64_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1056"),
    ("read_i64_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1101"),
    ("read_u128_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1144"),
    ("read_i128_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1190"),
    ("read_f32_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1236"),
    ("read_f64_le", "AsyncReadExt", None, Loses(LosesData), TOKIO, "io/util/async_read_ext.rs:1279"),
    ("read_to_end", "AsyncReadExt", None, Loses(LosesData), TOKIO, "macros/select.rs:122"),
    ("read_to_string", "AsyncReadExt", None, Loses(LosesData), TOKIO, "macros/select.rs:123"),
    ("read_until", "AsyncBufReadExt", None, Resumable, TOKIO, "io/util/async_buf_read_ext.rs:40"),
    ("read_line", "AsyncBufReadExt", None, Loses(LosesData), TOKIO, "io/util/async_buf_read_ext.rs:130"),
    ("fill_buf", "AsyncBufReadExt", None, Safe, TOKIO, "io/util/async_buf_read_ext.rs:270"),
    ("next_line", "Lines", None, Safe, TOKIO, "io/util/lines.rs:46"),
    // Writes: `tokio::io::AsyncWriteExt`, `tokio_util::io`.
    ("write", "AsyncWriteExt", Some(1), Safe, TOKIO, "io/util/async_write_ext.rs:104"),
    ("write_vectored", "AsyncWriteExt", None, Safe, TOKIO, "io/util/async_write_ext.rs:147"),
    ("write_buf", "AsyncWriteExt", None, Safe, TOKIO, "io/util/async_write_ext.rs:224"),
    ("write_all_buf", "AsyncWriteExt", None, Resumable, TOKIO, "io/util/async_write_ext.rs:296"),
    ("write_all", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/async_write_ext.rs:358"),
    ("flush", "AsyncWriteExt", None, Safe, TOKIO, "io/util/async_write_ext.rs:1257"),
    ("write_all_vectored", "tokio_util::io", None, Loses(LosesData), UTIL, "io/write_all_vectored.rs:51"),
    // Multi-byte integer writes keep their progress (`written`) inside the future (inferred).
    ("write_u16", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_i16", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_u32", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_i32", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_u64", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_i64", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_u128", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_i128", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_f32", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    ("write_f64", "AsyncWriteExt", None, Loses(LosesData), TOKIO, "io/util/write_int.rs:56 (inferred)"),
    // Channels and sinks.
    ("send", "Sender", None, Loses(LosesItem), TOKIO, "sync/mpsc/bounded.rs:776"),
    ("send", "SinkExt", None, Loses(LosesItem), UTIL, "codec/framed_write.rs:23"),
    ("send", "Framed", None, Loses(LosesItem), UTIL, "codec/framed.rs:23"),
    ("send", "FramedWrite", None, Loses(LosesItem), UTIL, "codec/framed_write.rs:23"),
    ("send", "UdpSocket", None, Safe, TOKIO, "net/udp.rs:546"),
    ("send_to", "UdpSocket", None, Safe, TOKIO, "net/udp.rs:1163"),
    ("recv_from", "UdpSocket", None, Safe, TOKIO, "net/udp.rs:1292"),
    // `feed` and `send_all` hand the item to the sink the way `send` does (inferred).
    ("feed", "SinkExt", None, Loses(LosesItem), UTIL, "codec/framed_write.rs:23 (inferred)"),
    ("send_all", "SinkExt", None, Loses(LosesItem), UTIL, "codec/framed_write.rs:23 (inferred)"),
    ("recv", "Receiver", None, Safe, TOKIO, "sync/mpsc/bounded.rs:199"),
    ("recv", "UdpSocket", None, Safe, TOKIO, "net/udp.rs:763"),
    ("recv", "broadcast::Receiver", None, Safe, TOKIO, "sync/broadcast.rs:1445"),
    ("recv_many", "Receiver", None, Safe, TOKIO, "sync/mpsc/bounded.rs:269"),
    ("closed", "Sender", None, Safe, TOKIO, "sync/mpsc/bounded.rs:831"),
    ("changed", "watch::Receiver", None, Safe, TOKIO, "sync/watch.rs:807"),
    ("wait_for", "watch::Receiver", None, Safe, TOKIO, "sync/watch.rs:876"),
    ("next", "StreamExt", None, Safe, STREAM, "stream_ext.rs:123"),
    ("try_next", "StreamExt", None, Safe, STREAM, "stream_ext.rs:165"),
    ("accept", "TcpListener", None, Safe, TOKIO, "net/tcp/listener.rs:134"),
    ("tick", "Interval", None, Safe, TOKIO, "time/interval.rs:403"),
    ("join_next", "JoinSet", None, Safe, TOKIO, "task/join_set.rs:291"),
    ("join_next_with_id", "JoinSet", None, Safe, TOKIO, "task/join_set.rs:308"),
    // Fair queues: dropping the future gives up its place, nothing else.
    ("lock", "Mutex", None, Loses(LosesQueuePlace), TOKIO, "sync/mutex.rs:415"),
    ("lock_owned", "Mutex", None, Loses(LosesQueuePlace), TOKIO, "sync/mutex.rs:596"),
    ("read", "RwLock", Some(0), Loses(LosesQueuePlace), TOKIO, "sync/rwlock.rs:406"),
    ("read_owned", "RwLock", None, Loses(LosesQueuePlace), TOKIO, "sync/rwlock.rs:554"),
    ("write", "RwLock", Some(0), Loses(LosesQueuePlace), TOKIO, "sync/rwlock.rs:761"),
    ("write_owned", "RwLock", None, Loses(LosesQueuePlace), TOKIO, "sync/rwlock.rs:896"),
    ("acquire", "Semaphore", None, Loses(LosesQueuePlace), TOKIO, "sync/semaphore.rs:586"),
    ("acquire_many", "Semaphore", None, Loses(LosesQueuePlace), TOKIO, "sync/semaphore.rs:639"),
    ("acquire_owned", "Semaphore", None, Loses(LosesQueuePlace), TOKIO, "sync/semaphore.rs:849"),
    ("acquire_many_owned", "Semaphore", None, Loses(LosesQueuePlace), TOKIO, "sync/semaphore.rs:910"),
    ("notified", "Notify", None, Loses(LosesQueuePlace), TOKIO, "sync/notify.rs:536"),
    ("notified_owned", "Notify", None, Loses(LosesQueuePlace), TOKIO, "sync/notify.rs:582"),
    ("reserve", "Sender", None, Loses(LosesQueuePlace), TOKIO, "sync/mpsc/bounded.rs:1087"),
    ("reserve_many", "Sender", None, Loses(LosesQueuePlace), TOKIO, "sync/mpsc/bounded.rs:1143"),
    ("reserve_owned", "Sender", None, Loses(LosesQueuePlace), TOKIO, "sync/mpsc/bounded.rs:1206"),
];

/// The built-in rows.
pub fn builtin() -> Vec<CancelFact> {
    CANCEL_COSTS
        .iter()
        .map(|&(method, owner, args, verdict, krate, at)| CancelFact {
            method: method.into(),
            owner: owner.into(),
            args,
            verdict,
            source: format!("{krate}{at}"),
        })
        .collect()
}

/// The row for `method` called with `args` arguments on a receiver of type `owner` (when
/// known): a row about that type first, else the first row of the name.
pub fn lookup<'f>(
    facts: &'f [CancelFact],
    method: &str,
    owner: Option<&str>,
    args: usize,
) -> Option<&'f CancelFact> {
    let mut rows = facts
        .iter()
        .filter(|f| f.method == method && f.args.is_none_or(|n| n == args));
    let first = rows.clone().next();
    let owned_by = |f: &&CancelFact| {
        owner.is_some_and(|o| f.owner == o || f.owner.rsplit("::").next() == Some(o))
    };
    rows.find(owned_by).or(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(method: &str, owner: Option<&str>, args: usize) -> Option<Verdict> {
        lookup(&builtin(), method, owner, args).map(|f| f.verdict)
    }

    #[test]
    fn the_traps() {
        assert_eq!(verdict("read_buf", None, 1), Some(Safe));
        assert_eq!(verdict("write_buf", None, 1), Some(Safe));
        assert_eq!(verdict("read_u8", None, 0), Some(Safe));
        assert_eq!(verdict("read_u16", None, 0), Some(Loses(LosesData)));
        assert_eq!(verdict("write_all_buf", None, 1), Some(Resumable));
        assert_eq!(verdict("read_until", None, 2), Some(Resumable));
        assert_eq!(verdict("send", None, 1), Some(Loses(LosesItem)));
    }

    #[test]
    fn declared_rows_take_precedence() {
        let mut vocab = crate::Vocabulary::default();
        vocab.declare_cancel_fact(CancelFact {
            method: "send".into(),
            owner: "Outbox".into(),
            args: None,
            verdict: Safe,
            source: "outbox.rs:12".into(),
        });
        let row = vocab
            .cancel_fact("send", Some("Outbox"), 1)
            .expect("declared row");
        assert_eq!((row.verdict, row.source.as_str()), (Safe, "outbox.rs:12"));
        let other = vocab
            .cancel_fact("send", Some("Sender"), 1)
            .expect("built-in row");
        assert_eq!(other.verdict, Loses(LosesItem));
    }

    #[test]
    fn receiver_type_and_arity_disambiguate() {
        assert_eq!(verdict("send", Some("UdpSocket"), 1), Some(Safe));
        assert_eq!(verdict("read", None, 0), Some(Loses(LosesQueuePlace)));
        assert_eq!(verdict("read", None, 1), Some(Safe));
        assert_eq!(verdict("recv", Some("Receiver"), 0), Some(Safe));
    }
}
