//! Every text of the console's views in English and Swedish (the validator page's are in
//! [`crate::i18n`]). State names follow the brief (the Swedish Intune article).

use esim_wire::StateLabel;

use crate::i18n::{Lang, Text};

crate::labels! {
    /// A text of the console's views.
    Label {
    NavLabel => "Console", "Konsol";
    NavCheck => "Check files", "Kontrollera filer";
    NavPools => "Pools", "Pooler";
    NavGroups => "Device groups", "Enhetsgrupper";
    NavSettings => "Settings", "Inställningar";
    NavAudit => "Audit log", "Granskningslogg";
    SignedInTo => "Signed in to {base} ({backend})", "Inloggad på {base} ({backend})";
    SignedOut => "Not signed in", "Inte inloggad";
    BackendServer => "eSIM pool server", "eSIM-poolserver";
    BackendGraph => "Microsoft Graph", "Microsoft Graph";
    Loading => "Loading …", "Läser in …";
    StillLoading => "(still loading)", "(läser fortfarande in)";
    NotFound => "There is no such page.", "Sidan finns inte.";
    SignInNeeded => "This page reads the server: sign in first. The link that `cargo xtask run` prints signs you in; or enter the server and a token in Settings.",
        "Den här sidan läser från servern: logga in först. Länken som `cargo xtask run` skriver ut loggar in dig; eller ange server och token under Inställningar.";
    OpenSettings => "Open the settings", "Öppna inställningarna";
    RequestId => "(request id {id})", "(begärans id {id})";
    ErrUnreachable => "The server at {base} cannot be reached. Check the address in Settings and that the server is running.",
        "Servern på {base} går inte att nå. Kontrollera adressen under Inställningar och att servern är igång.";
    ErrUnauthorized => "The server did not accept the token: it is wrong, expired or revoked. Sign in again with a new token (esim-server token create --role admin).",
        "Servern godtog inte token: den är fel, har gått ut eller har återkallats. Logga in igen med en ny token (esim-server token create --role admin).";
    ErrForbidden => "Your token may not do this: {detail}", "Din token får inte göra detta: {detail}";
    ErrNotFound => "It is not on the server (any more).", "Det finns inte (längre) på servern.";
    ErrRejected => "The server refused: {detail}", "Servern vägrade: {detail}";
    ErrServer => "The server failed ({status}). Try again; if it keeps failing, give the request id to whoever runs the server.",
        "Servern fick ett fel ({status}). Försök igen; om felet kvarstår, ge begärans id till den som driver servern.";
    ErrUnexpected => "The server answered something this console does not understand ({status}: {detail}). Is the address in Settings an eSIM pool server or Microsoft Graph?",
        "Servern svarade något som konsolen inte förstår ({status}: {detail}). Är adressen under Inställningar en eSIM-poolserver eller Microsoft Graph?";
    BusyGraph => "Microsoft Graph is busy: retrying in {n} s.", "Microsoft Graph är upptaget: försöker igen om {n} s.";
    BusyServer => "The server is busy: retrying in {n} s.", "Servern är upptagen: försöker igen om {n} s.";
    SettingsTitle => "Settings", "Inställningar";
    SettingsIntro => "The server this console talks to and the token it signs in with. The token is kept in this tab only (session storage) and never in the address bar.",
        "Servern som konsolen pratar med och den token den loggar in med. Token sparas bara i den här fliken (sessionslagring) och aldrig i adressfältet.";
    BaseUrl => "Server address (API base URL)", "Serveradress (API:ets bas-URL)";
    BaseUrlHint => "Default: the server that served this page. For Microsoft Graph: https://graph.microsoft.com",
        "Standard: servern som levererade sidan. För Microsoft Graph: https://graph.microsoft.com";
    BaseNotHttp => "The address must start with http:// or https:// and name a host.", "Adressen måste börja med http:// eller https:// och ange en värd.";
    Token => "Bearer token", "Bearer-token";
    TokenHint => "Leave empty to keep the current token.", "Lämna tomt för att behålla nuvarande token.";
    TokenNeeded => "Enter a token.", "Ange en token.";
    SaveAndTest => "Save and test", "Spara och testa";
    SignOut => "Sign out", "Logga ut";
    ConnectionWorks => "Connected: the server accepted the token.", "Ansluten: servern godtog token.";
    GraphHeading => "Microsoft Graph", "Microsoft Graph";
    GraphNote => "With Graph's address and a Graph token, pools, assignments and device status work the same. Only this project's server can check ICCIDs before an upload, add codes to an existing pool, and run the fleet simulator.",
        "Med Graphs adress och en Graph-token fungerar pooler, tilldelningar och enhetsstatus likadant. Bara projektets egen server kan kontrollera ICCID före uppladdning, lägga till koder i en befintlig pool och köra flottsimulatorn.";
    SignInWithProvider => "Sign in with your organisation", "Logga in med din organisation";
    SignInIntro => "Sign in with your organisation's account; you come back to this page.",
        "Logga in med ditt konto i organisationen; du kommer tillbaka till den här sidan.";
    SigningIn => "Signing in …", "Loggar in …";
    SignedInAsTitle => "Signed in as {name} to {base}", "Inloggad som {name} på {base}";
    ReadOnly => "read only", "endast läsning";
    SignInAgain => "Sign in again", "Logga in igen";
    SignInDenied => "The sign-in was cancelled or refused by your organisation's sign-in page ({detail}). Sign in again; if you may not use the console, ask your administrator to assign you a role in it.",
        "Inloggningen avbröts eller nekades av organisationens inloggningssida ({detail}). Logga in igen; om du inte får använda konsolen, be din administratör att ge dig en roll i den.";
    SignInRedirectUri => "The identity provider does not accept this console's address {uri} ({detail}). Ask your administrator to add {uri} as a redirect URI of the console's app registration (single-page application).",
        "Identitetsleverantören godtar inte konsolens adress {uri} ({detail}). Be din administratör att lägga till {uri} som omdirigerings-URI i konsolens appregistrering (ensidesapp).";
    SignInClockSkew => "Your computer's clock differs from the identity provider's by more than five minutes, so the sign-in cannot be trusted. Set the clock to the right time (automatic time), then sign in again.",
        "Datorns klocka skiljer sig mer än fem minuter från identitetsleverantörens, så inloggningen kan inte godtas. Ställ klockan rätt (automatisk tid) och logga sedan in igen.";
    SignInExpired => "Your sign-in has expired. Sign in again; you come back to this page.",
        "Din inloggning har gått ut. Logga in igen; du kommer tillbaka till den här sidan.";
    SignInMismatch => "This sign-in answer does not belong to a sign-in started in this tab (it was already used, or came from elsewhere), so it was ignored. Sign in again from the console.",
        "Svaret på inloggningen hör inte till en inloggning som startades i den här fliken (det har redan använts eller kom från annat håll), så det ignorerades. Logga in igen från konsolen.";
    SignInUnreachable => "The identity provider at {issuer} cannot be reached. Check your network connection and try again.",
        "Identitetsleverantören på {issuer} går inte att nå. Kontrollera nätverksanslutningen och försök igen.";
    SignInFailed => "The identity provider refused the sign-in ({error}: {detail}). Try again; if it keeps failing, give this message to whoever runs the console's sign-in.",
        "Identitetsleverantören nekade inloggningen ({error}: {detail}). Försök igen; om felet kvarstår, ge meddelandet till den som sköter konsolens inloggning.";
    NoRole => "You are signed in as {name}, but you have no role in this console: it needs {admin} (to change pools) or {reader} (to look). Ask your administrator to assign you one, then sign in again.",
        "Du är inloggad som {name}, men du har ingen roll i konsolen: den kräver {admin} (för att ändra pooler) eller {reader} (för att titta). Be din administratör att ge dig en, och logga sedan in igen.";
    ReadOnlyNote => "You can look but not change anything: your role is read only.", "Du kan titta men inte ändra något: din roll ger bara läsrätt.";
    OriginTitle => "Connect to another server?", "Ansluta till en annan server?";
    OriginText => "This would point the console at {origin}, not at {page}, which served it. The console would send your token there, and every activation code you upload. Connect only if you trust {origin}.",
        "Detta skulle peka konsolen mot {origin}, inte mot {page} som levererade den. Konsolen skulle skicka din token dit, och varje aktiveringskod du laddar upp. Anslut bara om du litar på {origin}.";
    OriginAccept => "Connect to {origin}", "Anslut till {origin}";
    EntraHeading => "Sign in to Microsoft Graph with Microsoft Entra ID", "Logga in på Microsoft Graph med Microsoft Entra ID";
    EntraIntro => "For a console that is not served by this project's server: your organisation's tenant and the console's app registration (a single-page application). You sign in on your organisation's page and come back here; the console then calls Graph with your own permissions.",
        "För en konsol som inte levereras av projektets egen server: organisationens klientorganisation och konsolens appregistrering (en ensidesapp). Du loggar in på organisationens sida och kommer tillbaka hit; konsolen anropar sedan Graph med dina egna behörigheter.";
    EntraTenant => "Tenant (directory id or domain)", "Klientorganisation (katalog-id eller domän)";
    EntraTenantHint => "Such as contoso.onmicrosoft.com or the directory (tenant) id; a full authority URL (https://…/v2.0) also works.",
        "Till exempel contoso.onmicrosoft.com eller katalogens (klientorganisationens) id; en fullständig utfärdar-URL (https://…/v2.0) fungerar också.";
    EntraClientId => "The console's application (client) id", "Konsolens program-id (klient-id)";
    EntraReadOnly => "Only look (asks Graph for read permissions only)", "Bara titta (ber Graph om enbart läsbehörigheter)";
    EntraSignIn => "Sign in with Microsoft Entra ID", "Logga in med Microsoft Entra ID";
    EntraFieldsNeeded => "Enter the tenant (a directory id, a domain such as contoso.onmicrosoft.com, or an https:// authority URL) and the console's application (client) id.",
        "Ange klientorganisationen (ett katalog-id, en domän som contoso.onmicrosoft.com eller en https://-utfärdar-URL) och konsolens program-id (klient-id).";
    OriginRefuse => "Stay with {page}", "Stanna på {page}";
    PoolsTitle => "eSIM cellular pools", "eSIM-mobilabonnemangspooler";
    Import => "Import", "Importera";
    GroupId => "Group ID", "Grupp-id";
    CopyGroupId => "Copy the group ID", "Kopiera grupp-id";
    Copied => "Copied.", "Kopierat.";
    CopyByHand => "Selected: press Ctrl+C (⌘C) to copy.", "Markerat: tryck Ctrl+C (⌘C) för att kopiera.";
    PoolsIntro => "Each pool holds one operator's activation codes. To add a pool, check its file first:",
        "Varje pool innehåller en operatörs aktiveringskoder. Kontrollera filen först för att lägga till en pool:";
    NoPools => "No pools yet. Check a file and upload it.", "Inga pooler ännu. Kontrollera en fil och ladda upp den.";
    Name => "Name", "Namn";
    CodesUsed => "Codes used / total", "Använda koder / totalt";
    Groups => "Groups", "Grupper";
    GroupCounts => "{included} included, {excluded} excluded", "{included} inkluderade, {excluded} exkluderade";
    Status => "Status", "Status för enheter";
    Created => "Created", "Skapad";
    Actions => "Actions", "Åtgärder";
    Unknown => "unknown", "okänt";
    NoDevicesYet => "no devices yet", "inga enheter ännu";
    Rename => "Rename", "Byt namn";
    NewName => "New name", "Nytt namn";
    Save => "Save", "Spara";
    CancelAction => "Cancel", "Avbryt";
    CloseAction => "Close", "Stäng";
    DeviceDetailsOf => "Details of {name}", "Detaljer om {name}";
    Delete => "Delete", "Ta bort";
    ConfirmDelete => "Devices lose this pool's eSIM profiles at their next check-in; its activation codes stay used.",
        "Enheterna förlorar poolens eSIM-profiler vid nästa incheckning; dess aktiveringskoder förblir använda.";
    ConfirmDeleteLabel => "Confirm deletion", "Bekräfta borttagning";
    PoolTitle => "Pool", "Pool";
    PoolSections => "Pool", "Poolens delar";
    TabOverview => "Overview", "Översikt";
    TabDevices => "Device status", "Enhetsstatus";
    TabAssignments => "Assignments", "Tilldelningar";
    CodesLeft => "Codes left", "Koder kvar";
    LeftOfTotal => "{left} of {total}", "{left} av {total}";
    TotalOnly => "{total} in all (the number used is not known)", "{total} totalt (antalet använda är okänt)";
    ChartTitle => "Devices by activation status", "Enheter per aktiveringsstatus";
    ChartCaption => "Each bar is labelled with its status and count; the chart refreshes while the page is open.",
        "Varje stapel har sin status och sitt antal utskrivna; diagrammet uppdateras medan sidan är öppen.";
    ChartTableCaption => "The chart's numbers", "Diagrammets siffror";
    RefreshNote => "Refreshed every 3 seconds.", "Uppdateras var tredje sekund.";
    Devices => "Devices", "Enheter";
    StateNotSynced => "Device not synced", "Enheten är inte synkroniserad";
    StatePending => "Activation pending", "Aktivering väntar";
    StateActive => "Active", "Aktiv";
    StateFailed => "Activation failed", "Aktiveringen misslyckades";
    StateRemoved => "Removed", "Borttagen";
    StateUnknown => "Unknown", "Okänd";
    ColDevice => "Device name", "Enhetsnamn";
    ColUser => "User", "Användare";
    ColIccid => "ICCID", "ICCID";
    ColUicc => "UICC ID", "UICC-id";
    ColState => "Activation status", "Aktiveringsstatus";
    ColDetails => "Detail", "Detalj";
    ColCellular => "Cellular status", "Mobilstatus";
    ColLastSync => "Last check-in", "Senaste incheckning";
    /// The operator's cellular statuses this console knows (others are shown as sent).
    CellularActive => "Active", "Aktiv";
    CellularInactive => "Inactive", "Inaktiv";
    CellularSuspended => "Suspended", "Spärrad";
    CellularDeactivated => "Deactivated", "Avaktiverad";
    /// The state details this project's server and simulator write (others are shown as sent).
    DetailUntargeted => "The device is no longer targeted by the pool; the profile is being removed.",
        "Enheten omfattas inte längre av poolen; profilen tas bort.";
    DetailExhausted => "The pool has no unused activation code left; add codes to the pool, then retry.",
        "Poolen har ingen oanvänd aktiveringskod kvar; lägg till koder i poolen och försök sedan igen.";
    DetailInstallFailed => "The device reported that the install failed.", "Enheten rapporterade att installationen misslyckades.";
    DetailUserRemoved => "The user removed the profile.", "Användaren tog bort profilen.";
    DetailSimulatedRefusal => "Simulated: the SM-DP+ server refused the download.", "Simulerat: SM-DP+-servern vägrade nedladdningen.";
    FilterByState => "Show status", "Visa status";
    AllStates => "All", "Alla";
    Search => "Search name, user, ICCID", "Sök namn, användare, ICCID";
    ExportCsv => "Export to CSV", "Exportera till CSV";
    Refresh => "Refresh", "Uppdatera";
    Retry => "Retry", "Försök igen";
    RetryNamed => "Retry the install on {name} (a new code at its next check-in)", "Försök installera igen på {name} (en ny kod vid nästa incheckning)";
    DeviceCountOne => "{n} of {total} device", "{n} av {total} enhet";
    DeviceCount => "{n} of {total} devices", "{n} av {total} enheter";
    MemberCountOne => "({n} device)", "({n} enhet)";
    MemberCount => "({n} devices)", "({n} enheter)";
    NoUsers => "Pools are assigned to device groups only: an eSIM belongs to a device, not to a user, so users cannot be targeted.",
        "Pooler tilldelas bara enhetsgrupper: ett eSIM hör till en enhet, inte till en användare, så användare kan inte väljas.";
    OtherTargetsOne => "{n} assignment targets something other than a device group (such as all devices); it is not edited here and is kept as it is when you save.",
        "{n} tilldelning gäller något annat än en enhetsgrupp (till exempel alla enheter); den ändras inte här och behålls som den är när du sparar.";
    OtherTargets => "{n} assignments target something other than a device group (such as all devices); they are not edited here and are kept as they are when you save.",
        "{n} tilldelningar gäller något annat än en enhetsgrupp (till exempel alla enheter); de ändras inte här och behålls som de är när du sparar.";
    Included => "Included groups", "Inkluderade grupper";
    Excluded => "Excluded groups", "Exkluderade grupper";
    GroupToAdd => "Group", "Grupp";
    ChooseGroup => "Choose a group", "Välj en grupp";
    AssignMode => "Include or exclude", "Inkludera eller exkludera";
    Include => "Include", "Inkludera";
    Exclude => "Exclude", "Exkludera";
    Add => "Add", "Lägg till";
    Remove => "Remove", "Ta bort";
    RemoveNamed => "Remove {name}", "Ta bort {name}";
    ManageGroups => "Create or change device groups", "Skapa eller ändra enhetsgrupper";
    SaveAssignments => "Save assignments", "Spara tilldelningar";
    Saved => "Saved. Devices get or lose codes at their next check-in.", "Sparat. Enheterna får eller förlorar koder vid nästa incheckning.";
    GroupsTitle => "Device groups", "Enhetsgrupper";
    GroupsIntro => "Pools are assigned to device groups. Create a group, then add its devices.",
        "Pooler tilldelas enhetsgrupper. Skapa en grupp och lägg sedan till dess enheter.";
    NewGroupName => "New group's name", "Den nya gruppens namn";
    CreateGroup => "Create group", "Skapa grupp";
    NoGroups => "No device groups yet.", "Inga enhetsgrupper ännu.";
    Description => "Description", "Beskrivning";
    GroupTitle => "Device group", "Enhetsgrupp";
    Members => "Devices in the group", "Enheter i gruppen";
    NoMembers => "The group has no devices.", "Gruppen har inga enheter.";
    OperatingSystem => "Operating system", "Operativsystem";
    RemoveFromGroup => "Remove {name} from the group", "Ta bort {name} från gruppen";
    ConfirmRemoveMember => "Remove {name} from {group}?", "Ta bort {name} från {group}?";
    RemoveMemberConsequence => "The eSIM profile of every pool assigned to this group is removed from the device at its next check-in; its activation code stays used and cannot be given out again.",
        "eSIM-profilen från varje pool som är tilldelad den här gruppen tas bort från enheten vid nästa incheckning; aktiveringskoden förblir använd och kan inte delas ut igen.";
    RemoveFromGroupAction => "Remove from the group", "Ta bort från gruppen";
    RemovedFromGroup => "{name} was removed from the group. Its eSIM profile is removed at its next check-in.",
        "{name} togs bort från gruppen. Dess eSIM-profil tas bort vid nästa incheckning.";
    ConfirmDeletePool => "Delete the pool “{name}”?", "Ta bort poolen ”{name}”?";
    PoolDeleted => "The pool “{name}” was deleted.", "Poolen ”{name}” togs bort.";
    AddDevices => "Add devices", "Lägg till enheter";
    ExistingDevice => "An existing device", "En befintlig enhet";
    ChooseDevice => "Choose a device", "Välj en enhet";
    AddToGroup => "Add to the group", "Lägg till i gruppen";
    NewDeviceName => "New device's name", "Den nya enhetens namn";
    NewDeviceUser => "Its user", "Dess användare";
    CreateDevice => "Create the device in this group", "Skapa enheten i den här gruppen";
    GraphNoDeviceCreate => "Devices come to Microsoft Graph when they enroll (Intune, Entra ID join): this console cannot create them. Add enrolled devices to the group above.",
        "Enheter kommer till Microsoft Graph när de registreras (Intune, Entra ID-anslutning): konsolen kan inte skapa dem. Lägg till registrerade enheter i gruppen ovan.";
    OtherGroupsHiddenOne => "{n} group that cannot hold devices is not shown (a Microsoft 365 group, a mail-enabled group or a group with a rule about users).",
        "{n} grupp som inte kan innehålla enheter visas inte (en Microsoft 365-grupp, en e-postaktiverad grupp eller en grupp med en regel om användare).";
    OtherGroupsHidden => "{n} groups that cannot hold devices are not shown (Microsoft 365 groups, mail-enabled groups, groups with a rule about users).",
        "{n} grupper som inte kan innehålla enheter visas inte (Microsoft 365-grupper, e-postaktiverade grupper, grupper med en regel om användare).";
    UploadAsPoolOne => "Upload {n} code as a pool", "Ladda upp {n} kod som en pool";
    UploadAsPool => "Upload {n} codes as a pool", "Ladda upp {n} koder som en pool";
    UploadNeedsSignIn => "To upload this file as a pool, sign in to a server.", "Logga in på en server för att ladda upp filen som en pool.";
    GraphNoPrecheck => "Microsoft Graph cannot say which codes it already has: the file is uploaded without that check.",
        "Microsoft Graph kan inte säga vilka koder den redan har: filen laddas upp utan den kontrollen.";
    Prechecking => "Checking the codes against the server …", "Kontrollerar koderna mot servern …";
    UploadingOne => "Uploading {n} code …", "Laddar upp {n} kod …";
    Uploading => "Uploading {n} codes …", "Laddar upp {n} koder …";
    ServerRejected => "The server rejected the file: {detail}", "Servern avvisade filen: {detail}";
    PrecheckBlocked => "The server would refuse this file: it has {n} of its {total} codes already.", "Servern skulle vägra filen: den har redan {n} av dess {total} koder.";
    PrecheckWarn => "A pool for this operator exists already.", "Det finns redan en pool för den här operatören.";
    AddToPool => "Add these codes to “{name}”", "Lägg till koderna i ”{name}”";
    AddNewToPool => "Add the new codes ({n}) to “{name}”", "Lägg till de nya koderna ({n}) i ”{name}”";
    RemoveImported => "Remove the codes the server has already ({n})", "Ta bort koderna som servern redan har ({n})";
    NothingNew => "Every code of this file is on the server already: nothing is left to upload or add.",
        "Alla koder i filen finns redan på servern: inget återstår att ladda upp eller lägga till.";
    NoPoolForSmdp => "No pool has this file's SM-DP+ address, so there is no pool to add the new codes to: remove the codes the server has, then upload the rest as a new pool.",
        "Ingen pool har filens SM-DP+-adress, så det finns ingen pool att lägga till de nya koderna i: ta bort koderna som servern har och ladda sedan upp resten som en ny pool.";
    UploadAnyway => "Create a second pool anyway", "Skapa en andra pool ändå";
    AuditTitle => "Audit log", "Granskningslogg";
    AuditIntro => "Every change made through this server: who did what, and when, newest first. Only admins can read it.",
        "Varje ändring som gjorts via den här servern: vem som gjorde vad och när, senaste först. Bara administratörer kan läsa den.";
    AuditGraph => "Microsoft Graph keeps no audit log for this console: the audit log is this project's server's. Intune's own audit logs are in the Intune admin center.",
        "Microsoft Graph för ingen granskningslogg åt konsolen: granskningsloggen förs av projektets egen server. Intunes egna granskningsloggar finns i administrationscentret för Intune.";
    AuditFilters => "Filter the log", "Filtrera loggen";
    AuditActor => "Actor (user name or actor id)", "Aktör (användarnamn eller aktörs-id)";
    AuditActorHint => "Exactly as in the log, such as ada@example.com or admin:0190…", "Exakt som i loggen, till exempel ada@example.com eller admin:0190…";
    AuditAction => "Action", "Åtgärd";
    AuditActionHint => "Such as pool.create or group.delete", "Till exempel pool.create eller group.delete";
    AuditApply => "Filter", "Filtrera";
    AuditClear => "Show all", "Visa alla";
    AuditWhen => "When (UTC)", "När (UTC)";
    AuditWho => "Who", "Vem";
    AuditActorId => "Actor id", "Aktörs-id";
    AuditTargetType => "Target type", "Typ av mål";
    AuditTarget => "Target", "Mål";
    AuditRequestId => "Request id", "Begärans id";
    AuditNone => "No entries.", "Inga poster.";
    AuditNoneMatch => "No entries match the filter.", "Inga poster matchar filtret.";
    AuditShownOne => "{n} entry", "{n} post";
    AuditShown => "{n} entries, newest first", "{n} poster, senaste först";
    AuditShownMoreOne => "{n} entry; older entries follow", "{n} post; det finns äldre poster";
    AuditShownMore => "{n} entries, newest first; older entries follow", "{n} poster, senaste först; det finns äldre poster";
    AuditMore => "Show older entries", "Visa äldre poster";
    AuditExport => "Export every matching entry to CSV", "Exportera alla matchande poster till CSV";
    AuditExporting => "Exporting …", "Exporterar …";
    }
}

/// Labels that are the same words in both languages (names).
pub const SAME_IN_BOTH: &[Label] = &[
    Label::ColIccid,
    Label::BackendGraph,
    Label::GraphHeading,
    Label::PoolTitle,
];

/// The operator's cellular status of a device in `state`, in the page's language when it is
/// one this console knows ("active" is "Aktiv"), else as the operator wrote it. Only an
/// active profile has one: the server keeps the last status after a removal or a failure,
/// which would say "active" beside "Removed", so none is shown then.
pub fn cellular_text(lang: Lang, state: StateLabel, raw: &str) -> String {
    if state != StateLabel::Active {
        return String::new();
    }
    let known = match raw.trim().to_ascii_lowercase().as_str() {
        "active" => Some(Label::CellularActive),
        "inactive" => Some(Label::CellularInactive),
        "suspended" => Some(Label::CellularSuspended),
        "deactivated" => Some(Label::CellularDeactivated),
        _ => None,
    };
    known.map_or_else(|| raw.to_owned(), |label| label.text(lang).to_owned())
}

/// A device state's detail in the page's language when it is one of this project's
/// server's or simulator's sentences (`esim-server`'s `mdm` module, `esim-sim`), else as
/// sent (an operator's or a device's words, or Graph's).
pub fn detail_text(lang: Lang, raw: &str) -> String {
    const KNOWN: &[Label] = &[
        Label::DetailUntargeted,
        Label::DetailExhausted,
        Label::DetailInstallFailed,
        Label::DetailUserRemoved,
        Label::DetailSimulatedRefusal,
    ];
    KNOWN
        .iter()
        .find(|label| label.texts().0 == raw.trim())
        .map_or_else(|| raw.to_owned(), |label| label.text(lang).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_console_label_is_translated() {
        crate::i18n::assert_translated(Label::ALL, SAME_IN_BOTH);
    }

    #[test]
    fn known_statuses_and_details_are_translated() {
        assert_eq!(
            cellular_text(Lang::Sv, StateLabel::Active, "active"),
            "Aktiv"
        );
        assert_eq!(
            cellular_text(Lang::En, StateLabel::Active, "ACTIVE"),
            "Active"
        );
        assert_eq!(
            cellular_text(Lang::Sv, StateLabel::Active, "roaming"),
            "roaming"
        );
        assert_eq!(cellular_text(Lang::Sv, StateLabel::Removed, "active"), "");
        assert_eq!(
            detail_text(Lang::Sv, "The user removed the profile."),
            "Användaren tog bort profilen."
        );
        assert_eq!(detail_text(Lang::Sv, "SIM tray open"), "SIM tray open");
        // Every sentence the server and the simulator write (esim-wire holds them; both
        // write from there): the English label is the sentence itself, the Swedish one a
        // translation, so changing a sentence without its label fails here.
        for &sentence in esim_wire::state_details::ALL {
            assert_eq!(detail_text(Lang::En, sentence), sentence);
            assert_ne!(detail_text(Lang::Sv, sentence), sentence, "{sentence}");
        }
    }
}
