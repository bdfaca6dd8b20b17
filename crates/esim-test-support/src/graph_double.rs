//! A stand-in for Microsoft Graph's eSIM and directory resources, for the console's tests
//! (nothing in this project can reach Graph). It answers in Graph's documented shapes and
//! with Graph's behaviours that the console must survive:
//!
//! * collections in pages with an opaque `$skiptoken` in `@odata.nextLink` (a token it did
//!   not make is a 400), built on the `Host` the request named, as Graph's are;
//! * 429 or 503 with `Retry-After` on a schedule ([`GraphDouble::throttle`]);
//! * whatever JSON the test stores, kept as stored: assignment targets with
//!   `deviceAndAppManagementAssignmentFilterId`/`Type`, a device state whose `state` is a
//!   value added after the console, properties the console does not know, groups with
//!   `groupTypes`, `mailEnabled`, `securityEnabled`, `membershipRule`;
//! * a group create without `mailEnabled`, `mailNickname` and `securityEnabled`, or with a
//!   nickname Graph refuses, is a 400; a device create is a 400 (Graph's devices come
//!   from enrollment);
//! * `deviceStates` takes no query option but `$skiptoken` (Graph documents none for it):
//!   anything else is a 400, so a console that sends `$filter` to Graph fails loudly;
//! * CORS as a browser needs it, exposing `Retry-After`;
//! * the bearer token it was started with, or ([`GraphDouble::accept_issuer`]) a person's
//!   access token from an OpenID provider: a JWT whose `iss` is that issuer, whose `aud` is
//!   Graph's (`https://graph.microsoft.com` or its application id) and whose `exp` has not
//!   passed, as Entra ID issues for Graph (the signature is not checked: the double stands
//!   for Graph's answers, not for its token validation, which `esim-server`'s tests cover
//!   for this project's own API).
//!
//! Every request is recorded ([`GraphDouble::requests`]) with its `Host`, token and body, so
//! a test can check what was sent (byte for byte) and where. A test tool, not product code:
//! one thread per connection, `Connection: close`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::{json, Value};

/// Graph's beta path of the pools.
pub const POOLS: &str = "/beta/deviceManagement/embeddedSIMActivationCodePools";
/// Graph's JSON content type.
pub const CONTENT_TYPE: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// One request as the double received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The `Host` header.
    pub host: String,
    /// The path and query as sent.
    pub target: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The body, as text.
    pub body: String,
    /// The status answered.
    pub status: u16,
    /// When it arrived.
    pub at: Instant,
}

impl Recorded {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// A throttled answer: the status and `Retry-After` seconds.
type Throttled = (u16, Option<u32>);

#[derive(Debug, Default)]
struct State {
    token: String,
    /// An issuer whose JWTs for Graph are accepted too.
    issuer: Option<String>,
    page_size: usize,
    pools: Vec<Value>,
    assignments: HashMap<String, Vec<Value>>,
    device_states: HashMap<String, Vec<Value>>,
    groups: Vec<Value>,
    devices: Vec<Value>,
    members: HashMap<String, Vec<String>>,
    /// Paths (containing) and the answers their next requests get.
    throttles: Vec<(String, VecDeque<Throttled>)>,
    /// Pools whose device-state pages link to another host.
    foreign_links: HashMap<String, String>,
    requests: Vec<Recorded>,
    next_id: u64,
}

/// A running double; it stops when the process ends.
#[derive(Debug, Clone)]
pub struct GraphDouble {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl GraphDouble {
    /// Listens on a free port of 127.0.0.1, accepting `token` as the bearer token.
    pub fn start(token: &str) -> io::Result<GraphDouble> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            token: token.to_owned(),
            page_size: 100,
            ..State::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    // A client that hangs up early is not the double's problem.
                    let _ = handle(stream, &state);
                });
            }
        });
        Ok(GraphDouble { addr, state })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Accepts the access tokens `issuer` makes for Graph as well as the start token.
    pub fn accept_issuer(&self, issuer: &str) {
        self.state().issuer = Some(issuer.to_owned());
    }

    /// Items per page of every collection (Graph chooses its own; 100 by default here).
    pub fn set_page_size(&self, n: usize) {
        self.state().page_size = n.max(1);
    }

    /// Adds a pool (an `embeddedSIMActivationCodePool` as Graph sends it).
    pub fn add_pool(&self, pool: Value) {
        self.state().pools.push(pool);
    }

    /// A pool's assignments, as Graph sends them.
    pub fn set_assignments(&self, pool: &str, assignments: Vec<Value>) {
        self.state()
            .assignments
            .insert(pool.to_owned(), assignments);
    }

    /// A pool's device states, as Graph sends them.
    pub fn set_device_states(&self, pool: &str, states: Vec<Value>) {
        self.state().device_states.insert(pool.to_owned(), states);
    }

    /// Adds a directory group.
    pub fn add_group(&self, group: Value) {
        self.state().groups.push(group);
    }

    /// Adds a directory device.
    pub fn add_device(&self, device: Value) {
        self.state().devices.push(device);
    }

    /// The next requests whose path contains `path` get `answers` in turn (status and
    /// `Retry-After` seconds; 429 or 503), then the real answer again.
    pub fn throttle(&self, path: &str, answers: &[(u16, Option<u32>)]) {
        self.state()
            .throttles
            .push((path.to_owned(), answers.iter().copied().collect()));
    }

    /// The pool's device-state pages link to `host` instead of the one asked.
    pub fn link_elsewhere(&self, pool: &str, host: &str) {
        self.state()
            .foreign_links
            .insert(pool.to_owned(), host.to_owned());
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The bodies of every `POST .../{pool}/assign`, as sent.
    pub fn assign_bodies(&self, pool: &str) -> Vec<String> {
        let path = format!("{POOLS}/{pool}/assign");
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path() == path)
            .map(|r| r.body)
            .collect()
    }

    /// A pool's assignments now.
    pub fn assignments(&self, pool: &str) -> Vec<Value> {
        self.state()
            .assignments
            .get(pool)
            .cloned()
            .unwrap_or_default()
    }

    /// The directory's groups now.
    pub fn groups(&self) -> Vec<Value> {
        self.state().groups.clone()
    }
}

/// A request as read off the socket.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
    }))
}

fn handle(stream: TcpStream, state: &Mutex<State>) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(request) = read_request(&mut reader)? else {
        return Ok(());
    };
    let answer = {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        let answer = answer(&mut state, &request);
        state.requests.push(Recorded {
            method: request.method.clone(),
            host: request.header("host").unwrap_or_default().to_owned(),
            target: request.target.clone(),
            authorization: request.header("authorization").map(str::to_owned),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            status: answer.status,
            at: Instant::now(),
        });
        answer
    };
    let mut stream = stream;
    let reason = match answer.status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let origin = request.header("origin").unwrap_or("*").to_owned();
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n\
         Access-Control-Allow-Origin: {origin}\r\nVary: Origin\r\n\
         Access-Control-Expose-Headers: Retry-After, request-id, client-request-id\r\n\
         request-id: 9f1c2a3b-0000-4000-8000-{:012}\r\n",
        answer.status,
        answer.body.len(),
        state.lock().map(|s| s.requests.len()).unwrap_or(0),
    );
    if !answer.body.is_empty() {
        head.push_str(&format!("Content-Type: {CONTENT_TYPE}\r\n"));
    }
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(answer.body.as_bytes())?;
    stream.flush()
}

fn json_answer(status: u16, body: &Value) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

/// Graph's error body.
fn error(status: u16, code: &str, message: &str) -> Answer {
    json_answer(
        status,
        &json!({"error": {
            "code": code,
            "message": message,
            "innerError": {"date": "2026-12-06T12:00:00", "request-id": "9f1c2a3b-0000-4000-8000-000000000000", "client-request-id": "9f1c2a3b-0000-4000-8000-000000000000"}
        }}),
    )
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match text
                .get(i + 1..i + 3)
                .map(|hex| u8::from_str_radix(hex, 16))
            {
                Some(Ok(b)) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The skiptoken's secret: tokens are opaque, and one the double did not make is refused.
const KEY: u64 = 0x5a17_c0de_9e3d_b00b;

fn skiptoken(offset: usize) -> String {
    let mixed = (offset as u64) ^ KEY;
    let check = mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
    format!("RFNwdD{mixed:016x}{check:06x}")
}

fn offset_of(token: &str) -> Option<usize> {
    let hex = token.strip_prefix("RFNwdD")?;
    if hex.len() != 22 {
        return None;
    }
    let mixed = u64::from_str_radix(hex.get(..16)?, 16).ok()?;
    let check = u64::from_str_radix(hex.get(16..)?, 16).ok()?;
    (check == mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40).then_some((mixed ^ KEY) as usize)
}

/// A page of `items` for a request to `path` with `query`, linking to the next page on
/// `host`.
fn page(
    items: &[Value],
    size: usize,
    host: &str,
    path: &str,
    query: &HashMap<String, String>,
    context: &str,
) -> Answer {
    let offset = match query.get("$skiptoken") {
        Some(token) => match offset_of(token) {
            Some(offset) => offset,
            None => return error(400, "BadRequest", "The skip token is not valid."),
        },
        None => 0,
    };
    let end = (offset + size).min(items.len());
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com{context}"),
        "value": items.get(offset..end).unwrap_or(&[]),
    });
    if end < items.len() {
        body["@odata.nextLink"] =
            json!(format!("http://{host}{path}?$skiptoken={}", skiptoken(end)));
    }
    json_answer(200, &body)
}

fn new_id(state: &mut State) -> String {
    state.next_id += 1;
    format!("d0b1e000-0000-4000-8000-{:012}", state.next_id)
}

fn find<'a>(items: &'a mut [Value], id: &str) -> Option<&'a mut Value> {
    items.iter_mut().find(|item| item["id"] == id)
}

fn answer(state: &mut State, request: &Request) -> Answer {
    if request.method == "OPTIONS" {
        return Answer {
            status: 204,
            headers: vec![
                (
                    "Access-Control-Allow-Methods",
                    "GET, POST, PATCH, PUT, DELETE".to_owned(),
                ),
                (
                    "Access-Control-Allow-Headers",
                    request
                        .header("access-control-request-headers")
                        .unwrap_or("authorization, content-type")
                        .to_owned(),
                ),
                ("Access-Control-Max-Age", "600".to_owned()),
            ],
            body: String::new(),
        };
    }
    let (path, query_text) = request
        .target
        .split_once('?')
        .unwrap_or((request.target.as_str(), ""));
    let path = path.to_owned();
    let query: HashMap<String, String> = query_text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let expected = format!("Bearer {}", state.token);
    let authorization = request.header("authorization");
    let from_issuer = state.issuer.as_deref().is_some_and(|issuer| {
        authorization
            .and_then(|a| a.strip_prefix("Bearer "))
            .is_some_and(|token| graph_jwt_from(token, issuer))
    });
    if authorization != Some(expected.as_str()) && !from_issuer {
        return error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        );
    }
    if let Some((_, answers)) = state
        .throttles
        .iter_mut()
        .find(|(p, answers)| path.contains(p.as_str()) && !answers.is_empty())
    {
        if let Some((status, retry_after)) = answers.pop_front() {
            let mut answer = if status == 503 {
                error(
                    503,
                    "ServiceUnavailable",
                    "The service is temporarily unavailable.",
                )
            } else {
                error(status, "TooManyRequests", "Too many requests.")
            };
            if let Some(seconds) = retry_after {
                answer.headers.push(("Retry-After", seconds.to_string()));
            }
            return answer;
        }
    }
    let host = request
        .header("host")
        .unwrap_or("graph.microsoft.com")
        .to_owned();
    let size = state.page_size;
    let body: Value = if request.body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(body) => body,
            Err(_) => return error(400, "BadRequest", "Unable to read JSON request payload."),
        }
    };
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = request.method.as_str();
    match (method, segments.as_slice()) {
        ("GET", ["beta", "deviceManagement", "embeddedSIMActivationCodePools"]) => page(
            &state.pools,
            size,
            &host,
            &path,
            &query,
            "/beta/$metadata#deviceManagement/embeddedSIMActivationCodePools",
        ),
        ("POST", ["beta", "deviceManagement", "embeddedSIMActivationCodePools"]) => {
            let mut pool = body;
            pool["id"] = json!(new_id(state));
            pool["@odata.type"] = json!("#microsoft.graph.embeddedSIMActivationCodePool");
            pool["activationCodeCount"] =
                json!(pool["activationCodes"].as_array().map_or(0, Vec::len));
            pool["createdDateTime"] = json!("2026-12-06T12:00:00Z");
            pool["modifiedDateTime"] = json!("2026-12-06T12:00:00Z");
            if let Some(obj) = pool.as_object_mut() {
                obj.remove("activationCodes");
            }
            state.pools.push(pool.clone());
            json_answer(201, &pool)
        }
        (_, ["beta", "deviceManagement", "embeddedSIMActivationCodePools", id, rest @ ..]) => {
            let id = (*id).to_owned();
            if find(&mut state.pools, &id).is_none() {
                return error(
                    404,
                    "ResourceNotFound",
                    "The requested resource does not exist.",
                );
            }
            match (method, rest) {
                ("GET", []) => json_answer(
                    200,
                    find(&mut state.pools, &id).map_or(&Value::Null, |p| &*p),
                ),
                ("PATCH", []) => {
                    let pool = find(&mut state.pools, &id).expect("found above");
                    if let Some(name) = body["displayName"].as_str() {
                        pool["displayName"] = json!(name);
                    }
                    Answer {
                        status: 204,
                        headers: Vec::new(),
                        body: String::new(),
                    }
                }
                ("DELETE", []) => {
                    state.pools.retain(|p| p["id"] != id.as_str());
                    Answer {
                        status: 204,
                        headers: Vec::new(),
                        body: String::new(),
                    }
                }
                ("GET", ["assignments"]) => {
                    let items = state.assignments.get(&id).cloned().unwrap_or_default();
                    let context = format!("/beta/$metadata#deviceManagement/embeddedSIMActivationCodePools('{id}')/assignments");
                    page(&items, size, &host, &path, &query, &context)
                }
                ("POST", ["assign"]) => {
                    let Some(sent) = body["assignments"].as_array() else {
                        return error(
                            400,
                            "BadRequest",
                            "The parameter 'assignments' is required.",
                        );
                    };
                    let mut kept = Vec::new();
                    for assignment in sent {
                        let mut assignment = assignment.clone();
                        if assignment["id"].as_str().is_none_or(str::is_empty) {
                            assignment["id"] = json!(new_id(state));
                        }
                        kept.push(assignment);
                    }
                    state.assignments.insert(id.clone(), kept.clone());
                    json_answer(
                        200,
                        &json!({
                            "@odata.context": "https://graph.microsoft.com/beta/$metadata#Collection(microsoft.graph.embeddedSIMActivationCodePoolAssignment)",
                            "value": kept,
                        }),
                    )
                }
                ("GET", ["deviceStates"]) => {
                    if let Some(option) = query.keys().find(|k| k.as_str() != "$skiptoken") {
                        return error(
                            400,
                            "BadRequest",
                            &format!("Query option '{option}' is not allowed."),
                        );
                    }
                    let items = state.device_states.get(&id).cloned().unwrap_or_default();
                    let context = format!("/beta/$metadata#deviceManagement/embeddedSIMActivationCodePools('{id}')/deviceStates");
                    let link_host = state.foreign_links.get(&id).cloned().unwrap_or(host);
                    page(&items, size, &link_host, &path, &query, &context)
                }
                _ => error(
                    405,
                    "BadRequest",
                    "No HTTP resource was found that matches the request URI.",
                ),
            }
        }
        ("GET", ["v1.0", "groups"]) => page(
            &state.groups,
            size,
            &host,
            &path,
            &query,
            "/v1.0/$metadata#groups",
        ),
        ("POST", ["v1.0", "groups"]) => create_group(state, body),
        ("GET", ["v1.0", "groups", id]) => {
            let id = (*id).to_owned();
            match find(&mut state.groups, &id) {
                Some(group) => json_answer(200, group),
                None => error(404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")),
            }
        }
        ("GET", ["v1.0", "groups", id, "members"]) => {
            let ids = state.members.get(*id).cloned().unwrap_or_default();
            let members: Vec<Value> = state
                .devices
                .iter()
                .filter(|d| d["id"].as_str().is_some_and(|i| ids.iter().any(|m| m == i)))
                .cloned()
                .collect();
            page(
                &members,
                size,
                &host,
                &path,
                &query,
                "/v1.0/$metadata#directoryObjects",
            )
        }
        ("POST", ["v1.0", "groups", id, "members", "$ref"]) => {
            let Some(device) = body["@odata.id"]
                .as_str()
                .and_then(|r| r.rsplit('/').next())
            else {
                return error(
                    400,
                    "Request_BadRequest",
                    "Invalid URL format specified in @odata.id.",
                );
            };
            let device = device.to_owned();
            let members = state.members.entry((*id).to_owned()).or_default();
            if !members.contains(&device) {
                members.push(device);
            }
            Answer {
                status: 204,
                headers: Vec::new(),
                body: String::new(),
            }
        }
        ("DELETE", ["v1.0", "groups", id, "members", device, "$ref"]) => {
            if let Some(members) = state.members.get_mut(*id) {
                members.retain(|m| m.as_str() != *device);
            }
            Answer {
                status: 204,
                headers: Vec::new(),
                body: String::new(),
            }
        }
        ("GET", ["v1.0", "devices"]) => page(
            &state.devices,
            size,
            &host,
            &path,
            &query,
            "/v1.0/$metadata#devices",
        ),
        ("POST", ["v1.0", "devices"]) => error(
            400,
            "Request_BadRequest",
            "A value is required for property 'alternativeSecurityIds' of resource 'Device'.",
        ),
        _ => error(
            400,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                segments.last().unwrap_or(&"")
            ),
        ),
    }
}

/// `POST /v1.0/groups` as Graph checks it: `displayName`, `mailEnabled`, `mailNickname`
/// and `securityEnabled` are required; the nickname is at most 64 ASCII characters without
/// `@ ( ) \ [ ] " ; : < > ,` or spaces.
fn create_group(state: &mut State, body: Value) -> Answer {
    for property in [
        "displayName",
        "mailEnabled",
        "mailNickname",
        "securityEnabled",
    ] {
        if body.get(property).is_none_or(Value::is_null) {
            return error(
                400,
                "Request_BadRequest",
                &format!("A value is required for property '{property}' of resource 'Group'."),
            );
        }
    }
    let nick = body["mailNickname"].as_str().unwrap_or("");
    let refused: HashSet<char> = "@()\\[]\";:<>, ".chars().collect();
    if nick.is_empty()
        || nick.len() > 64
        || !nick.is_ascii()
        || nick.chars().any(|c| refused.contains(&c) || c.is_control())
    {
        return error(
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'mailNickname' of resource 'Group'.",
        );
    }
    let mut group = body;
    group["id"] = json!(new_id(state));
    group["createdDateTime"] = json!("2026-12-06T12:00:00Z");
    group["groupTypes"] = group.get("groupTypes").cloned().unwrap_or(json!([]));
    state.groups.push(group.clone());
    json_answer(201, &group)
}

/// Graph's audience in an Entra access token: its URL or its application id.
const GRAPH_AUDIENCES: [&str; 2] = [
    "https://graph.microsoft.com",
    "00000003-0000-0000-c000-000000000000",
];

/// Whether `token` is a JWT from `issuer` for Graph that has not expired (claims only).
fn graph_jwt_from(token: &str, issuer: &str) -> bool {
    let Some(claims) = token
        .split('.')
        .nth(1)
        .and_then(base64url_decode)
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
    else {
        return false;
    };
    let audience = match &claims["aud"] {
        Value::String(aud) => GRAPH_AUDIENCES.contains(&aud.as_str()),
        Value::Array(auds) => auds
            .iter()
            .any(|a| a.as_str().is_some_and(|a| GRAPH_AUDIENCES.contains(&a))),
        _ => false,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    claims["iss"] == issuer && audience && claims["exp"].as_u64().is_some_and(|exp| exp > now)
}

/// base64url (padding optional).
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut held) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        held += 6;
        if held >= 8 {
            held -= 8;
            out.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_jwt_for_graph_is_accepted_by_its_claims() {
        let encode = |v: &Value| {
            let text = v.to_string();
            let mut out = String::new();
            const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            for chunk in text.as_bytes().chunks(3) {
                let n = chunk
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
                for i in 0..=chunk.len() {
                    out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
                }
            }
            format!("e30.{out}.sig")
        };
        let iss = "http://127.0.0.1:1/t/v2.0";
        let token = |aud: Value, exp: u64| encode(&json!({"iss": iss, "aud": aud, "exp": exp}));
        let later = 4_000_000_000;
        assert!(graph_jwt_from(
            &token(json!("https://graph.microsoft.com"), later),
            iss
        ));
        assert!(graph_jwt_from(
            &token(json!(["x", "00000003-0000-0000-c000-000000000000"]), later),
            iss
        ));
        assert!(!graph_jwt_from(&token(json!("api://esim"), later), iss));
        assert!(!graph_jwt_from(
            &token(json!("https://graph.microsoft.com"), 1),
            iss
        ));
        assert!(!graph_jwt_from(
            &token(json!("https://graph.microsoft.com"), later),
            "http://127.0.0.1:1/other/v2.0"
        ));
        assert!(!graph_jwt_from("not a jwt", iss));
        assert_eq!(base64url_decode("aGk").as_deref(), Some(&b"hi"[..]));
    }

    #[test]
    fn skiptokens_are_opaque_and_checked() {
        for offset in [0, 1, 100, 99_999] {
            let token = skiptoken(offset);
            assert!(token.starts_with("RFNwdD") && token.len() == 28, "{token}");
            assert_eq!(offset_of(&token), Some(offset));
        }
        let mut forged = skiptoken(100);
        forged.replace_range(10..11, "f");
        assert_eq!(offset_of(&forged), None);
        assert_eq!(offset_of("100"), None);
    }

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(percent_decode("%24filter"), "$filter");
        assert_eq!(percent_decode("a+b%2"), "a b%2");
    }
}
