use std::io;
use std::marker::PhantomData;

use cancelsafe::CancelState;

trait Transport {
    async fn write_all(&mut self, buf: &[u8]) -> io::Result<()>;
    async fn read_line(&mut self) -> io::Result<String>;
}

struct Client<'n, T> {
    io: T,
    name: &'n str,
    cancel: CancelState,
}

impl<'n, T: Transport> Client<'n, T> {
    #[cancelsafe::guard(state = self.cancel, drain = Self::read_reply)]
    async fn get<'k, K>(&mut self, key: &'k K, extra: impl AsRef<[u8]>) -> io::Result<&'n str>
    where
        K: AsRef<str> + ?Sized,
    {
        self.io.write_all(key.as_ref().as_bytes()).await?;
        self.io.write_all(extra.as_ref()).await?;
        self.read_reply().await?;
        Ok(self.name)
    }

    #[cancelsafe::guard(state = self.cancel, poison, replies = keys.len())]
    async fn pipeline<I>(&mut self, keys: &[I]) -> Result<Vec<String>, io::Error>
    where
        I: AsRef<[u8]>,
    {
        for k in keys {
            self.io.write_all(k.as_ref()).await?;
        }
        let mut out = Vec::new();
        for _ in keys {
            out.push(self.io.read_line().await?);
        }
        Ok(out)
    }

    /// Returns `Self`: the guarded fn consumes nothing, so `Self` is built anew.
    #[cancelsafe::guard(state = self.cancel, reconnect = Self::reconnect)]
    async fn fork(&mut self, io: T) -> io::Result<Self> {
        self.io.write_all(b"FORK").await?;
        Ok(Client {
            io,
            name: self.name,
            cancel: CancelState::new(),
        })
    }

    async fn read_reply(&mut self) -> io::Result<String> {
        self.io.read_line().await
    }

    async fn reconnect(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Typed<T>(PhantomData<T>, CancelState);

impl<T> Typed<T> {
    #[cancelsafe::guard(state = self.1)]
    pub(crate) async fn tuple_field(self: &mut Self) -> io::Result<()> {
        Ok(())
    }
}

fn main() {
    fn assert_send<T: Send>(_: T) {}
    let mut t = Typed::<u8>(PhantomData, CancelState::new());
    assert_send(t.tuple_field());
}
