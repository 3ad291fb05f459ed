use std::io;

use cancelsafe::CancelState;

struct Conn {
    frames: Vec<String>,
    cancel: CancelState,
}

impl Conn {
    async fn send(&mut self, frame: &str) -> io::Result<()> {
        self.frames.push(frame.to_owned());
        Ok(())
    }

    async fn read_frame(&mut self) -> io::Result<String> {
        self.frames
            .pop()
            .ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
    }

    async fn reconnect(&mut self) -> io::Result<()> {
        self.frames.clear();
        Ok(())
    }

    /// Non-`Result` return with `drain`: `false` while the connection cannot be repaired.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_frame, fallback = false)]
    async fn ping(&mut self) -> bool {
        if self.send("PING").await.is_err() {
            return false;
        }
        let reply = self.read_frame().await;
        matches!(reply.as_deref(), Ok("PONG"))
    }

    /// Unit return with `reconnect`: nothing to fall back to but `()`.
    #[cancelsafe::guard(state = self.cancel, reconnect = Self::reconnect)]
    async fn fire(&mut self) {
        let _ = self.send("FIRE").await;
    }

    /// `Option` return with `drain`: `None` while the connection cannot be repaired.
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_frame)]
    async fn peek(&mut self) -> Option<String> {
        self.send("PEEK").await.ok()?;
        self.read_frame().await.ok()
    }

    /// `poison` with a fallback: `0` once the connection is poisoned.
    #[cancelsafe::guard(state = self.cancel, poison, fallback = 0)]
    async fn count(&mut self) -> usize {
        let _ = self.send("COUNT").await;
        self.read_frame().await.map_or(0, |f| f.len())
    }
}

struct Pool {
    conn: Conn,
}

/// A free fn whose connection is a `&mut` parameter.
#[cancelsafe::guard(state = conn.cancel, drain = Conn::read_frame, write = [push_frame])]
async fn get(conn: &mut Conn, key: &str) -> io::Result<String> {
    conn.send(key).await?;
    conn.read_frame().await
}

/// The state nested in a field of the connection.
#[cancelsafe::guard(state = pool.conn.cancel, drain = Conn::read_frame)]
async fn get_pooled(pool: &mut Pool) -> io::Result<String> {
    pool.conn.send("GET").await?;
    pool.conn.read_frame().await
}

mod renamed {
    pub use cancelsafe as cs;
}

#[cancelsafe::guard(state = conn.cancel, crate = "renamed::cs")]
async fn renamed_crate(conn: &mut Conn) -> io::Result<()> {
    conn.send("X").await
}

fn main() {
    let mut conn = Conn {
        frames: Vec::new(),
        cancel: CancelState::new(),
    };
    let _ = get(&mut conn, "k");
    let _ = renamed_crate(&mut conn);
    let mut pool = Pool { conn };
    let _ = get_pooled(&mut pool);
}
