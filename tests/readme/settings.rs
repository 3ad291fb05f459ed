//! The README's settings block, run as `cancelsafe.toml`.

use crate::{common, readme};

/// Code on which each key of the README's settings block has an effect of its own.
const SETTINGS_CASES: &[(&str, &str)] = &[
    (
        "src/handle.rs",
        r#"pub struct Handle {
    h: RedisHandle,
}

impl Handle {
    pub async fn call(&mut self) -> u8 {
        self.h.send_command(b"CALL").await;
        self.h.read_reply_frame().await
    }

    #[tracked_exchange]
    pub async fn tracked(&mut self) -> u8 {
        self.h.send_command(b"TRACKED").await;
        self.h.read_reply_frame().await
    }

    pub async fn on_guard(&mut self) -> u8 {
        let _guard = on_cancel(|| ());
        self.h.send_command(b"GUARDED").await;
        self.h.read_reply_frame().await
    }
}

pub async fn by_value(mut h: RedisHandle) -> u8 {
    h.send_command(b"BY_VALUE").await;
    h.read_reply_frame().await
}
"#,
    ),
    (
        "src/race.rs",
        r#"use tokio::io::AsyncReadExt;

pub async fn run(sock: &mut tokio::net::TcpStream, stop: &mut tokio::sync::mpsc::Receiver<()>) {
    let mut len = [0u8; 4];
    loop {
        tokio::select! {
            _ = sock.read_exact(&mut len) => {}
            _ = stop.recv() => return,
        }
    }
}

// cancelsafe: allow(CS001) -- nothing here to allow: reported as unused, a warning
pub fn nothing() {}
"#,
    ),
    ("tests/fixtures/conn.rs", common::ONE_FINDING),
];

/// `(rule, function, severity)` of each finding with `settings` as `cancelsafe.toml`.
fn findings_with_settings(settings: &str) -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in SETTINGS_CASES
        .iter()
        .copied()
        .chain([("cancelsafe.toml", settings)])
    {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = common::cancelsafe_command()
        .args(["--format", "json", "--no-cache", "--no-deps", "."])
        .current_dir(dir.path())
        .output()
        .expect("run cargo-cancelsafe");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let field = |f: &serde_json::Value, k: &str| f[k].as_str().unwrap_or_default().to_string();
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (field(f, "rule"), field(f, "function"), field(f, "severity")))
        .collect()
}

/// The README's settings block, less the lines setting `keys`.
fn settings_without(block: &str, keys: &[&str]) -> String {
    block
        .lines()
        .filter(|l| !keys.iter().any(|k| l.starts_with(&format!("{k} ="))))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// What a key of the README's settings block does, shown by the finding it changes.
struct Effect {
    key: &'static str,
    /// A key left out of both runs (its effect would hide this one's).
    also_left_out: Option<&'static str>,
    rule: &'static str,
    function: &'static str,
    /// The finding's severity with the key and without it ("" for no such finding).
    with: &'static str,
    without: &'static str,
}

const SETTINGS_EFFECTS: &[Effect] = &[
    Effect {
        key: "warnings",
        also_left_out: None,
        rule: "unused_suppression",
        function: "nothing",
        with: "error",
        without: "warning",
    },
    Effect {
        key: "exclude",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Conn::get",
        with: "",
        without: "error",
    },
    Effect {
        key: "level",
        also_left_out: Some("warnings"),
        rule: "cancel_unsafe_future_raced",
        function: "run",
        with: "warning",
        without: "error",
    },
    Effect {
        key: "write-methods",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::call",
        with: "error",
        without: "",
    },
    Effect {
        key: "read-methods",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::call",
        with: "error",
        without: "",
    },
    Effect {
        key: "stream-types",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "by_value",
        with: "error",
        without: "",
    },
    Effect {
        key: "guard-attributes",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::tracked",
        with: "",
        without: "error",
    },
    Effect {
        key: "guard-functions",
        also_left_out: None,
        rule: "unguarded_write_then_read",
        function: "Handle::on_guard",
        with: "",
        without: "error",
    },
];

/// The README's settings block, used as `cancelsafe.toml`: each key it sets has the effect
/// its comment or docs/config.md gives, and a rule is named by id or code.
#[test]
fn each_key_of_the_readmes_settings_block_takes_effect() {
    let text = readme();
    let block = text
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a toml block");
    let keys: Vec<&str> = block
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .collect();
    let explained: Vec<&str> = SETTINGS_EFFECTS.iter().map(|e| e.key).collect();
    assert_eq!(
        keys, explained,
        "each key of the block has its effect checked"
    );
    let severity = |settings: &str, (rule, function): (&str, &str)| {
        findings_with_settings(settings)
            .into_iter()
            .find(|(r, f, _)| r == rule && f == function)
            .map(|(_, _, severity)| severity)
            .unwrap_or_default()
    };
    for effect in SETTINGS_EFFECTS {
        let both: Vec<&str> = effect.also_left_out.into_iter().collect();
        let kept = settings_without(block, &both);
        let dropped = settings_without(block, &[&both[..], &[effect.key]].concat());
        let finding = (effect.rule, effect.function);
        let key = effect.key;
        assert_eq!(
            severity(&kept, finding),
            effect.with,
            "{key}: {finding:?} with it"
        );
        assert_eq!(
            severity(&dropped, finding),
            effect.without,
            "{key}: {finding:?} without it"
        );
    }
    // `# rule id or code`
    let by_code = settings_without(block, &["warnings"])
        .replace("[rules.cancel_unsafe_future_raced]", "[rules.CS002]");
    assert_ne!(by_code, settings_without(block, &["warnings"]));
    assert_eq!(
        severity(&by_code, ("cancel_unsafe_future_raced", "run")),
        "warning"
    );
}
