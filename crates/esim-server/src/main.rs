//! `esim-server`: serve the API, manage tokens, simulate a fleet.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use esim_server::auth::{self, Role};
use esim_server::bench::{self, BenchOptions};
use esim_server::db::Db;
use esim_server::sim::{self, SimOptions};
use esim_server::{app, AppState, Config};

const USAGE: &str = "usage:
  esim-server serve [--listen 127.0.0.1:8080] [--database sqlite://esim.db | postgres://...]
                    [--static-dir dist] [--cors-origin URL]... [--frame-ancestor URL]...
                    [--body-limit BYTES] [--public-url URL]
  esim-server token create --role admin|reader|device [--device ID] [--label TEXT] [--database URL]
  esim-server token list [--database URL]
  esim-server token revoke ID [--database URL]
  esim-server simulate --url URL --token TOKEN [--devices 100] [--failure-rate 0.1]
                       [--leave-rate 0] [--rounds 3] [--pool POOL_ID] [--concurrency 16]
      creates a group of --devices devices (assigned to --pool when given; --rounds 0:
      create them and stop) and checks them in for --rounds rounds
  esim-server simulate --url URL --token TOKEN --group GROUP_ID [--failure-rate 0.1]
                       [--rounds 3] [--concurrency 16]
      checks in the members of an existing group (creates and assigns nothing)
  esim-server bench [--out bench/server.md] [--postgres postgres://postgres@127.0.0.1:5432/postgres | none]
                    [--imports 200] [--devices 5000] [--seconds 5] [--connections 64]
                    [--only imports|checkins] [--server-exe PATH]

The database defaults to $ESIM_DATABASE, else sqlite://esim.db. Logs go to standard error,
filtered by RUST_LOG (a level such as warn, or info,sqlx=warn,esim_server::mdm=debug).";

/// Flags as `--name value` pairs (repeatable) and positional words.
struct Args {
    flags: Vec<(String, String)>,
    words: Vec<String>,
}

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> anyhow::Result<Args> {
        let mut flags = Vec::new();
        let mut words = Vec::new();
        let mut it = args.peekable();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                if name == "help" {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                let value = it
                    .next()
                    .with_context(|| format!("--{name} needs a value\n{USAGE}"))?;
                flags.push((name.to_owned(), value));
            } else {
                words.push(a);
            }
        }
        Ok(Args { flags, words })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.flags
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> anyhow::Result<T> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name}: '{v}' is not a number")),
        }
    }

    fn database(&self) -> String {
        self.get("database")
            .map(str::to_owned)
            .or_else(|| std::env::var("ESIM_DATABASE").ok())
            .unwrap_or_else(|| "sqlite://esim.db".into())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    esim_server::init_logging();
    let args = Args::parse(std::env::args().skip(1))?;
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["serve"] => serve(&args).await,
        ["token", "create"] => {
            let db = Db::connect(&args.database()).await?;
            let role = args
                .get("role")
                .and_then(Role::parse)
                .with_context(|| format!("--role admin|reader|device is required\n{USAGE}"))?;
            let device = args.get("device");
            if (role == Role::Device) != device.is_some() {
                bail!("a device token needs --device ID, and only a device token takes one");
            }
            let (id, token) = auth::create_token(&db, role, device, args.get("label")).await?;
            eprintln!("token {id} ({}) created; it is shown once:", role.as_str());
            println!("{token}");
            Ok(())
        }
        ["token", "list"] => {
            let db = Db::connect(&args.database()).await?;
            for t in auth::list_tokens(&db).await? {
                println!("{}", serde_json::to_string(&t)?);
            }
            Ok(())
        }
        ["token", "revoke", id] => {
            let db = Db::connect(&args.database()).await?;
            if !auth::revoke_token(&db, id).await? {
                bail!("no valid token has the id {id}");
            }
            eprintln!("token {id} revoked");
            Ok(())
        }
        ["simulate"] => {
            let group = args.get("group").map(str::to_owned);
            if group.is_some() {
                for flag in ["devices", "pool", "leave-rate"] {
                    if args.get(flag).is_some() {
                        bail!("--group checks in an existing group's members: it takes no --{flag}\n{USAGE}");
                    }
                }
            }
            let o = SimOptions {
                url: args.get("url").context("--url is required")?.to_owned(),
                token: args.get("token").context("--token is required")?.to_owned(),
                devices: args.num("devices", 100)?,
                group,
                failure_rate: args.num("failure-rate", 0.1)?,
                leave_rate: args.num("leave-rate", 0.0)?,
                rounds: args.num("rounds", 3)?,
                pool: args.get("pool").map(str::to_owned),
                concurrency: args.num("concurrency", 16)?,
            };
            let counts = sim::run(o).await?.counts();
            if counts.errors > 0 {
                bail!("{} check-ins met an error (see above)", counts.errors);
            }
            Ok(())
        }
        ["bench"] => {
            let postgres = args
                .get("postgres")
                .unwrap_or("postgres://postgres@127.0.0.1:5432/postgres");
            let o = BenchOptions {
                out: PathBuf::from(args.get("out").unwrap_or("bench/server.md")),
                postgres: (postgres != "none").then(|| postgres.to_owned()),
                imports: args.num("imports", 200)?,
                devices: args.num("devices", 5000)?,
                seconds: args.num("seconds", 5.0)?,
                connections: args.num("connections", 64)?,
                exe: match args.get("server-exe") {
                    Some(p) => PathBuf::from(p),
                    None => std::env::current_exe().context("finding this binary")?,
                },
                only: args.get("only").map(str::to_owned),
            };
            bench::run(o).await
        }
        _ => bail!("{USAGE}"),
    }
}

async fn serve(args: &Args) -> anyhow::Result<()> {
    let listen: SocketAddr = args
        .get("listen")
        .unwrap_or("127.0.0.1:8080")
        .parse()
        .context("--listen takes an address such as 127.0.0.1:8080")?;
    let config = Config {
        cors_origins: args.all("cors-origin"),
        frame_ancestors: args.all("frame-ancestor"),
        static_dir: args.get("static-dir").map(PathBuf::from),
        body_limit: args.num("body-limit", Config::default().body_limit)?,
        public_url: args.get("public-url").map(str::to_owned),
        // Test only: the crash-safety test holds imports open with this.
        import_pause: std::env::var("ESIM_TEST_PAUSE_IMPORT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis),
        ..Config::default()
    };
    let db = Db::connect(&args.database())
        .await
        .context("connecting to the database")?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = ?db.backend, "listening");
    println!("listening on http://{addr}");
    axum::serve(
        listener,
        app(AppState::new(db, config)).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
