//! Every message of the server's error bodies, in English and Swedish: the language comes
//! from the request's `Accept-Language` ([`lang`]), set for the request by the layers
//! ([`LANG`]) and read when an [`crate::error::ApiError`] becomes a response. The `code`s
//! of the errors do not change with the language; only `message` does. The validator's
//! findings (`details`) come in the same language from `esim-csv`.
//!
//! A leaf module: it imports nothing of this crate, so every feature module can name its
//! messages here. Texts that come from a library (the JSON parser's, the OData parser's)
//! are quoted as they are, in English, inside a message of the request's language.

use axum::http::{header, HeaderMap};
use esim_csv::Lang;

tokio::task_local! {
    /// The language of the request being served (set with its id by the layers).
    pub static LANG: Lang;
}

/// The language of messages, from `Accept-Language`: its first tag, Swedish for `sv` and
/// `sv-*`, else English (also without the header).
pub fn lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|t| Lang::from_tag(t.split(';').next().unwrap_or("").trim()))
        .unwrap_or_default()
}

/// The current request's language, English outside a request.
pub fn current() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or_default()
}

/// A thing a request can name that may not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pool,
    Group,
    Device,
    DeviceState,
    Assignment,
    Token,
}

impl Kind {
    fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Kind::Pool, Lang::Sv) => "pool",
            (Kind::Group, Lang::Sv) => "grupp",
            (Kind::Device, Lang::Sv) => "enhet",
            (Kind::DeviceState, Lang::Sv) => "enhetsstatus",
            (Kind::Assignment, Lang::Sv) => "tilldelning",
            (Kind::Token, Lang::Sv) => "token",
            (Kind::Pool, _) => "pool",
            (Kind::Group, _) => "group",
            (Kind::Device, _) => "device",
            (Kind::DeviceState, _) => "device state",
            (Kind::Assignment, _) => "assignment",
            (Kind::Token, _) => "token",
        }
    }
}

/// Every message an error body can carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    // 400
    NameEmpty {
        field: String,
    },
    NameTooLong {
        field: String,
        max: usize,
    },
    NameCharacter {
        field: String,
        character: String,
    },
    QueryMalformed {
        detail: String,
    },
    /// A refusal of `esim-odata` (its text, which names the part of the query).
    Query {
        detail: String,
    },
    QueryOption {
        option: String,
    },
    SkipToken {
        token: String,
    },
    Top {
        max: i64,
        got: String,
    },
    AuditOrderBy {
        got: String,
    },
    DeviceNameMissing,
    NoDeviceNamed {
        name: String,
    },
    DeviceNameAmbiguous {
        name: String,
    },
    NotTheUser {
        user: String,
        device: String,
    },
    StateStartsNotEvaluated {
        state: String,
    },
    StateDetailsReadOnly,
    FileNameMissing,
    TooManyIccids {
        max: usize,
        got: usize,
    },
    NameOrDescription,
    NotADevice {
        id: String,
    },
    GroupTwice {
        group: String,
    },
    NoGroup {
        id: String,
    },
    GroupTargeted {
        group: String,
        assignment: String,
    },
    JsonShape {
        detail: String,
    },
    JsonSyntax {
        detail: String,
    },
    /// Another refusal of a body by the HTTP library (its text).
    Body {
        detail: String,
    },
    // 401
    Unauthorized,
    TokenNotAsymmetric,
    TokenAlgorithmRefused,
    TokenNoKeyId,
    TokenAlgorithmNotTheKeys,
    TokenUnknownKey,
    TokenExpired,
    TokenNotYetValid,
    TokenIssuer,
    TokenAudience,
    TokenSignature,
    TokenClaim,
    TokenAlgorithm,
    TokenInvalid,
    // 403
    DeviceTokenOtherDevice,
    RoleCannot {
        role: String,
        access: Access,
    },
    NoRole {
        admin: String,
        reader: String,
    },
    // 404
    NotFound {
        kind: Kind,
        id: String,
    },
    NoResource,
    NotAMember {
        device: String,
        group: String,
    },
    NoProfile {
        device: String,
        iccid: String,
    },
    // 405
    MethodNotAllowed,
    // 409
    Unique,
    TokenRevoked {
        id: String,
    },
    RetryNotAllowed {
        state: String,
    },
    CodeClaimed,
    StateExists {
        device: String,
        state: String,
    },
    NotTargeted {
        device: String,
    },
    StateMoveNotAllowed {
        from: String,
        to: String,
    },
    StillTargeted {
        device: String,
    },
    ProfileHeld {
        device: String,
        state: String,
    },
    NothingPending {
        removal: bool,
        iccid: String,
        pool: String,
    },
    // 413, 415
    BodyTooLarge {
        detail: String,
    },
    JsonContentType,
    // 422
    Rejected {
        errors: usize,
    },
    // 429
    TooManyRequests {
        seconds: u64,
    },
    // 500, 503
    DatabaseUnreachable,
    DatabaseBusy,
    TimedOut {
        limit: std::time::Duration,
    },
    KeysUnavailable,
    Internal,
}

/// Who may use a route, as a 403 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Read,
    Admin,
    Device,
}

impl Message {
    /// The text in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        if lang == Lang::Sv {
            self.swedish()
        } else {
            self.english()
        }
    }

    /// The text in the current request's language ([`current`]).
    pub fn in_request(&self) -> String {
        self.text(current())
    }

    fn english(&self) -> String {
        use Message as M;
        match self {
            M::NameEmpty { field } => format!("{field} must not be empty."),
            M::NameTooLong { field, max } => {
                format!("{field} is longer than {max} characters.")
            }
            M::NameCharacter { field, character } => format!(
                "{field} contains '{character}'; use letters, digits, spaces and . _ - ( ) + , & ' # @ [ ]."
            ),
            M::QueryMalformed { detail } => format!("The query string is malformed: {detail}"),
            M::Query { detail } => detail.clone(),
            M::QueryOption { option } => format!(
                "The query option '{option}' is not supported on this collection; it takes $top and $skiptoken."
            ),
            M::SkipToken { token } => format!(
                "The $skiptoken '{token}' was not made by this server for this $orderby; follow @odata.nextLink unchanged."
            ),
            M::Top { max, got } => {
                format!("$top must be a whole number from 1 to {max}; got '{got}'.")
            }
            M::AuditOrderBy { got } => {
                format!("$orderby may be 'dateTime' or 'dateTime desc'; got '{got}'.")
            }
            M::DeviceNameMissing => {
                "Name the device: 'id' (the device's id) or 'deviceName'.".to_owned()
            }
            M::NoDeviceNamed { name } => {
                format!("No device is named '{name}' in the directory (/v1.0/devices).")
            }
            M::DeviceNameAmbiguous { name } => format!(
                "More than one device is named '{name}'; send the device's 'id' instead."
            ),
            M::NotTheUser { user, device } => {
                format!("userName '{user}' is not the user of the device '{device}'.")
            }
            M::StateStartsNotEvaluated { state } => format!(
                "A device state starts as notEvaluated; '{state}' is set by the device's reports, not by a request."
            ),
            M::StateDetailsReadOnly => "stateDetails is written by the device's reports; send the current value or leave it out.".to_owned(),
            M::StateExists { device, state } => format!(
                "The device '{device}' already has its state in this pool ('{state}', id '{device}'): a state is created when the pool targets the device; read or update that one."
            ),
            M::NotTargeted { device } => format!(
                "The pool does not target the device '{device}': a device state is created when the device is in a group the pool is assigned to (and in no excluded one), not by a request."
            ),
            M::StateMoveNotAllowed { from, to } => format!(
                "A device state moves from '{from}' to '{to}' only by the device's report; a request can only retry a failed, error or user-removed install (state notEvaluated)."
            ),
            M::StillTargeted { device } => format!(
                "The pool targets the device '{device}', which must keep its state; remove it from the group or the group's assignment first."
            ),
            M::ProfileHeld { device, state } => format!(
                "The device '{device}' holds this pool's profile ('{state}'); its next check-in removes it, then its state ('deleted') can be deleted."
            ),
            M::FileNameMissing => {
                "Give the file's name as the query parameter 'fileName'.".to_owned()
            }
            M::TooManyIccids { max, got } => {
                format!("At most {max} ICCIDs can be checked at once; got {got}.")
            }
            M::NameOrDescription => {
                "Give a new displayName, a new description, or both.".to_owned()
            }
            M::NotADevice { id } => {
                format!("No device has the id '{id}'; only devices can be members.")
            }
            M::GroupTwice { group } => format!(
                "The group '{group}' is targeted more than once; a group is either included or excluded."
            ),
            M::NoGroup { id } => {
                format!("No group has the id '{id}'; create it under /v1.0/groups first.")
            }
            M::GroupTargeted { group, assignment } => format!(
                "The group '{group}' is already targeted by the assignment '{assignment}'; a group is either included or excluded."
            ),
            M::JsonShape { detail } => {
                format!("The JSON body does not have the expected shape: {detail}")
            }
            M::JsonSyntax { detail } => format!("The body is not valid JSON: {detail}"),
            M::Body { detail } => detail.clone(),
            M::Unauthorized => "Send a valid token as 'Authorization: Bearer <token>'.".to_owned(),
            M::TokenNotAsymmetric => "The token is not a JWT signed with an asymmetric algorithm (alg none and HMAC are refused).".to_owned(),
            M::TokenAlgorithmRefused => "The token is signed with an algorithm this server refuses (only RSA, ECDSA and EdDSA signatures are accepted).".to_owned(),
            M::TokenNoKeyId => "The token's header names no key (kid).".to_owned(),
            M::TokenAlgorithmNotTheKeys => {
                "The token's algorithm is not the one its key is published for.".to_owned()
            }
            M::TokenUnknownKey => {
                "The token is signed by a key the issuer does not publish.".to_owned()
            }
            M::TokenExpired => "The token has expired.".to_owned(),
            M::TokenNotYetValid => "The token is not valid yet (nbf).".to_owned(),
            M::TokenIssuer => "The token was issued by another issuer.".to_owned(),
            M::TokenAudience => "The token is meant for another audience.".to_owned(),
            M::TokenSignature => "The token's signature does not match.".to_owned(),
            M::TokenClaim => "The token lacks a required claim (exp, iss, aud, sub).".to_owned(),
            M::TokenAlgorithm => "The token's algorithm does not match its key.".to_owned(),
            M::TokenInvalid => "The token is not valid.".to_owned(),
            M::DeviceTokenOtherDevice => {
                "This token may act only for the device it was issued to.".to_owned()
            }
            M::RoleCannot { role, access } => {
                let needs = match access {
                    Access::Public => "public",
                    Access::Read => "reader or admin",
                    Access::Admin => "admin",
                    Access::Device => "device (own device) or admin",
                };
                format!("A {role} token cannot use this route; it needs {needs}.")
            }
            M::NoRole { admin, reader } => format!(
                "Your account has no role in this console: ask an administrator to give you the '{admin}' or '{reader}' role of this application."
            ),
            M::NotFound { kind, id } => format!("No {} has the id '{id}'.", kind.name(Lang::En)),
            M::NoResource => "No resource at this path.".to_owned(),
            M::NotAMember { device, group } => {
                format!("The device '{device}' is not a member of the group '{group}'.")
            }
            M::NoProfile { device, iccid } => {
                format!("The device '{device}' holds no profile with ICCID {iccid}.")
            }
            M::MethodNotAllowed => "This method is not allowed on this resource.".to_owned(),
            M::Unique => "The request conflicts with data stored meanwhile (a value that must be unique is taken); nothing was changed.".to_owned(),
            M::TokenRevoked { id } => format!("The token '{id}' is revoked already."),
            M::RetryNotAllowed { state } => format!(
                "Only a failed or user-removed install can be retried; this device state is '{state}'."
            ),
            M::CodeClaimed => "The code was claimed by another check-in; check in again.".to_owned(),
            M::NothingPending { removal, iccid, pool } => format!(
                "No {} of ICCID {iccid} from pool '{pool}' is pending on this device.",
                if *removal { "removal" } else { "install" }
            ),
            M::BodyTooLarge { detail } => {
                format!("The body is larger than this server accepts ({detail}).")
            }
            M::JsonContentType => {
                "Send the body as JSON with 'Content-Type: application/json'.".to_owned()
            }
            M::Rejected { errors } => format!(
                "The activation codes were rejected: {} {}; nothing was stored. Each finding is in 'details'.",
                esim_csv::number(Lang::En, *errors as u64),
                if *errors == 1 { "error" } else { "errors" }
            ),
            M::TooManyRequests { seconds } => format!(
                "Too many requests with a refused token came from this address; try again in {seconds} s."
            ),
            M::DatabaseUnreachable => "The database is not reachable.".to_owned(),
            M::DatabaseBusy => {
                "The database is busy with concurrent changes; try again in a moment.".to_owned()
            }
            M::TimedOut { limit } => format!(
                "The request took longer than this server allows ({} s) and was stopped; changes it had not committed were rolled back. Try again.",
                limit.as_secs_f64()
            ),
            M::KeysUnavailable => {
                "The identity provider's signing keys could not be fetched; try again shortly."
                    .to_owned()
            }
            M::Internal => "An internal error occurred; the request id identifies it in the server's log.".to_owned(),
        }
    }

    fn swedish(&self) -> String {
        use Message as M;
        match self {
            M::NameEmpty { field } => format!("{field} får inte vara tomt."),
            M::NameTooLong { field, max } => format!("{field} är längre än {max} tecken."),
            M::NameCharacter { field, character } => format!(
                "{field} innehåller '{character}'; använd bokstäver, siffror, mellanslag och . _ - ( ) + , & ' # @ [ ]."
            ),
            M::QueryMalformed { detail } => format!("Frågesträngen är felformad: {detail}"),
            M::Query { detail } => format!("Frågan kan inte användas (på engelska): {detail}"),
            M::QueryOption { option } => format!(
                "Frågealternativet '{option}' stöds inte för den här samlingen; den tar $top och $skiptoken."
            ),
            M::SkipToken { token } => format!(
                "$skiptoken '{token}' gjordes inte av den här servern för denna $orderby; följ @odata.nextLink oförändrad."
            ),
            M::Top { max, got } => {
                format!("$top måste vara ett heltal från 1 till {max}; fick '{got}'.")
            }
            M::AuditOrderBy { got } => {
                format!("$orderby får vara 'dateTime' eller 'dateTime desc'; fick '{got}'.")
            }
            M::DeviceNameMissing => {
                "Ange enheten: 'id' (enhetens id) eller 'deviceName'.".to_owned()
            }
            M::NoDeviceNamed { name } => {
                format!("Ingen enhet heter '{name}' i katalogen (/v1.0/devices).")
            }
            M::DeviceNameAmbiguous { name } => format!(
                "Mer än en enhet heter '{name}'; skicka enhetens 'id' i stället."
            ),
            M::NotTheUser { user, device } => {
                format!("userName '{user}' är inte användaren av enheten '{device}'.")
            }
            M::StateStartsNotEvaluated { state } => format!(
                "En enhetsstatus börjar som notEvaluated; '{state}' sätts av enhetens rapporter, inte av en begäran."
            ),
            M::StateDetailsReadOnly => "stateDetails skrivs av enhetens rapporter; skicka det nuvarande värdet eller utelämna det.".to_owned(),
            M::StateExists { device, state } => format!(
                "Enheten '{device}' har redan sin status i den här poolen ('{state}', id '{device}'): en status skapas när poolen riktas mot enheten; läs eller uppdatera den."
            ),
            M::NotTargeted { device } => format!(
                "Poolen är inte riktad mot enheten '{device}': en enhetsstatus skapas när enheten är med i en grupp som poolen är tilldelad (och inte i någon exkluderad), inte av en begäran."
            ),
            M::StateMoveNotAllowed { from, to } => format!(
                "En enhetsstatus går från '{from}' till '{to}' bara genom enhetens rapport; en begäran kan bara göra om en misslyckad, felaktig eller av användaren borttagen installation (status notEvaluated)."
            ),
            M::StillTargeted { device } => format!(
                "Poolen är riktad mot enheten '{device}', som måste behålla sin status; ta först bort den från gruppen eller gruppens tilldelning."
            ),
            M::ProfileHeld { device, state } => format!(
                "Enheten '{device}' har den här poolens profil ('{state}'); nästa incheckning tar bort den, sedan kan dess status ('deleted') tas bort."
            ),
            M::FileNameMissing => {
                "Ange filens namn som frågeparametern 'fileName'.".to_owned()
            }
            M::TooManyIccids { max, got } => {
                format!("Högst {max} ICCID:er kan kontrolleras på en gång; fick {got}.")
            }
            M::NameOrDescription => {
                "Ange ett nytt displayName, en ny description eller båda.".to_owned()
            }
            M::NotADevice { id } => {
                format!("Ingen enhet har id:t '{id}'; bara enheter kan vara medlemmar.")
            }
            M::GroupTwice { group } => format!(
                "Gruppen '{group}' är mål mer än en gång; en grupp är antingen inkluderad eller exkluderad."
            ),
            M::NoGroup { id } => {
                format!("Ingen grupp har id:t '{id}'; skapa den under /v1.0/groups först.")
            }
            M::GroupTargeted { group, assignment } => format!(
                "Gruppen '{group}' är redan mål för tilldelningen '{assignment}'; en grupp är antingen inkluderad eller exkluderad."
            ),
            M::JsonShape { detail } => {
                format!("JSON-kroppen har inte den förväntade formen: {detail}")
            }
            M::JsonSyntax { detail } => format!("Kroppen är inte giltig JSON: {detail}"),
            M::Body { detail } => format!("Kroppen kan inte läsas: {detail}"),
            M::Unauthorized => {
                "Skicka en giltig token som 'Authorization: Bearer <token>'.".to_owned()
            }
            M::TokenNotAsymmetric => "Token är inte en JWT signerad med en asymmetrisk algoritm (alg none och HMAC avvisas).".to_owned(),
            M::TokenAlgorithmRefused => "Token är signerad med en algoritm som den här servern avvisar (bara RSA-, ECDSA- och EdDSA-signaturer godtas).".to_owned(),
            M::TokenNoKeyId => "Tokens huvud namnger ingen nyckel (kid).".to_owned(),
            M::TokenAlgorithmNotTheKeys => {
                "Tokens algoritm är inte den som dess nyckel är publicerad för.".to_owned()
            }
            M::TokenUnknownKey => {
                "Token är signerad med en nyckel som utfärdaren inte publicerar.".to_owned()
            }
            M::TokenExpired => "Token har gått ut.".to_owned(),
            M::TokenNotYetValid => "Token är inte giltig än (nbf).".to_owned(),
            M::TokenIssuer => "Token utfärdades av en annan utfärdare.".to_owned(),
            M::TokenAudience => "Token är avsedd för en annan mottagare.".to_owned(),
            M::TokenSignature => "Tokens signatur stämmer inte.".to_owned(),
            M::TokenClaim => "Token saknar ett obligatoriskt anspråk (exp, iss, aud, sub).".to_owned(),
            M::TokenAlgorithm => "Tokens algoritm stämmer inte med dess nyckel.".to_owned(),
            M::TokenInvalid => "Token är inte giltig.".to_owned(),
            M::DeviceTokenOtherDevice => {
                "Den här token får bara agera för enheten den utfärdades till.".to_owned()
            }
            M::RoleCannot { role, access } => {
                let needs = match access {
                    Access::Public => "ingen",
                    Access::Read => "läsare eller admin",
                    Access::Admin => "admin",
                    Access::Device => "enhet (den egna enheten) eller admin",
                };
                format!("En {role}-token kan inte använda den här vägen; den kräver {needs}.")
            }
            M::NoRole { admin, reader } => format!(
                "Ditt konto har ingen roll i den här konsolen: be en administratör ge dig rollen '{admin}' eller '{reader}' i den här applikationen."
            ),
            M::NotFound { kind, id } => {
                format!("Ingen {} har id:t '{id}'.", kind.name(Lang::Sv))
            }
            M::NoResource => "Det finns ingen resurs på den här sökvägen.".to_owned(),
            M::NotAMember { device, group } => {
                format!("Enheten '{device}' är inte medlem i gruppen '{group}'.")
            }
            M::NoProfile { device, iccid } => {
                format!("Enheten '{device}' har ingen profil med ICCID {iccid}.")
            }
            M::MethodNotAllowed => {
                "Den här metoden är inte tillåten för den här resursen.".to_owned()
            }
            M::Unique => "Begäran krockar med data som sparats under tiden (ett värde som måste vara unikt är upptaget); inget ändrades.".to_owned(),
            M::TokenRevoked { id } => format!("Token '{id}' är redan återkallad."),
            M::RetryNotAllowed { state } => format!(
                "Bara en misslyckad eller av användaren borttagen installation kan göras om; den här enhetsstatusen är '{state}'."
            ),
            M::CodeClaimed => {
                "Koden togs av en annan incheckning; checka in igen.".to_owned()
            }
            M::NothingPending { removal, iccid, pool } => format!(
                "Ingen {} av ICCID {iccid} från poolen '{pool}' väntar på den här enheten.",
                if *removal { "borttagning" } else { "installation" }
            ),
            M::BodyTooLarge { detail } => {
                format!("Kroppen är större än den här servern tar emot ({detail}).")
            }
            M::JsonContentType => {
                "Skicka kroppen som JSON med 'Content-Type: application/json'.".to_owned()
            }
            M::Rejected { errors } => format!(
                "Aktiveringskoderna avvisades: {} fel; inget sparades. Varje fynd finns i 'details'.",
                esim_csv::number(Lang::Sv, *errors as u64)
            ),
            M::TooManyRequests { seconds } => format!(
                "För många förfrågningar med en avvisad token kom från den här adressen; försök igen om {seconds} s."
            ),
            M::DatabaseUnreachable => "Databasen går inte att nå.".to_owned(),
            M::DatabaseBusy => {
                "Databasen är upptagen med samtidiga ändringar; försök igen om en stund.".to_owned()
            }
            M::TimedOut { limit } => format!(
                "Begäran tog längre tid än den här servern tillåter ({} s) och stoppades; ändringar som inte hunnit sparas rullades tillbaka. Försök igen.",
                limit.as_secs_f64()
            ),
            M::KeysUnavailable => {
                "Identitetsleverantörens signeringsnycklar kunde inte hämtas; försök igen om en stund."
                    .to_owned()
            }
            M::Internal => "Ett internt fel inträffade; begärans id identifierar det i serverns logg.".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each message, with sample values.
    fn all() -> Vec<Message> {
        use Message as M;
        let s = |v: &str| v.to_owned();
        vec![
            M::NameEmpty {
                field: s("displayName"),
            },
            M::NameTooLong {
                field: s("displayName"),
                max: 128,
            },
            M::NameCharacter {
                field: s("displayName"),
                character: s("<"),
            },
            M::QueryMalformed { detail: s("x") },
            M::Query { detail: s("x") },
            M::QueryOption {
                option: s("$filter"),
            },
            M::SkipToken { token: s("t") },
            M::Top {
                max: 1000,
                got: s("0"),
            },
            M::AuditOrderBy { got: s("x") },
            M::FileNameMissing,
            M::DeviceNameMissing,
            M::NoDeviceNamed { name: s("d") },
            M::DeviceNameAmbiguous { name: s("d") },
            M::NotTheUser {
                user: s("u"),
                device: s("d"),
            },
            M::StateStartsNotEvaluated {
                state: s("installed"),
            },
            M::StateDetailsReadOnly,
            M::StateExists {
                device: s("d"),
                state: s("installed"),
            },
            M::NotTargeted { device: s("d") },
            M::StateMoveNotAllowed {
                from: s("failed"),
                to: s("installed"),
            },
            M::StillTargeted { device: s("d") },
            M::ProfileHeld {
                device: s("d"),
                state: s("installed"),
            },
            M::TooManyIccids {
                max: 1000,
                got: 1001,
            },
            M::NameOrDescription,
            M::NotADevice { id: s("d") },
            M::GroupTwice { group: s("g") },
            M::NoGroup { id: s("g") },
            M::GroupTargeted {
                group: s("g"),
                assignment: s("a"),
            },
            M::JsonShape { detail: s("x") },
            M::JsonSyntax { detail: s("x") },
            M::Body { detail: s("x") },
            M::Unauthorized,
            M::TokenNotAsymmetric,
            M::TokenAlgorithmRefused,
            M::TokenNoKeyId,
            M::TokenAlgorithmNotTheKeys,
            M::TokenUnknownKey,
            M::TokenExpired,
            M::TokenNotYetValid,
            M::TokenIssuer,
            M::TokenAudience,
            M::TokenSignature,
            M::TokenClaim,
            M::TokenAlgorithm,
            M::TokenInvalid,
            M::DeviceTokenOtherDevice,
            M::RoleCannot {
                role: s("reader"),
                access: Access::Admin,
            },
            M::NoRole {
                admin: s("a"),
                reader: s("r"),
            },
            M::NotFound {
                kind: Kind::DeviceState,
                id: s("x"),
            },
            M::NoResource,
            M::NotAMember {
                device: s("d"),
                group: s("g"),
            },
            M::NoProfile {
                device: s("d"),
                iccid: s("89"),
            },
            M::MethodNotAllowed,
            M::Unique,
            M::TokenRevoked { id: s("t") },
            M::RetryNotAllowed {
                state: s("installed"),
            },
            M::CodeClaimed,
            M::NothingPending {
                removal: true,
                iccid: s("89"),
                pool: s("p"),
            },
            M::BodyTooLarge { detail: s("x") },
            M::JsonContentType,
            M::Rejected { errors: 2 },
            M::TooManyRequests { seconds: 30 },
            M::DatabaseUnreachable,
            M::DatabaseBusy,
            M::TimedOut {
                limit: std::time::Duration::from_secs(30),
            },
            M::KeysUnavailable,
            M::Internal,
        ]
    }

    #[test]
    fn every_message_has_its_own_swedish_text() {
        for message in all() {
            let (en, sv) = (message.text(Lang::En), message.text(Lang::Sv));
            assert!(!en.is_empty() && !sv.is_empty(), "{message:?}");
            assert_ne!(en, sv, "{message:?} is not translated");
        }
    }

    #[test]
    fn the_language_is_the_first_tag_of_accept_language() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_LANGUAGE, value.parse().unwrap());
            lang(&headers)
        };
        assert_eq!(with("sv"), Lang::Sv);
        assert_eq!(with("sv-SE,en;q=0.5"), Lang::Sv);
        assert_eq!(with("en-GB,sv;q=0.9"), Lang::En);
        assert_eq!(with("de"), Lang::En);
        assert_eq!(lang(&HeaderMap::new()), Lang::En);
        assert_eq!(current(), Lang::En, "outside a request");
    }
}
