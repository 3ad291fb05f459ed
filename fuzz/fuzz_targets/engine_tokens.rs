//! Arbitrary token trees made of the words the analysis cares about, placed in fn bodies of
//! two files, so most inputs parse and reach the workspace pass.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Tree {
    Word(Word),
    Punct(Punct),
    Number(u8),
    Str,
    Group(Delim, Vec<Tree>),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Word {
    Async, Await, Fn, Let, Mut, SelfValue, SelfType, Match, If, Else, Loop, While, For, In,
    Return, Pub, Impl, Struct, Move, Select, Join, TryJoin, Spawn, WriteAll, Read, ReadExact,
    Send, Recv, Flush, Lock, Get, Timeout, Guard, Cancelsafe, Stream, Conn, Pending, True,
    False, Drop, Tokio, X, Y,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Punct {
    Dot, Semi, Comma, Colon, PathSep, Eq, FatArrow, Bang, Amp, Star, Question, Pound, Plus,
    PlusEq, Lt, Gt, Pipe, Underscore,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Delim {
    Paren,
    Bracket,
    Brace,
}

#[derive(Arbitrary, Debug)]
struct Input {
    method_body: Vec<Tree>,
    free_fn_body: Vec<Tree>,
    other_file_body: Vec<Tree>,
}

impl Word {
    fn text(self) -> &'static str {
        use Word::*;
        match self {
            Async => "async", Await => "await", Fn => "fn", Let => "let", Mut => "mut",
            SelfValue => "self", SelfType => "Self", Match => "match", If => "if", Else => "else",
            Loop => "loop", While => "while", For => "for", In => "in", Return => "return",
            Pub => "pub", Impl => "impl", Struct => "struct", Move => "move",
            Select => "select", Join => "join", TryJoin => "try_join", Spawn => "spawn",
            WriteAll => "write_all", Read => "read", ReadExact => "read_exact", Send => "send",
            Recv => "recv", Flush => "flush", Lock => "lock", Get => "get", Timeout => "timeout",
            Guard => "guard", Cancelsafe => "cancelsafe", Stream => "stream", Conn => "Conn",
            Pending => "pending", True => "true", False => "false", Drop => "Drop",
            Tokio => "tokio", X => "x", Y => "y",
        }
    }
}

impl Punct {
    fn text(self) -> &'static str {
        use Punct::*;
        match self {
            Dot => ".", Semi => ";", Comma => ",", Colon => ":", PathSep => "::", Eq => "=",
            FatArrow => "=>", Bang => "!", Amp => "&", Star => "*", Question => "?",
            Pound => "#", Plus => "+", PlusEq => "+=", Lt => "<", Gt => ">", Pipe => "|",
            Underscore => "_",
        }
    }
}

fn render(trees: &[Tree], out: &mut String) {
    for t in trees {
        match t {
            Tree::Word(w) => out.push_str(w.text()),
            Tree::Punct(p) => out.push_str(p.text()),
            Tree::Number(n) => out.push_str(&n.to_string()),
            Tree::Str => out.push_str("\"PING\\r\\n\""),
            Tree::Group(d, inner) => {
                let (open, close) = match d {
                    Delim::Paren => ("(", ")"),
                    Delim::Bracket => ("[", "]"),
                    Delim::Brace => ("{", "}"),
                };
                out.push_str(open);
                render(inner, out);
                out.push_str(close);
            }
        }
        out.push(' ');
    }
}

fn body(trees: &[Tree]) -> String {
    let mut s = String::new();
    render(trees, &mut s);
    s
}

fuzz_target!(|input: Input| {
    let main = format!(
        "pub struct Conn {{ stream: tokio::net::TcpStream, pending: usize }}\n\
         impl Conn {{\n    pub async fn call(&mut self, x: &[u8]) -> u8 {{ {} }}\n}}\n\
         pub async fn run(conn: &mut Conn, y: u8) {{ {} }}\n",
        body(&input.method_body),
        body(&input.free_fn_body),
    );
    let other = format!(
        "use crate::Conn;\npub async fn other(conn: &mut Conn) {{ {} }}\n",
        body(&input.other_file_body)
    );
    cancelsafe_fuzz::run_engine(&[main, other]);
});
