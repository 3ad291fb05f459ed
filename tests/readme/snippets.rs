//! The README's Rust snippets, compiled: each sits between `// README: begin` and
//! `// README: end`, exactly as the README shows it (the test compares the text), with what
//! it leaves out (`encode`, `Reply`, the drain fn, the bb8 snippet's arguments) around it.
//! Compiled, not run: `tests/incident.rs` and `tests/pooled.rs` run the same shapes
//! against redis-server.

#![allow(dead_code)]

/// The README's `cancelsafe::Guarded` snippet, over bb8.
mod guarded {
    use std::time::Duration;

    use bb8_redis::{bb8, RedisConnectionManager};
    use redis::AsyncCommands;
    use tokio::time::timeout;

    #[rustfmt::skip] // the README's line breaks
    async fn get(url: &str, d: Duration, key: &str) -> Result<String, Box<dyn std::error::Error>> {
        // README: begin
        let pool = bb8::Pool::builder()
            .build(cancelsafe::bb8::GuardedManager::new(RedisConnectionManager::new(url)?))
            .await?;
        let mut conn = pool.get().await?;
        // The three `?`: the timeout, the wrapper's refusal, redis' error.
        let value: String = timeout(d, conn.exchange(|c| c.get(key))).await???;
        // README: end
        Ok(value)
    }
}

/// The README's `#[cancelsafe::guard]` quick start.
mod guard {
    // README: begin
    use cancelsafe::CancelState;
    use tokio::io::{AsyncWriteExt, BufStream};
    use tokio::net::TcpStream;

    struct Client {
        stream: BufStream<TcpStream>,
        cancel: CancelState,
    }

    impl Client {
        #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
        async fn get(&mut self, key: &str) -> std::io::Result<Reply> {
            self.stream.write_all(&encode(&["GET", key])).await?;
            self.stream.flush().await?;
            self.read_reply().await
        }
    }
    // README: end

    use tokio::io::AsyncBufReadExt;

    type Reply = String;

    fn encode(args: &[&str]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len());
        for arg in args {
            out += &format!("${}\r\n{arg}\r\n", arg.len());
        }
        out.into_bytes()
    }

    impl Client {
        async fn read_reply(&mut self) -> std::io::Result<Reply> {
            let mut line = String::new();
            self.stream.read_line(&mut line).await?;
            Ok(line)
        }
    }
}

/// The snippets of this file, each as the README would show it: lines trimmed.
fn snippets() -> Vec<String> {
    let source = include_str!("snippets.rs");
    source
        .split("// README: begin\n")
        .skip(1)
        .map(|rest| {
            let body = rest.split("// README: end").next().unwrap_or(rest);
            body.lines()
                .map(str::trim_start)
                .map(|l| format!("{l}\n"))
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The README's Rust blocks are the ones this file compiles, word for word.
#[test]
fn every_rust_snippet_of_the_readme_compiles() {
    let shown: Vec<String> = crate::blocks(&crate::readme())
        .into_iter()
        .filter(|(info, _)| info == "rust")
        .map(|(_, body)| body.trim_end().to_string())
        .collect();
    assert_eq!(shown, snippets());
}
