//! A small RESP (Redis protocol) client over a buffered `TcpStream`, written the way
//! people write it: `get`/`set` write the command, then read the reply.
//!
//! That is the bug. If the future returned by `get` is dropped (a `tokio::time::timeout`
//! fires, a `select!` branch loses, the request handler is cancelled) after the command
//! went out and before the reply was read, the reply stays on the socket, and the next
//! request on this connection reads it as its own: one user gets another user's data.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;

/// One RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

/// Encodes a command as a RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Parses one reply from the front of `buf`: the reply and the bytes it took, or `None`
/// if `buf` does not hold a whole reply yet.
pub fn parse(buf: &[u8]) -> io::Result<Option<(Reply, usize)>> {
    let Some(eol) = buf.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    if eol == 0 {
        return Err(invalid("empty RESP line"));
    }
    let line = std::str::from_utf8(&buf[1..eol]).map_err(|_| invalid("RESP line is not UTF-8"))?;
    let number = || -> io::Result<i64> {
        line.parse()
            .map_err(|_| invalid(format!("bad RESP number {line:?}")))
    };
    let next = eol + 2;
    let reply = match buf[0] {
        b'+' => (Reply::Simple(line.to_owned()), next),
        b'-' => (Reply::Error(line.to_owned()), next),
        b':' => (Reply::Integer(number()?), next),
        b'$' => match usize::try_from(number()?) {
            Err(_) => (Reply::Bulk(None), next),
            Ok(len) => {
                let end = next + len;
                if buf.len() < end + 2 {
                    return Ok(None);
                }
                if &buf[end..end + 2] != b"\r\n" {
                    return Err(invalid("bulk string without CRLF"));
                }
                (Reply::Bulk(Some(buf[next..end].to_vec())), end + 2)
            }
        },
        b'*' => match usize::try_from(number()?) {
            Err(_) => (Reply::Array(None), next),
            Ok(len) => {
                let (mut items, mut at) = (Vec::with_capacity(len.min(64)), next);
                for _ in 0..len {
                    let Some((item, used)) = parse(&buf[at..])? else {
                        return Ok(None);
                    };
                    items.push(item);
                    at += used;
                }
                (Reply::Array(Some(items)), at)
            }
        },
        other => return Err(invalid(format!("unknown RESP type byte {other:#04x}"))),
    };
    Ok(Some(reply))
}

/// Reads one complete reply. Cancel-safe (what a drain fn must be): bytes read so far
/// stay in `buf`, the connection's read buffer, until a whole reply is there.
pub async fn read_reply<R: AsyncRead + Unpin>(r: &mut R, buf: &mut Vec<u8>) -> io::Result<Reply> {
    loop {
        if let Some((reply, used)) = parse(buf)? {
            buf.drain(..used);
            return Ok(reply);
        }
        if r.read_buf(buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
}

/// The value a `GET` returns. Like redis-py, a status reply is returned as bytes
/// (`GET foo` answered by a stale `+PONG` yields `b"PONG"`).
pub fn into_value(reply: Reply) -> io::Result<Option<Vec<u8>>> {
    match reply {
        Reply::Bulk(value) => Ok(value),
        Reply::Simple(s) => Ok(Some(s.into_bytes())),
        Reply::Integer(i) => Ok(Some(i.to_string().into_bytes())),
        Reply::Error(e) => Err(io::Error::other(e)),
        Reply::Array(_) => Err(invalid("GET answered by an array")),
    }
}

/// What a `SET` expects: `+OK`. Anything else is a reply that belongs to another request.
pub fn expect_ok(reply: Reply) -> io::Result<()> {
    match reply {
        Reply::Simple(s) if s == "OK" => Ok(()),
        Reply::Error(e) => Err(io::Error::other(e)),
        other => Err(invalid(format!("SET answered by {other:?}"))),
    }
}

/// Opens a TCP connection with Nagle off, writes buffered (reads are buffered in the
/// client's own `Vec`, see [`read_reply`]).
pub async fn open(addr: &str) -> io::Result<BufWriter<TcpStream>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(BufWriter::new(stream))
}

/// The client as people write it: not cancel-safe.
pub struct UnguardedClient {
    stream: BufWriter<TcpStream>,
    buf: Vec<u8>,
}

impl UnguardedClient {
    pub async fn connect(addr: &str) -> io::Result<Self> {
        Ok(Self {
            stream: open(addr).await?,
            buf: Vec::new(),
        })
    }

    pub async fn get(&mut self, key: &str) -> io::Result<Option<Vec<u8>>> {
        self.stream
            .write_all(&encode(&[b"GET", key.as_bytes()]))
            .await?;
        self.stream.flush().await?;
        into_value(self.read_reply().await?)
    }

    pub async fn set(&mut self, key: &str, value: &[u8]) -> io::Result<()> {
        self.stream
            .write_all(&encode(&[b"SET", key.as_bytes(), value]))
            .await?;
        self.stream.flush().await?;
        expect_ok(self.read_reply().await?)
    }

    pub async fn read_reply(&mut self) -> io::Result<Reply> {
        read_reply(&mut self.stream, &mut self.buf).await
    }
}
