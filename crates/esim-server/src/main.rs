//! `esim-server`: serve the API, manage tokens, simulate a fleet (the server's benchmark is
//! `esim-bench server`). The command line is declared with `clap` (derive) below.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use esim_server::auth::oidc::{Oidc, OidcConfig};
use esim_server::auth::{self, Role};
use esim_server::db::Db;
use esim_server::{app, lifecycle, AppState, Config};

const AFTER_HELP: &str = "\
Examples:
  esim-server token create --role admin --database sqlite://data/esim.db
  esim-server serve --database sqlite://data/esim.db --static-dir dist
  esim-server simulate --url http://127.0.0.1:8080 --token TOKEN --devices 100 --pool POOL_ID
  esim-server simulate --url http://127.0.0.1:8080 --token TOKEN --group GROUP_ID --rounds 2
  esim-server backup --database sqlite://data/esim.db --output esim-backup.db

The database defaults to $ESIM_DATABASE, else sqlite://esim.db. Logs go to standard error,
filtered by RUST_LOG (a level such as warn, or info,sqlx=warn,esim_server::mdm=debug).
`esim-server COMMAND --help` describes a command's options.";

/// The eSIM pool server: a Graph-shaped API on SQLite or PostgreSQL that hands each
/// activation code to one device.
#[derive(Debug, Parser)]
// A repeated single-valued option takes its last value, as before clap.
#[command(
    name = "esim-server",
    version,
    after_help = AFTER_HELP,
    args_override_self = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (and the built console with --static-dir) until SIGTERM or Ctrl-C.
    Serve(Box<ServeArgs>),
    /// Create, list or revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Simulate a fleet of devices checking in against a running server.
    #[command(after_help = "\
Without --group: creates a group of --devices devices (assigned to --pool when given;
--rounds 0 creates them and stops) and checks them in for --rounds rounds.
With --group: checks in the members of an existing group, creating and assigning nothing;
with --group and --pool, also every device holding a state in that pool (one removed from
the group checks in, reports its profile removed, and the console shows it Removed).
One line per round; the exit status is 1 when any check-in met an error.")]
    Simulate(SimulateArgs),
    /// Copy a SQLite database, consistently, while servers use it (VACUUM INTO); for
    /// PostgreSQL use pg_dump.
    Backup {
        #[command(flatten)]
        database: DatabaseArg,
        /// The copy to write (a new file; restore by serving it or putting it in place of
        /// the database file while no server runs).
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Print a shell completion script (for example: esim-server completions bash >
    /// ~/.local/share/bash-completion/completions/esim-server).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where the data lives, for every command that opens the database.
#[derive(Debug, clap::Args)]
struct DatabaseArg {
    /// The database: sqlite://PATH (created when missing) or postgres://user@host/db.
    #[arg(
        long,
        value_name = "URL",
        env = "ESIM_DATABASE",
        hide_env_values = true,
        default_value = "sqlite://esim.db"
    )]
    database: String,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The address to listen on (port 0: any free port; the address is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    database: DatabaseArg,
    /// The built browser app to serve at / (index.html for unknown paths), such as dist.
    #[arg(long, value_name = "DIR")]
    static_dir: Option<PathBuf>,
    /// A browser origin allowed to call the API (CORS); repeat for more. None by default.
    #[arg(long, value_name = "URL")]
    cors_origin: Vec<String>,
    /// An origin allowed to frame the console (CSP frame-ancestors); repeat for more. None
    /// by default.
    #[arg(long, value_name = "URL")]
    frame_ancestor: Vec<String>,
    /// An origin the console's page may call besides its own (CSP connect-src), such as
    /// the identity provider's; repeat for more. None by default.
    #[arg(long, value_name = "URL")]
    connect_origin: Vec<String>,
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Config::default().body_limit)]
    body_limit: usize,
    /// The base of @odata.nextLink URLs (default: the origin a reverse proxy forwards in
    /// Forwarded or X-Forwarded-Proto/-Host, else http:// and the request's Host).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Build @odata.nextLink without the Forwarded and X-Forwarded-* headers (they only
    /// ever shape links, never access).
    #[arg(long)]
    ignore_forwarded_headers: bool,
    /// A reverse proxy (address or CIDR range, such as 10.0.0.0/8) whose forwarded client
    /// address (Forwarded for=, else X-Forwarded-For) the refused-token limit counts
    /// instead of the proxy's own; repeat for more. None by default.
    #[arg(long, value_name = "ADDR", value_parser = esim_server::auth::limit::TrustedProxies::parse)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// The longest a request may take to be answered; then it is stopped (its changes
    /// roll back) and gets 503 ServiceUnavailable with Retry-After.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
    request_timeout: Duration,
    /// After SIGTERM or Ctrl-C, how long the requests in flight may take to finish; a
    /// second signal or this limit stops the server at once (exit status 1).
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = seconds)]
    drain_timeout: Duration,
    /// How long start-up waits, retrying with backoff, for a PostgreSQL server that does
    /// not accept connections yet (0: fail at once).
    #[arg(long, value_name = "SECONDS", default_value = "60", value_parser = seconds)]
    database_wait: Duration,
    #[command(flatten)]
    oidc: OidcArgs,
}

/// People signed in through an OpenID Connect provider (docs/identity.md).
#[derive(Debug, clap::Args)]
struct OidcArgs {
    /// Accept people's access tokens (JWTs) from this OpenID Connect issuer beside the
    /// static tokens, such as https://login.microsoftonline.com/TENANT/v2.0 (https://, or
    /// http:// on a loopback address).
    #[arg(long, value_name = "URL", requires = "oidc_audience")]
    oidc_issuer: Option<String>,
    /// The audience (aud) the access tokens must name: the API's application ID URI or
    /// client id.
    #[arg(long, value_name = "AUD", requires = "oidc_issuer")]
    oidc_audience: Option<String>,
    /// The console's public client id at the provider, published in /auth.json so the
    /// console offers the sign-in (the issuer's origin is then added to the page's CSP
    /// connect-src).
    #[arg(long, value_name = "ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The value of the roles claim that makes an admin.
    #[arg(long, value_name = "ROLE", default_value = "Esim.Admin")]
    oidc_admin_role: String,
    /// The value of the roles claim that makes a reader.
    #[arg(long, value_name = "ROLE", default_value = "Esim.Reader")]
    oidc_reader_role: String,
    /// A scope the console asks for (repeat, or several separated by spaces); default:
    /// openid profile offline_access AUD/Esim.Access.
    #[arg(long, value_name = "SCOPE", requires = "oidc_issuer")]
    oidc_scope: Vec<String>,
}

impl OidcArgs {
    /// The verifier, when --oidc-issuer is given.
    fn verifier(self) -> anyhow::Result<Option<Arc<Oidc>>> {
        let (Some(issuer), Some(audience)) = (self.oidc_issuer, self.oidc_audience) else {
            return Ok(None);
        };
        let mut config = OidcConfig::new(issuer, audience);
        config.client_id = self.oidc_client_id;
        config.admin_role = self.oidc_admin_role;
        config.reader_role = self.oidc_reader_role;
        if !self.oidc_scope.is_empty() {
            config.scopes = self
                .oidc_scope
                .iter()
                .flat_map(|s| s.split_whitespace())
                .map(str::to_owned)
                .collect();
        }
        tracing::info!(issuer = %config.issuer, audience = %config.audience, "accepting people's tokens from this OpenID Connect provider");
        let oidc = Oidc::new(config).map_err(|e| anyhow::anyhow!("--oidc-issuer: {e}"))?;
        Ok(Some(Arc::new(oidc)))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    /// Everything.
    Admin,
    /// Reads only.
    Reader,
    /// The device routes of one device (needs --device).
    Device,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Reader => Role::Reader,
            RoleArg::Device => Role::Device,
        }
    }
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token; it is printed once on standard output (only its hash is stored).
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The device of a device token.
        #[arg(long, value_name = "ID")]
        device: Option<String>,
        /// A note shown by `token list`.
        #[arg(long, value_name = "TEXT")]
        label: Option<String>,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// List the tokens, one JSON object a line.
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Revoke a token by its id.
    Revoke {
        /// The token's id (from `token list`).
        id: String,
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Debug, clap::Args)]
struct SimulateArgs {
    /// The server's base URL, such as http://127.0.0.1:8080.
    #[arg(long)]
    url: String,
    /// An admin token.
    #[arg(long)]
    token: String,
    /// How many devices to create [default: 100] (not with --group).
    #[arg(long, value_name = "N")]
    devices: Option<usize>,
    /// Check in the members of this existing group (creates and assigns nothing).
    #[arg(long, value_name = "GROUP_ID")]
    group: Option<String>,
    /// The share of installs that fail, 0 to 1.
    #[arg(long, value_name = "SHARE", default_value_t = 0.1)]
    failure_rate: f64,
    /// The share of devices that leave the group after the first round, 0 to 1 [default:
    /// 0] (not with --group).
    #[arg(long, value_name = "SHARE")]
    leave_rate: Option<f64>,
    /// Check-in rounds.
    #[arg(long, value_name = "N", default_value_t = 3)]
    rounds: usize,
    /// The pool to assign the new group to (none: the group is only created); with
    /// --group, also check in every device holding a state in this pool (so a device
    /// removed from the group has its profile removed: Removed in the console).
    #[arg(long, value_name = "POOL_ID")]
    pool: Option<String>,
    /// Check-ins in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    concurrency: usize,
}

/// A duration in seconds, such as 30 or 0.5.
fn seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|n| Duration::try_from_secs_f64(n).ok())
        .ok_or_else(|| format!("'{s}' is not a number of seconds (such as 30 or 0.5)"))
}

fn main() -> ExitCode {
    // Usage errors exit with 1, as every other failure (and as before clap); --help and
    // --version exit with 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "esim-server",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    esim_server::init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:?}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(*args).await,
        Command::Token(TokenCommand::Create {
            role,
            device,
            label,
            database,
        }) => {
            let role = Role::from(role);
            if (role == Role::Device) != device.is_some() {
                bail!("a device token needs --device ID, and only a device token takes one");
            }
            let db = Db::connect(&database.database).await?;
            let (id, token) =
                auth::create_token(&db, role, device.as_deref(), label.as_deref()).await?;
            eprintln!("token {id} ({}) created; it is shown once:", role.as_str());
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::List { database }) => {
            let db = Db::connect(&database.database).await?;
            for t in auth::list_tokens(&db).await? {
                println!("{}", serde_json::to_string(&t)?);
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { id, database }) => {
            let db = Db::connect(&database.database).await?;
            if !auth::revoke_token(&db, &id).await? {
                bail!("no valid token has the id {id}");
            }
            eprintln!("token {id} revoked");
            Ok(())
        }
        Command::Simulate(a) => {
            if a.group.is_some() {
                let given = [
                    ("devices", a.devices.is_some()),
                    ("leave-rate", a.leave_rate.is_some()),
                ];
                if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
                    bail!(
                        "--group checks in an existing group's members: it takes no --{flag} \
                         (see esim-server simulate --help)"
                    );
                }
            }
            let o = esim_sim::SimOptions {
                url: a.url,
                token: a.token,
                devices: a.devices.unwrap_or(100),
                group: a.group,
                failure_rate: a.failure_rate,
                leave_rate: a.leave_rate.unwrap_or(0.0),
                rounds: a.rounds,
                pool: a.pool,
                concurrency: a.concurrency,
            };
            let counts = esim_sim::run(o).await?.counts();
            if counts.errors > 0 {
                bail!("{} check-ins met an error (see above)", counts.errors);
            }
            Ok(())
        }
        Command::Backup { database, output } => {
            esim_server::db::backup(&database.database, &output).await?;
            eprintln!("backup written to {}", output.display());
            Ok(())
        }
        Command::Completions { .. } => Ok(()),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut connect_origins = args.connect_origin;
    // The console signs people in at the issuer (discovery and the token endpoint): its
    // page may call the issuer's origin.
    if let (Some(issuer), Some(_)) = (&args.oidc.oidc_issuer, &args.oidc.oidc_client_id) {
        if let Ok(url) = url::Url::parse(issuer) {
            let origin = url.origin().ascii_serialization();
            if !connect_origins.contains(&origin) {
                connect_origins.push(origin);
            }
        }
    }
    let config = Config {
        cors_origins: args.cors_origin,
        frame_ancestors: args.frame_ancestor,
        connect_origins,
        static_dir: args.static_dir,
        body_limit: args.body_limit,
        public_url: args.public_url,
        forwarded_headers: !args.ignore_forwarded_headers,
        trusted_proxies: esim_server::auth::limit::TrustedProxies::new(args.trusted_proxy),
        request_timeout: args.request_timeout,
        // Test only: the crash-safety test holds imports open with this.
        import_pause: std::env::var("ESIM_TEST_PAUSE_IMPORT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map(Duration::from_millis),
        oidc: args.oidc.verifier()?,
        ..Config::default()
    };
    let shutdown =
        lifecycle::shutdown_signal(args.drain_timeout).context("installing the signal handlers")?;
    let db = lifecycle::connect_waiting(&args.database.database, args.database_wait)
        .await
        .context("connecting to the database")?;
    if let Some(dir) = &config.static_dir {
        // Brotli and gzip copies of the app's files, written in the background.
        let _ = esim_server::layers::precompress(dir);
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = ?db.backend, "listening");
    println!("listening on http://{addr}");
    axum::serve(
        listener,
        app(AppState::new(db.clone(), config)).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    db.close().await;
    tracing::info!("drained; stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
