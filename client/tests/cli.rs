//! End-to-end tests of the `mindnet` command line: wallets on disk, and a dev node started
//! on free ports for the chain commands.

mod common;

use common::{free_port, run, run_watching, DevNode};
use serde_json::Value;
use std::time::{Duration, Instant};

const PASSWORD: (&str, &str) = ("MINDNET_PASSWORD", "correct horse");

fn wallet_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("MINDNET_WALLET_DIR", dir.display().to_string()),
        (PASSWORD.0, PASSWORD.1.to_string()),
    ]
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The environment the wallet tests run `mindnet` with: the wallet directory, then the
/// password.
type Env<'a> = [(&'static str, &'a str)];

#[test]
fn wallets_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let env = wallet_env(dir.path());
    let env = env_refs(&env);
    let (cold, phrase) = new_wallet_then_hotkey(dir.path(), &env);
    exported_and_restored(dir.path(), &env, &cold, &phrase);
    polkadot_js_keystores(&env);
    listed_and_password_sources(dir.path(), &env);
    flags_refused_and_completions(dir.path(), &env);
}

/// A wallet, a second `wallet new` that refuses to replace it, and a hotkey added to it;
/// returns the coldkey's address and mnemonic.
fn new_wallet_then_hotkey(dir: &std::path::Path, env: &Env<'_>) -> (String, String) {
    let created = run(&["wallet", "new", "--name", "w", "--json"], env).json();
    let cold = created["coldkey"]["address"].as_str().unwrap().to_string();
    let phrase = created["coldkey"]["mnemonic"].as_str().unwrap().to_string();
    assert_eq!(phrase.split(' ').count(), 12);
    // A second `wallet new` refuses to replace the coldkey ...
    run(&["wallet", "new", "--name", "w"], env).fails(2, "exists already");
    // ... and with --hotkey adds the hotkey, leaving the coldkey untouched.
    let cold_file = dir.join("w/coldkey.json");
    let before = std::fs::read(&cold_file).unwrap();
    let hot = run(
        &[
            "wallet",
            "new",
            "--name",
            "w",
            "--hotkey",
            "h",
            "--no-password",
            "--words",
            "24",
            "--json",
        ],
        env,
    )
    .json();
    assert!(hot.get("coldkey").is_none());
    assert_eq!(
        hot["hotkey"]["mnemonic"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        24
    );
    assert_eq!(std::fs::read(&cold_file).unwrap(), before);
    run(&["wallet", "new", "--name", "w", "--hotkey", "h"], env).fails(2, "exists already");
    let shown = run(&["wallet", "show", "--name", "w", "--json"], env).json();
    assert_eq!(shown["coldkey"], cold.as_str());
    assert_eq!(shown["encrypted"], true);
    assert_eq!(shown["hotkeys"][0]["encrypted"], false);
    (cold, phrase)
}

/// The exported coldkey, imported elsewhere with its password, is the same key; the
/// mnemonic restores it too.
fn exported_and_restored(dir: &std::path::Path, env: &Env<'_>, cold: &str, phrase: &str) {
    let exported = run(&["wallet", "export", "--name", "w"], env);
    assert_eq!(exported.code, 0);
    let file = dir.join("export.json");
    std::fs::write(&file, &exported.stdout).unwrap();
    let imported = run(
        &[
            "wallet",
            "import",
            "--name",
            "copy",
            "--keystore",
            file.to_str().unwrap(),
            "--json",
        ],
        env,
    )
    .json();
    assert_eq!(imported["key"]["address"], cold);
    let words = dir.join("words.txt");
    std::fs::write(&words, format!("{phrase}\n")).unwrap();
    let restored = run(
        &[
            "wallet",
            "import",
            "--name",
            "restored",
            "--mnemonic-file",
            words.to_str().unwrap(),
            "--json",
        ],
        env,
    )
    .json();
    assert_eq!(restored["key"]["address"], cold);
}

/// A keystore Polkadot.js exported opens with its password and gives its address (the
/// Polkadot.js address is prefix 42; ours is 7734: compare the accounts).
fn polkadot_js_keystores(env: &Env<'_>) {
    // The crate's directory as cargo gives it when the test runs (not as it was when the
    // binary was built: a build directory shared between checkouts may hold another's).
    let manifest_dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let fixture = format!("{manifest_dir}/tests/fixtures/pjs-sealed.json");
    let fixture = fixture.as_str();
    let pjs = run(
        &[
            "wallet",
            "import",
            "--name",
            "pjs",
            "--keystore",
            fixture,
            "--hotkey",
            "k",
            "--json",
        ],
        &[&env[..1], &[("MINDNET_PASSWORD", "testpass")]].concat(),
    )
    .json();
    let ours = mindnet_client::keys::ss58_decode(pjs["key"]["address"].as_str().unwrap()).unwrap();
    let theirs =
        mindnet_client::keys::ss58_decode("5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV")
            .unwrap();
    assert_eq!(ours, theirs);
    run(
        &["wallet", "import", "--name", "pjs2", "--keystore", fixture],
        &[&env[..1], &[("MINDNET_PASSWORD", "wrong")]].concat(),
    )
    .fails(2, "wrong password");
}

/// No password source: a clear error; the wallets listed; a bad name refused; a password
/// file standing in for the prompt.
fn listed_and_password_sources(dir: &std::path::Path, env: &Env<'_>) {
    // No password source and no terminal: a clear error, nothing written.
    run(&["wallet", "new", "--name", "nopass"], &env[..1]).fails(2, "MINDNET_PASSWORD");
    assert!(!dir.join("nopass").exists());
    let listed = run(&["wallet", "list", "--json"], env).json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["copy", "pjs", "restored", "w"]);
    run(&["wallet", "show", "--name", "../x"], env).fails(2, "not a valid wallet name");
    // A password file stands in for the prompt.
    let password_file = dir.join("password");
    std::fs::write(&password_file, "from a file\n").unwrap();
    let pf = password_file.to_str().unwrap();
    let made = run(
        &[
            "wallet",
            "new",
            "--name",
            "pf",
            "--password-file",
            pf,
            "--json",
        ],
        &env[..1],
    )
    .json();
    let store = mindnet_client::Keystore::parse(
        &std::fs::read_to_string(dir.join("pf/coldkey.json")).unwrap(),
    )
    .unwrap();
    let key = mindnet_client::Key::from_keystore(&store, Some("from a file")).unwrap();
    assert_eq!(key.address(), made["coldkey"]["address"].as_str().unwrap());
}

/// Contradictory or impossible flags are refused before anything happens; completions are
/// generated.
fn flags_refused_and_completions(dir: &std::path::Path, env: &Env<'_>) {
    run(&["wallet", "new", "--name", "x", "--words", "15"], env).fails(2, "12 or 24");
    let flags = run(&["wallet", "new", "--name", "x", "--no-password"], env);
    assert!(
        flags.code == 2 && flags.stderr.contains("--hotkey"),
        "{flags:?}"
    );
    assert!(!dir.join("x").exists());
    // Completions are generated for the usual shells.
    let bash = run(&["completions", "bash"], &[]);
    assert!(bash.code == 0 && bash.stdout.contains("mindnet"));
}

fn address(json: &Value, key: &str) -> String {
    json[key]["address"].as_str().unwrap().to_string()
}

/// Polls `neurons --json` until `done` holds (or panics after `limit`).
fn wait_for_neurons(
    node: &DevNode,
    limit: Duration,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let list = node
            .cli(&["neurons", "--netuid", "0", "--json"], &[])
            .json();
        let list = list.as_array().unwrap().clone();
        if done(&list) {
            return list;
        }
        assert!(
            started.elapsed() < limit,
            "the metagraph never got there: {list:?}"
        );
        std::thread::sleep(Duration::from_secs(3));
    }
}

/// Runs `mindnet` with the test's options after `args`.
type Cli<'a> = dyn Fn(&[&str]) -> common::Outcome + 'a;

#[test]
fn a_newcomers_session_from_wallet_to_emission() {
    let node = DevNode::start();
    let dir = tempfile::tempdir().unwrap();
    let env = wallet_env(dir.path());
    let env = env_refs(&env);
    let cli = |args: &[&str]| {
        node.cli(
            &[args, &["--json", "--yes", "--wait", "inclusion"]].concat(),
            &env,
        )
    };
    let (cold, hotkeys) = newcomers_wallet(&cli);
    funded_and_registered(&cli, &cold, &hotkeys);
    staked_weighted_and_served(&cli);
    emission_paid(&node, &cli, &cold, &hotkeys);
    failure_in_block_and_storage_fallback(&node, &hotkeys);
    table_sorted_and_parameters_set(&node, &cli);
}

/// A wallet `me` with hotkeys h0, h1, h2; returns the coldkey's and hotkeys' addresses.
fn newcomers_wallet(cli: &Cli<'_>) -> (String, Vec<String>) {
    let created = cli(&[
        "wallet",
        "new",
        "--name",
        "me",
        "--hotkey",
        "h0",
        "--no-password",
    ])
    .json();
    let cold = address(&created, "coldkey");
    let mut hotkeys = vec![address(&created, "hotkey")];
    for h in ["h1", "h2"] {
        let made = cli(&[
            "wallet",
            "new",
            "--name",
            "me",
            "--hotkey",
            h,
            "--no-password",
        ])
        .json();
        hotkeys.push(address(&made, "hotkey"));
    }
    (cold, hotkeys)
}

/// Alice (the dev chain's rich account) funds the coldkey; it funds its hotkeys' fees and
/// registers them, as uids 0, 1, 2.
fn funded_and_registered(cli: &Cli<'_>, cold: &str, hotkeys: &[String]) {
    let sent = cli(&[
        "transfer", "--suri", "//Alice", "--to", cold, "--amount", "1000",
    ])
    .json();
    assert!(sent["included"]["fee"].as_u64().unwrap() > 0);
    let balance = cli(&["balance", "--wallet", "me"]).json();
    assert_eq!(balance["free"], 1_000_000_000_000u64);
    for (i, h) in hotkeys.iter().enumerate() {
        cli(&["transfer", "--wallet", "me", "--to", h, "--amount", "1"]).json();
        let reg = cli(&[
            "register",
            "--netuid",
            "0",
            "--wallet",
            "me",
            "--hotkey",
            &format!("h{i}"),
        ])
        .json();
        assert_eq!(reg["uid"], i);
    }
}

/// Stake behind h0, h0's weights, and h2's axon.
fn staked_weighted_and_served(cli: &Cli<'_>) {
    let staked = cli(&[
        "stake", "add", "--wallet", "me", "--hotkey", "h0", "--amount", "100",
    ])
    .json();
    assert_eq!(staked["stake"], 100_000_000_000u64);
    // h0 validates: it weights uid 2 above uid 1, and uid 0 (itself) not at all.
    let set = cli(&[
        "weights", "set", "--netuid", "0", "--wallet", "me", "--hotkey", "h0", "1=0.5", "2=1",
    ])
    .json();
    assert_eq!(set["values"], serde_json::json!([32768, 65535]));
    let served = cli(&[
        "axon",
        "serve",
        "--netuid",
        "0",
        "--wallet",
        "me",
        "--hotkey",
        "h2",
        "--ip",
        "203.0.113.7",
        "--port",
        "8091",
    ])
    .json();
    assert_eq!(served["port"], 8091);
}

/// An epoch pays the neurons as weighted, all of the tempo's emission, and h0's stake
/// grows.
fn emission_paid(node: &DevNode, cli: &Cli<'_>, cold: &str, hotkeys: &[String]) {
    // Stake counts from the next epoch on: wait until an epoch has paid uid 2.
    let list = wait_for_neurons(node, Duration::from_secs(300), |l| {
        l.len() == 3 && l[2]["incentive"].as_f64().unwrap_or(0.0) > 0.0
    });
    let incentive = |i: usize| list[i]["incentive"].as_f64().unwrap();
    assert!(
        incentive(2) > incentive(1) && incentive(1) > incentive(0),
        "{list:?}"
    );
    assert_eq!(list[2]["axon"], "203.0.113.7:8091");
    assert_eq!(list[0]["active"], true);
    for (i, h) in hotkeys.iter().enumerate() {
        assert_eq!(list[i]["hotkey"], h.as_str());
        assert_eq!(list[i]["coldkey"], cold);
    }
    // Emission: every block of the tempo paid `block_emission`, all of it to these neurons.
    let params = cli(&["network", "params", "--netuid", "0"]).json();
    let per_epoch = params["params"]["block_emission"].as_u64().unwrap()
        * params["params"]["tempo"].as_u64().unwrap();
    let minted: u64 = list.iter().map(|n| n["emission"].as_u64().unwrap()).sum();
    assert_eq!(minted, per_epoch, "{list:?}");
    // The stake behind h0 grew by its share of emission.
    let shown = cli(&["stake", "show", "--wallet", "me"]).json();
    assert!(
        shown[0]["stake"].as_u64().unwrap() >= 100_000_000_000,
        "{shown:?}"
    );
}

/// Through the library: a failure in the block in words, and the storage fallback (for
/// runtimes without MindnetApi) reading the same metagraph.
fn failure_in_block_and_storage_fallback(node: &DevNode, hotkeys: &[String]) {
    let same = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let client = mindnet_client::Client::connect(&node.url, Duration::from_secs(30))
                .await
                .unwrap();
            // Both read the best block: retry if one landed between the two reads.
            // A failure in the block, decoded to the pallet's error and its doc line: Alice
            // stakes one base unit, below min_stake (the CLI would refuse it before signing).
            let alice = mindnet_client::Key::from_suri("//Alice").unwrap();
            let hot = mindnet_client::AccountId32(
                mindnet_client::keys::ss58_decode(&hotkeys[0]).unwrap(),
            );
            let call = mindnet_client::runtime::tx().mindnet().add_stake(0, hot, 1);
            let failed = client
                .submit(
                    "add_stake",
                    &call,
                    &alice,
                    mindnet_client::Wait::Inclusion,
                    &mut |_| {},
                )
                .await
                .unwrap_err();
            assert_eq!(failed.kind, mindnet_client::ErrorKind::Rejected, "{failed}");
            assert!(
                failed
                    .message
                    .contains("add_stake failed: Mindnet.BelowMinStake — The stake left or added"),
                "{failed}"
            );
            let mut last = String::new();
            for _ in 0..5 {
                let api = client.neurons(0).await.unwrap();
                let storage = client.neurons_from_storage(0).await.unwrap();
                if api == storage {
                    return Ok(api);
                }
                last = format!("api {api:?}\nstorage {storage:?}");
            }
            Err(last)
        });
    let same = same.expect("MindnetApi.neurons and the storage fallback agree");
    assert_eq!(same.len(), 3);
}

/// The table view sorts; root changes a parameter with the sudo key, anyone else is told
/// they cannot, and a value the chain refuses is explained.
fn table_sorted_and_parameters_set(node: &DevNode, cli: &Cli<'_>) {
    // The table view sorts.
    let table = node.cli(&["neurons", "--netuid", "0", "--sort", "incentive"], &[]);
    let first_row = table.stdout.lines().nth(2).unwrap();
    assert!(first_row.trim_start().starts_with('2'), "{}", table.stdout);
    // Root changes a parameter with the sudo key; anyone else is told they cannot.
    cli(&[
        "network",
        "set",
        "--netuid",
        "0",
        "--suri",
        "//Alice",
        "immunity_period",
        "50",
    ])
    .json();
    let params = cli(&["network", "params", "--netuid", "0"]).json();
    assert_eq!(params["params"]["immunity_period"], 50);
    cli(&[
        "network", "set", "--netuid", "0", "--wallet", "me", "tempo", "5",
    ])
    .fails(2, "only the sudo key");
    // A value the chain refuses: the error inside sudo, in words.
    cli(&[
        "network", "set", "--netuid", "0", "--suri", "//Alice", "tempo", "0",
    ])
    .fails(4, "Mindnet.ParameterOutOfRange");
}

#[test]
fn bad_input_says_what_is_wrong_and_changes_nothing() {
    let node = DevNode::start();
    let dir = tempfile::tempdir().unwrap();
    let env = wallet_env(dir.path());
    let env = env_refs(&env);
    let cli = |args: &[&str]| node.cli(&[args, &["--yes", "--wait", "inclusion"]].concat(), &env);
    let hot = registered_wallet(&cli);
    let before = balances(&cli, &hot);
    malformed_or_unaffordable_refused(&node, &cli, &env, &hot);
    rate_limit_refused_before_signing(&node, &cli, &env, &hot, &before);
    unreachable_or_silent_nodes(&hot);
    node_stops_answering_mid_transaction(&node, &env, &hot);
}

/// The `transfer` arguments from wallet `w`, before the recipient.
const TRANSFER_FROM_W: [&str; 4] = ["transfer", "--wallet", "w", "--to"];
/// The `weights set` arguments of wallet `w`'s hotkey `h`, before the entries.
const WEIGHTS_OF_H: [&str; 8] = [
    "weights", "set", "--netuid", "0", "--wallet", "w", "--hotkey", "h",
];

/// Wallet `w` with hotkey `h`, funded by Alice and registered on network 0; returns the
/// hotkey's address.
fn registered_wallet(cli: &Cli<'_>) -> String {
    let made = cli(&[
        "wallet",
        "new",
        "--name",
        "w",
        "--hotkey",
        "h",
        "--no-password",
        "--json",
    ])
    .json();
    let cold = address(&made, "coldkey");
    let hot = address(&made, "hotkey");
    cli(&[
        "transfer", "--suri", "//Alice", "--to", &cold, "--amount", "10",
    ]);
    cli(&[
        "transfer", "--suri", "//Alice", "--to", &hot, "--amount", "1",
    ]);
    cli(&[
        "register", "--netuid", "0", "--wallet", "w", "--hotkey", "h",
    ]);
    hot
}

/// The free balances of the coldkey of `w` and of `hot`.
fn balances(cli: &Cli<'_>, hot: &str) -> (Value, Value) {
    let c = cli(&["balance", "--wallet", "w", "--json"]).json();
    let h = cli(&["balance", hot, "--json"]).json();
    (c["free"].clone(), h["free"].clone())
}

/// Malformed amounts, addresses, weights and networks, a wrong password, a missing
/// confirmation, and more than the balance or the stake: each refused with its reason.
fn malformed_or_unaffordable_refused(node: &DevNode, cli: &Cli<'_>, env: &Env<'_>, hot: &str) {
    let to = TRANSFER_FROM_W;
    cli(&[&to[..], &[hot, "--amount", "1.2.3"]].concat()).fails(2, "not an amount");
    cli(&[&to[..], &[hot, "--amount", "-1"]].concat()).fails(2, "negative");
    cli(&[&to[..], &["5Not4nAddress", "--amount", "1"]].concat())
        .fails(2, "not an account address");
    cli(&[&to[..], &[hot, "--amount", "1000000"]].concat()).fails(4, "insufficient balance");
    node.cli(
        &[&to[..], &[hot, "--amount", "1", "--yes"]].concat(),
        &[env[0], ("MINDNET_PASSWORD", "wrong")],
    )
    .fails(2, "wrong password");
    // Without --yes and without a terminal to ask on, nothing is sent.
    node.cli(&[&to[..], &[hot, "--amount", "1"]].concat(), env)
        .fails(2, "--yes");
    let weights = WEIGHTS_OF_H;
    cli(&[&weights[..], &["999=1"]].concat()).fails(2, "does not exist");
    cli(&[&weights[..], &["0=1", "0=2"]].concat()).fails(2, "twice");
    cli(&[&weights[..], &["0=x"]].concat()).fails(2, "not a number");
    cli(&[
        "register", "--netuid", "7", "--wallet", "w", "--hotkey", "h",
    ])
    .fails(2, "does not exist");
    cli(&[
        "stake", "remove", "--wallet", "w", "--hotkey", "h", "--amount", "5",
    ])
    .fails(4, "less than");
}

/// A rule only the chain's state shows: one set_weights per `weights_set_rate_limit`
/// blocks; and nothing refused cost anything.
fn rate_limit_refused_before_signing(
    node: &DevNode,
    cli: &Cli<'_>,
    env: &Env<'_>,
    hot: &str,
    before: &(Value, Value),
) {
    let weights = WEIGHTS_OF_H;
    // A second neuron (Alice's) gives h someone to weight.
    node.cli(
        &[
            "register",
            "--netuid",
            "0",
            "--suri",
            "//Alice",
            "--hotkey-suri",
            "//Alice//g",
            "--yes",
            "--wait",
            "inclusion",
            "--json",
        ],
        env,
    )
    .json();
    let ok = cli(&[&weights[..], &["1=1"]].concat());
    assert_eq!(ok.code, 0, "{ok:?}");
    cli(&[
        "network",
        "set",
        "--netuid",
        "0",
        "--suri",
        "//Alice",
        "weights_set_rate_limit",
        "1000",
    ]);
    let limited = balances(cli, hot);
    cli(&[&weights[..], &["1=1"]].concat()).fails(4, "try again from block");
    // Nothing refused above cost anything: the coldkey signed nothing that went through,
    // and the hotkey paid only for the one set_weights that did.
    assert_eq!(balances(cli, hot), limited);
    assert_eq!(limited.0, before.0);
}

/// An unreachable node, and one that accepts connections but never answers.
fn unreachable_or_silent_nodes(hot: &str) {
    let closed = format!("ws://127.0.0.1:{}", free_port());
    run(&["balance", hot, "--url", &closed, "--timeout", "3"], &[]).fails(3, "cannot reach a node");
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("ws://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    run(
        &["balance", hot, "--url", &silent_url, "--timeout", "2"],
        &[],
    )
    .fails(3, "");
    assert!(started.elapsed() < Duration::from_secs(30));
    run(&["balance", hot, "--url", "http://x"], &[]).fails(2, "not a node RPC URL");
}

/// A node that stops answering while a transaction waits: a timeout error, not a hang.
fn node_stops_answering_mid_transaction(node: &DevNode, env: &Env<'_>, hot: &str) {
    let to = TRANSFER_FROM_W;
    let pid = node.pid().to_string();
    let mut stopped = false;
    let (code, took, stderr) = run_watching(
        &[&to[..], &[hot, "--amount", "1", "--yes", "--timeout", "3"]].concat(),
        &[("MINDNET_URL", node.url.as_str()), env[0], env[1]],
        |line| {
            // Once the pool has it: the wait for its block is what must not hang.
            if !stopped && line.contains("in the pool") {
                stopped = std::process::Command::new("kill")
                    .args(["-STOP", &pid])
                    .status()
                    .is_ok_and(|s| s.success());
            }
        },
    );
    let _ = std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status();
    assert!(stopped, "the node was never paused: {stderr}");
    assert_eq!(code, 3, "{stderr}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error") && l.contains("within")),
        "{stderr}"
    );
}
