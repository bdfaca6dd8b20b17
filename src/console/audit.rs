//! The audit log, for admins: who created, changed, assigned or deleted what, and when -
//! newest first, a page at a time (`@odata.nextLink`, on the API's own origin only:
//! [`Client::next_url`]),
//! filtered by actor and action on the server (`$filter`), exported as CSV with formula
//! cells neutralised ([`super::export`]).
//!
//! Only this project's server keeps the log (Graph has none for this console), and only
//! admins may read it: the navigation shows the link once the server has answered the
//! signed-in token with a page of it ([`NavItem`]); a reader who opens `#/audit` anyway is
//! told the server's refusal.

use esim_wire::{AuditEntry, Collection};
use leptos::prelude::*;

use super::labels::Label as L;
use super::route::{Route, Section};
use super::state::{num, read, use_console};
use super::widgets::{ErrorView, Reading, TextField};
use crate::api::{encode, http, ApiError, Client, Resource};
use crate::browser;
use crate::dom::testid;
use crate::i18n::{fill, Lang, Text};

/// Entries a page of the view shows (the export reads the largest pages).
pub const PAGE: u32 = 50;

/// What the log is filtered by: both empty shows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// An actor id (`admin:user:<sub>`, `admin:<token-id>`) or a person's user name.
    pub actor: String,
    /// An action, such as `pool.create`.
    pub action: String,
}

impl AuditFilter {
    /// The OData `$filter` expression, if anything is filtered: an actor matches by id or
    /// by user name, both exactly.
    pub fn expression(&self) -> Option<String> {
        let mut parts = Vec::new();
        let actor = self.actor.trim();
        if !actor.is_empty() {
            let actor = quote(actor);
            parts.push(format!("(actor eq {actor} or actorName eq {actor})"));
        }
        let action = self.action.trim();
        if !action.is_empty() {
            parts.push(format!("action eq {}", quote(action)));
        }
        (!parts.is_empty()).then(|| parts.join(" and "))
    }

    /// The first page's URL, newest first, `top` entries a page.
    pub fn url(&self, client: &Client, top: u32) -> String {
        let mut url = format!(
            "{}?$orderby={}&$top={top}",
            client.url(&Resource::AuditEntries),
            encode("dateTime desc")
        );
        if let Some(filter) = self.expression() {
            url.push_str("&$filter=");
            url.push_str(&encode(&filter));
        }
        url
    }

    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.expression().is_none()
    }
}

/// An OData string literal (`'it''s'`).
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Who acted, as shown: the person's user name, else the actor id.
pub fn who(entry: &AuditEntry) -> &str {
    entry.actor_name.as_deref().unwrap_or(&entry.actor)
}

/// A timestamp with its seconds, `2026-11-26 09:41:07` (UTC, as the API gives it).
pub fn when(rfc3339: &str) -> String {
    let s = rfc3339.replace('T', " ");
    s.get(..19).map_or(s.clone(), str::to_owned)
}

/// The entries as CSV, in the order given, with every field of the log.
pub fn to_csv(entries: &[AuditEntry], lang: Lang) -> Vec<u8> {
    let headings = [
        L::AuditWhen,
        L::AuditWho,
        L::AuditActorId,
        L::AuditAction,
        L::AuditTargetType,
        L::AuditTarget,
        L::ColDetails,
        L::AuditRequestId,
    ]
    .map(|label| label.text(lang));
    let rows = entries.iter().map(|e| {
        [
            e.date_time.as_str(),
            e.actor_name.as_deref().unwrap_or(""),
            e.actor.as_str(),
            e.action.as_str(),
            e.target_type.as_str(),
            e.target_id.as_str(),
            e.detail.as_deref().unwrap_or(""),
            e.request_id.as_str(),
        ]
    });
    super::export::csv_file(&headings, rows)
}

/// The navigation's link to the log, shown once the server has given the signed-in token a
/// page of it (admins; readers and Graph get no link).
#[component]
pub fn NavItem() -> impl IntoView {
    let console = use_console();
    // Read again for every sign-in; only the latest answer counts.
    let allowed = LocalResource::new(move || {
        let client = console
            .client
            .get()
            .filter(|c| c.backend().has_project_routes());
        async move {
            let Some(client) = client else {
                return false;
            };
            let url = AuditFilter::default().url(&client, 1);
            http::get_url::<Collection<AuditEntry>>(&client, &url)
                .await
                .is_ok()
        }
    });
    move || {
        allowed.get().unwrap_or(false).then(|| {
            view! {
                <li>
                    <a
                        href=Route::Audit.href()
                        data-testid=testid::NAV_AUDIT
                        aria-current=move || (console.route.get().section() == Section::Audit).then_some("page")
                    >
                        {move || console.tr(L::NavAudit)}
                    </a>
                </li>
            }
        })
    }
}

/// `#/audit`.
#[component]
pub fn AuditPage() -> impl IntoView {
    let console = use_console();
    let graph = move || {
        console.client.with(|c| {
            c.as_ref()
                .is_some_and(|c| !c.backend().has_project_routes())
        })
    };
    view! {
        <section class="audit" aria-labelledby="audit-heading">
            <h1 id="audit-heading">{move || console.tr(L::AuditTitle)}</h1>
            {move || {
                if graph() {
                    view! {
                        <p class="notice" data-testid=testid::AUDIT_GRAPH>{console.tr(L::AuditGraph)}</p>
                    }
                    .into_any()
                } else {
                    view! { <AuditLog /> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let console = use_console();
    let actor = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let applied = RwSignal::new(AuditFilter::default());
    let version = RwSignal::new(0u32);
    // The newest page under the filter applied; the table asks for older ones.
    let first = read(version, move |client| {
        let url = applied.get_untracked().url(&client, PAGE);
        async move { http::get_url::<Collection<AuditEntry>>(&client, &url).await }
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        applied.set(AuditFilter {
            actor: actor.get_untracked(),
            action: action.get_untracked(),
        });
        version.update(|v| *v += 1);
    };
    let clear = move |_| {
        actor.set(String::new());
        action.set(String::new());
        applied.set(AuditFilter::default());
        version.update(|v| *v += 1);
    };
    // The export reads every matching entry (the largest pages) and saves them as CSV.
    let export = Action::new_local(move |(client, url): &(Client, String)| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let all = http::all_pages_from::<AuditEntry>(&client, url, |_, _| true).await?;
            let bytes = to_csv(&all, console.lang.get_untracked());
            browser::save("audit-log.csv", &bytes, "text/csv");
            Ok::<_, ApiError>(())
        }
    });
    let exporting = export.pending();
    let start_export = move |_| {
        if let Some(client) = console.client.get_untracked() {
            let url = applied
                .get_untracked()
                .url(&client, crate::api::SERVER_PAGE);
            export.dispatch((client, url));
        }
    };
    view! {
        <p>{move || console.tr(L::AuditIntro)}</p>
        <form class="filters" on:submit=apply aria-label=move || console.tr(L::AuditFilters)>
            <TextField
                id="audit-actor"
                label=L::AuditActor
                testid=testid::AUDIT_ACTOR
                value=actor
                hint=L::AuditActorHint
            />
            <TextField
                id="audit-action"
                label=L::AuditAction
                testid=testid::AUDIT_ACTION
                value=action
                hint=L::AuditActionHint
            />
            <div class="row">
                <button type="submit" data-testid=testid::AUDIT_APPLY>{move || console.tr(L::AuditApply)}</button>
                <button type="button" class="secondary" data-testid=testid::AUDIT_CLEAR on:click=clear>
                    {move || console.tr(L::AuditClear)}
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid=testid::AUDIT_EXPORT
                    on:click=start_export
                    disabled=move || exporting.get()
                >
                    {move || console.tr(if exporting.get() { L::AuditExporting } else { L::AuditExport })}
                </button>
            </div>
        </form>
        {move || match export.value().get() {
            Some(Err(error)) => Some(view! { <ErrorView error /> }),
            _ => None,
        }}
        <Reading>
            {move || Suspend::new(async move {
                first.await.map(|page| view! { <AuditTable page applied /> })
            })}
        </Reading>
    }
}

/// The entries of the first page, then the older pages asked for (each an action).
#[component]
fn AuditTable(page: Collection<AuditEntry>, applied: RwSignal<AuditFilter>) -> impl IntoView {
    let console = use_console();
    let entries = RwSignal::new(page.value);
    let next = RwSignal::new(page.next_link);
    let older = Action::new_local(move |(client, url): &(Client, String)| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let page = match client.next_url(&url) {
                Ok(url) => http::get_url::<Collection<AuditEntry>>(&client, &url).await?,
                Err(refused) => return Err(refused),
            };
            entries.update(|e| e.extend(page.value));
            next.set(page.next_link);
            Ok(())
        }
    });
    let ask_older = move |_| {
        if let (Some(client), Some(url)) = (console.client.get_untracked(), next.get_untracked()) {
            older.dispatch((client, url));
        }
    };
    let count = move || {
        let (lang, n) = (console.lang.get(), entries.with(Vec::len));
        let label = match (next.with(Option::is_some), crate::i18n::is_one(lang, n)) {
            (true, true) => L::AuditShownMoreOne,
            (true, false) => L::AuditShownMore,
            (false, true) => L::AuditShownOne,
            (false, false) => L::AuditShown,
        };
        fill(console.tr(label), &[("n", &num(lang, n))])
    };
    view! {
        <p role="status" data-testid=testid::AUDIT_COUNT>{count}</p>
        {move || {
            if entries.with(Vec::is_empty) {
                let label = if applied.with(AuditFilter::is_empty) { L::AuditNone } else { L::AuditNoneMatch };
                return view! { <p class="notice" data-testid=testid::AUDIT_NONE>{console.tr(label)}</p> }.into_any();
            }
            let rows = entries
                .get()
                .into_iter()
                .map(|e| {
                    let target = format!("{} {}", e.target_type, e.target_id);
                    view! {
                        <tr data-testid=testid::AUDIT_ROW data-action=e.action.clone() data-actor=e.actor.clone()>
                            <td>{when(&e.date_time)}</td>
                            <td data-testid=testid::AUDIT_WHO title=e.actor.clone()>{who(&e).to_owned()}</td>
                            <td>{e.action.clone()}</td>
                            <td>{target}</td>
                            <td>{e.detail.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <div class="table-wrap">
                    <table class="data cards" data-testid=testid::AUDIT_TABLE>
                        <caption class="visually-hidden">{console.tr(L::AuditTitle)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{console.tr(L::AuditWhen)}</th>
                                <th scope="col">{console.tr(L::AuditWho)}</th>
                                <th scope="col">{console.tr(L::AuditAction)}</th>
                                <th scope="col">{console.tr(L::AuditTarget)}</th>
                                <th scope="col">{console.tr(L::ColDetails)}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
        {move || {
            next.get()
                .is_some()
                .then(|| {
                    view! {
                        <p>
                            <button
                                type="button"
                                class="secondary"
                                data-testid=testid::AUDIT_MORE
                                on:click=ask_older
                                disabled=move || older.pending().get()
                            >
                                {move || console.tr(L::AuditMore)}
                            </button>
                        </p>
                    }
                })
        }}
        {move || match older.value().get() {
            Some(Err(error)) => Some(view! { <ErrorView error /> }),
            _ => None,
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str, name: Option<&str>, action: &str, detail: &str) -> AuditEntry {
        AuditEntry {
            id: "01".into(),
            date_time: "2026-12-06T16:41:07.123Z".into(),
            actor: actor.into(),
            actor_name: name.map(str::to_owned),
            action: action.into(),
            target_type: "pool".into(),
            target_id: "p1".into(),
            detail: Some(detail.into()),
            request_id: "r1".into(),
        }
    }

    #[test]
    fn the_filter_is_odata_with_quotes_doubled() {
        assert_eq!(AuditFilter::default().expression(), None);
        assert!(AuditFilter::default().is_empty());
        let f = AuditFilter {
            actor: " o'brien@example.com ".into(),
            action: "pool.create".into(),
        };
        assert_eq!(
            f.expression().unwrap(),
            "(actor eq 'o''brien@example.com' or actorName eq 'o''brien@example.com') and action eq 'pool.create'"
        );
        let only_action = AuditFilter {
            action: "group.delete".into(),
            ..AuditFilter::default()
        };
        assert_eq!(
            only_action.expression().unwrap(),
            "action eq 'group.delete'"
        );
    }

    #[test]
    fn the_first_page_is_newest_first_and_encoded() {
        let client = Client::new("http://127.0.0.1:8080", "t");
        assert_eq!(
            AuditFilter::default().url(&client, 50),
            "http://127.0.0.1:8080/api/auditEntries?$orderby=dateTime%20desc&$top=50"
        );
        let f = AuditFilter {
            actor: String::new(),
            action: "pool.create".into(),
        };
        assert_eq!(
            f.url(&client, 2),
            "http://127.0.0.1:8080/api/auditEntries?$orderby=dateTime%20desc&$top=2&$filter=action%20eq%20%27pool.create%27"
        );
    }

    #[test]
    fn rows_name_the_person_or_the_token() {
        let person = entry(
            "admin:user:ada",
            Some("ada@example.com"),
            "pool.create",
            "x",
        );
        assert_eq!(who(&person), "ada@example.com");
        let token = entry("admin:0190abc", None, "pool.create", "x");
        assert_eq!(who(&token), "admin:0190abc");
        assert_eq!(when(&person.date_time), "2026-12-06 16:41:07");
    }

    #[test]
    fn the_export_has_every_field_and_no_live_formula() {
        let entries = [
            entry("admin:0190abc", None, "pool.create", "=cmd (2 codes)"),
            entry("admin:user:ada", Some("@ada"), "group.create", "Sales"),
        ];
        let csv = String::from_utf8(to_csv(&entries, Lang::En)).unwrap();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "When (UTC),Who,Actor id,Action,Target type,Target,Detail,Request id"
        );
        assert_eq!(
            lines[1],
            "2026-12-06T16:41:07.123Z,,admin:0190abc,pool.create,pool,p1,'=cmd (2 codes),r1"
        );
        assert!(lines[2].contains(",'@ada,admin:user:ada,"), "{}", lines[2]);
        let sv = String::from_utf8(to_csv(&entries, Lang::Sv)).unwrap();
        assert!(sv.starts_with("När (UTC),Vem,Aktörs-id,Åtgärd,"), "{sv}");
    }
}
